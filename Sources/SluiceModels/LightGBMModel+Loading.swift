extension LightGBMModel {
    /// Builds the model from the bytes of a LightGBM text model.
    static func load(bytes: [UInt8], path: String) throws(ModelError) -> LightGBMModel {
        func error(_ code: ModelError.Code, _ location: String?, _ message: String) -> ModelError {
            ModelError(code, path: path, location: location, message)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }

        // Header: key=value lines up to the first tree.
        var header: [Substring: Substring] = [:]
        var flags: Set<Substring> = []
        var lineIndex = 0
        while lineIndex < lines.count, lines[lineIndex].trimmingSpaces().isEmpty { lineIndex += 1 }
        guard lineIndex < lines.count, lines[lineIndex].trimmingSpaces() == "tree" else {
            throw error(.malformed, "line \(lineIndex + 1)", "a LightGBM text model starts with the line \"tree\"")
        }
        lineIndex += 1
        while lineIndex < lines.count {
            let line = lines[lineIndex]
            if line.hasPrefix("Tree=") || line == "end of trees" { break }
            if let equals = line.firstIndex(of: "=") {
                header[line[..<equals]] = line[line.index(after: equals)...]
            } else if !line.trimmingSpaces().isEmpty {
                flags.insert(line.trimmingSpaces())
            }
            lineIndex += 1
        }
        guard lines.contains(where: { $0 == "end of trees" }) else {
            throw error(
                .truncated, nil,
                "the file ends before the line \"end of trees\": it is truncated or not a complete LightGBM model")
        }
        if flags.contains("average_output") {
            throw error(
                .unsupportedModel, "header line \"average_output\"",
                "random-forest models (boosting=rf, averaged output) are not supported")
        }
        func headerValue(_ key: Substring) throws(ModelError) -> Substring {
            guard let value = header[key] else { throw error(.malformed, "header", "the \"\(key)=\" line is missing") }
            return value
        }
        func headerInt(_ key: Substring) throws(ModelError) -> Int {
            guard let value = Int(try headerValue(key).trimmingSpaces()) else {
                throw error(
                    .malformed, "header line \"\(key)=\"", "expected an integer, found \"\(header[key] ?? "")\"")
            }
            return value
        }
        let formatVersion = String(header["version"] ?? "")
        let classCount = try headerInt("num_class")
        let treesPerIteration = try headerInt("num_tree_per_iteration")
        let featureCount = try headerInt("max_feature_idx") + 1
        guard featureCount > 0, featureCount < 1 << 24 else {
            throw error(.malformed, "header line \"max_feature_idx=\"", "invalid feature count \(featureCount)")
        }
        let featureNames = try headerValue("feature_names").split(separator: " ").map(String.init)
        guard featureNames.count == featureCount else {
            throw error(
                .malformed, "header line \"feature_names=\"",
                "\(featureNames.count) names for max_feature_idx + 1 = \(featureCount) features")
        }

        let objectiveLine = String(try headerValue("objective").trimmingSpaces())
        let objectiveTokens = objectiveLine.split(separator: " ")
        var objectiveParameters: [Substring: Substring] = [:]
        var objectiveFlags: [Substring] = []
        for token in objectiveTokens.dropFirst() {
            if let colon = token.firstIndex(of: ":") {
                objectiveParameters[token[..<colon]] = token[token.index(after: colon)...]
            } else {
                objectiveFlags.append(token)
            }
        }
        let objective: ModelObjective
        let transform: Transform
        let objectiveLocation = "header line \"objective=\""
        switch objectiveTokens.first ?? "" {
        case "binary" where objectiveFlags.isEmpty:
            let scale = objectiveParameters["sigmoid"].flatMap { Double($0) } ?? 1
            guard scale > 0, scale.isFinite else {
                throw error(.malformed, objectiveLocation, "invalid sigmoid parameter in \"\(objectiveLine)\"")
            }
            objective = .binaryLogistic
            transform = .sigmoid(scale)
        case "regression" where objectiveFlags.isEmpty:
            objective = .regression
            transform = .identity
        case "multiclass" where objectiveFlags.isEmpty:
            guard classCount >= 2, treesPerIteration == classCount else {
                throw error(
                    .malformed, "header",
                    "multiclass model with num_class = \(classCount) and "
                        + "num_tree_per_iteration = \(treesPerIteration)")
            }
            objective = .multiclassSoftmax(classCount: classCount)
            transform = .softmax
        default:
            throw error(
                .unsupportedObjective, objectiveLocation,
                "objective \"\(objectiveLine)\" is not supported; supported: binary, regression (without "
                    + "reg_sqrt), multiclass")
        }
        guard treesPerIteration == objective.outputCount else {
            throw error(
                .malformed, "header line \"num_tree_per_iteration=\"",
                "\(treesPerIteration) trees per iteration for an objective with \(objective.outputCount) outputs")
        }

        // Trees: "Tree=N" then key=value lines, up to "end of trees".
        var drafts: [TreeDraft<Double>] = []
        while lineIndex < lines.count, lines[lineIndex] != "end of trees" {
            let line = lines[lineIndex]
            guard line.hasPrefix("Tree=") else {
                lineIndex += 1
                continue
            }
            let treeLine = lineIndex + 1
            var fields: [Substring: Substring] = [:]
            lineIndex += 1
            while lineIndex < lines.count {
                let fieldLine = lines[lineIndex]
                if fieldLine.hasPrefix("Tree=") || fieldLine == "end of trees" { break }
                if let equals = fieldLine.firstIndex(of: "=") {
                    fields[fieldLine[..<equals]] = fieldLine[fieldLine.index(after: equals)...]
                }
                lineIndex += 1
            }
            let index = drafts.count
            drafts.append(
                try draft(
                    fields: fields, index: index, line: treeLine, output: index % treesPerIteration,
                    path: path))
        }
        guard !drafts.isEmpty else { throw error(.malformed, nil, "the model has no trees") }
        guard drafts.count % treesPerIteration == 0 else {
            throw error(
                .malformed, nil,
                "\(drafts.count) trees is not a multiple of num_tree_per_iteration = \(treesPerIteration)")
        }
        let ensemble: TreeEnsemble<Double, WideNode<UInt64>>
        do {
            ensemble = try TreeEnsemble(
                flattening: drafts, featureCount: featureCount, outputCount: objective.outputCount)
        } catch {
            throw ModelError(
                .invalidTree, path: path, location: "tree \(error.tree), node \(error.node)", error.message)
        }
        return LightGBMModel(
            featureNames: featureNames, objective: objective, objectiveName: objectiveLine,
            formatVersion: formatVersion, ensemble: ensemble, transform: transform)
    }

    private static func draft(fields: [Substring: Substring], index: Int, line: Int, output: Int, path: String)
        throws(ModelError) -> TreeDraft<Double>
    {
        let prefix = "tree \(index) (line \(line))"
        func error(_ location: String, _ message: String) -> ModelError {
            ModelError(.invalidTree, path: path, location: location, message)
        }
        func list<T: LosslessStringConvertible>(_ key: Substring, count: Int, as: T.Type) throws(ModelError) -> [T] {
            let location = "\(prefix), field \"\(key)\""
            guard let text = fields[key] else {
                if count == 0 { return [] }
                throw error(location, "the field is missing")
            }
            var values: [T] = []
            // The count comes from the file: reserve no more than the text can hold.
            values.reserveCapacity(Swift.min(count, text.utf8.count / 2 + 1))
            for token in text.split(separator: " ") {
                guard let value = T(String(token)) else { throw error(location, "\"\(token)\" is not a number") }
                values.append(value)
            }
            guard values.count == count else { throw error(location, "\(values.count) entries, expected \(count)") }
            return values
        }
        guard let leafCount = fields["num_leaves"].flatMap({ Int($0) }), leafCount >= 1, leafCount < 1 << 24 else {
            throw error("\(prefix), field \"num_leaves\"", "missing or invalid leaf count")
        }
        if let linear = fields["is_linear"], linear != "0" {
            throw ModelError(
                .unsupportedModel, path: path, location: "\(prefix), field \"is_linear\"",
                "linear trees (linear_tree=true) are not supported")
        }
        let leafValues = try list("leaf_value", count: leafCount, as: Double.self)
        if leafCount == 1 {
            return TreeDraft(nodes: [.leaf(leafValues[0])], output: output)
        }
        let splits = leafCount - 1
        let features = try list("split_feature", count: splits, as: Int.self)
        let thresholds = try list("threshold", count: splits, as: Double.self)
        let decisionTypes = try list("decision_type", count: splits, as: Int.self)
        let leftChildren = try list("left_child", count: splits, as: Int.self)
        let rightChildren = try list("right_child", count: splits, as: Int.self)
        let categoryCount = fields["num_cat"].flatMap { Int($0) } ?? 0
        guard categoryCount >= 0, categoryCount <= splits else {
            throw error("\(prefix), field \"num_cat\"", "invalid categorical split count")
        }
        var boundaries: [Int] = []
        var categoryWords: [UInt32] = []
        if categoryCount > 0 {
            boundaries = try list("cat_boundaries", count: categoryCount + 1, as: Int.self)
            guard boundaries[0] == 0, zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 <= $1 }) else {
                throw error("\(prefix), field \"cat_boundaries\"", "boundaries must start at 0 and never decrease")
            }
            categoryWords = try list("cat_threshold", count: boundaries[categoryCount], as: UInt32.self)
        }

        // Internal nodes keep their numbers; leaf j becomes node (splits + j).
        func node(_ child: Int, of parent: Int, _ key: String) throws(ModelError) -> Int {
            if child >= 0 {
                guard child < splits else {
                    throw error("\(prefix), node \(parent), field \"\(key)\"", "child \(child) is out of range")
                }
                return child
            }
            let leaf = ~child
            guard leaf < leafCount else {
                throw error("\(prefix), node \(parent), field \"\(key)\"", "leaf \(leaf) is out of range")
            }
            return splits + leaf
        }
        var nodes: [TreeDraft<Double>.Node] = []
        nodes.reserveCapacity(splits + leafCount)
        for i in 0..<splits {
            let left = try node(leftChildren[i], of: i, "left_child")
            let right = try node(rightChildren[i], of: i, "right_child")
            let decision = decisionTypes[i]
            let threshold = thresholds[i]
            guard (0..<256).contains(decision),
                let missingType = LightGBMMissingType(rawValue: UInt8((decision >> 2) & 3))
            else {
                throw error("\(prefix), node \(i), field \"decision_type\"", "invalid decision type \(decision)")
            }
            let isDefaultLeft = decision & 2 != 0
            if decision & 1 != 0 {
                guard threshold >= 0, threshold < Double(categoryCount), threshold.rounded() == threshold else {
                    throw error(
                        "\(prefix), node \(i), field \"threshold\"",
                        "categorical split refers to category set \(threshold), but the tree has \(categoryCount)")
                }
                let set = Int(threshold)
                // In the set: left, so left is the high child; NaN, negative, not in the set: right.
                nodes.append(
                    .categorical(
                        .lightgbm, feature: features[i],
                        categories: Array(categoryWords[boundaries[set]..<boundaries[set + 1]]), missingGoesHigh: false,
                        low: right, high: left))
                continue
            }
            nodes.append(
                numericalNode(
                    feature: features[i], threshold: threshold, missingType: missingType,
                    defaultLeft: isDefaultLeft, left: left, right: right))
        }
        for value in leafValues { nodes.append(.leaf(value)) }
        return TreeDraft(nodes: nodes, output: output)
    }

    /// Translates LightGBM's `NumericalDecision` into the fast form where that is exact, else keeps it
    /// as a special split.
    ///
    /// LightGBM reads NaN as 0 unless the missing type is NaN, and |x| <= 1e-35 as 0 always. With a
    /// threshold clear of that band, 0 and those tiny values fall on the same side, so each rule reduces to
    /// "x <= t goes left, NaN goes to one fixed side": for None that side is where 0 goes; for NaN it
    /// is the default side; for Zero it is the default side, which must then also be where 0 goes.
    static func numericalNode(
        feature: Int, threshold: Double, missingType: LightGBMMissingType, defaultLeft: Bool, left: Int, right: Int
    ) -> TreeDraft<Double>.Node {
        // LightGBM reads every |x| <= kZeroThreshold as 0. When the threshold is at or above that
        // band, or below it, the whole band falls on the side 0 falls on, so comparing x itself
        // decides exactly as LightGBM does. (LightGBM puts splits at zero exactly at kZeroThreshold.)
        let band = SpecialSplit.lightGBMZeroThreshold
        let clearOfZero =
            threshold.nextUp.isFinite && threshold.nextDown.isFinite && (threshold >= band || threshold < -band)
        let zeroGoesLeft = 0 <= threshold
        let missingGoesLeft: Bool?
        switch missingType {
        case .none: missingGoesLeft = zeroGoesLeft
        case .nan: missingGoesLeft = defaultLeft
        case .zero: missingGoesLeft = defaultLeft == zeroGoesLeft ? defaultLeft : nil
        }
        guard clearOfZero, let missingGoesLeft else {
            return .special(
                SpecialSplit(
                    threshold: threshold, missingType: missingType, defaultLeft: defaultLeft, feature: feature),
                low: left, high: right)
        }
        if missingGoesLeft {
            // Right iff x > t iff x >= nextUp(t).
            return .compare(feature: feature, negated: false, threshold: threshold.nextUp, low: left, high: right)
        }
        // Left iff x <= t iff -x >= -t.
        return .compare(feature: feature, negated: true, threshold: -threshold, low: right, high: left)
    }
}
