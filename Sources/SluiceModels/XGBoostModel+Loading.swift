extension XGBoostModel {
    /// Builds the model from a parsed xgboost JSON document (`Booster.save_model("*.json")`).
    static func load(document: JSONValue, path: String) throws(ModelError) -> XGBoostModel {
        let reader = ModelFieldReader(path: path)
        let root = try reader.object(document, "top level")
        let learner = try reader.object(root["learner"], "learner")
        var libraryVersion: [Int] = []
        if let version = root["version"] {
            libraryVersion = try reader.integers(version, "version")
        }

        let parameters = try reader.object(learner["learner_model_param"], "learner.learner_model_param")
        let featureCount = try reader.integer(parameters["num_feature"], "learner.learner_model_param.num_feature")
        let classCount = try reader.integer(parameters["num_class"], "learner.learner_model_param.num_class")
        if let targets = parameters["num_target"] {
            let targetCount = try reader.integer(targets, "learner.learner_model_param.num_target")
            guard targetCount <= 1 else {
                throw reader.error(
                    .unsupportedModel, "learner.learner_model_param.num_target",
                    "multi-target models (num_target = \(targetCount)) are not supported")
            }
        }
        guard featureCount > 0, featureCount < 1 << 24 else {
            throw reader.error(
                .malformed, "learner.learner_model_param.num_feature", "invalid feature count \(featureCount)")
        }
        guard classCount >= 0, classCount < 1 << 16 else {
            throw reader.error(.malformed, "learner.learner_model_param.num_class", "invalid class count \(classCount)")
        }

        let objectiveName = try reader.string(
            try reader.object(learner["objective"], "learner.objective")["name"],
            "learner.objective.name")
        let objective: ModelObjective
        let transform: Transform
        switch objectiveName {
        case "binary:logistic", "reg:logistic":
            objective = .binaryLogistic
            transform = .sigmoid
        case "reg:squarederror":
            objective = .regression
            transform = .identity
        case "multi:softprob":
            guard classCount >= 2 else {
                throw reader.error(
                    .malformed, "learner.learner_model_param.num_class",
                    "multi:softprob needs num_class >= 2, found \(classCount)")
            }
            objective = .multiclassSoftmax(classCount: classCount)
            transform = .softmax
        default:
            throw reader.error(
                .unsupportedObjective, "learner.objective.name",
                "objective \"\(objectiveName)\" is not supported; supported: binary:logistic, reg:logistic, "
                    + "reg:squarederror, multi:softprob")
        }
        let outputCount = objective.outputCount

        var featureNames: [String] = []
        if let names = learner["feature_names"] {
            featureNames = try reader.strings(names, "learner.feature_names")
        }
        if featureNames.isEmpty {
            // What xgboost itself calls unnamed features.
            featureNames = (0..<featureCount).map { "f\($0)" }
        }
        guard featureNames.count == featureCount else {
            throw reader.error(
                .malformed, "learner.feature_names",
                "\(featureNames.count) feature names for num_feature = \(featureCount)")
        }
        var featureTypes: [String] = []
        if let types = learner["feature_types"] {
            featureTypes = try reader.strings(types, "learner.feature_types")
        }

        let baseScoreText = try reader.string(parameters["base_score"], "learner.learner_model_param.base_score")
        let baseScores = try parseBaseScore(baseScoreText, outputCount: outputCount, reader: reader)
        let baseMargins = baseScores.map { transform == .sigmoid ? logit($0) : $0 }

        let booster = try reader.object(learner["gradient_booster"], "learner.gradient_booster")
        let boosterName = try reader.string(booster["name"], "learner.gradient_booster.name")
        guard boosterName == "gbtree" else {
            throw reader.error(
                .unsupportedModel, "learner.gradient_booster.name",
                "booster \"\(boosterName)\" is not supported; only gbtree models are (train with booster=\"gbtree\")")
        }
        let model = try reader.object(booster["model"], "learner.gradient_booster.model")
        let trees = try reader.array(model["trees"], "learner.gradient_booster.model.trees")
        let treeInfo = try reader.integers(model["tree_info"], "learner.gradient_booster.model.tree_info")
        guard treeInfo.count == trees.count else {
            throw reader.error(
                .malformed, "learner.gradient_booster.model.tree_info",
                "\(treeInfo.count) entries for \(trees.count) trees")
        }

        var drafts: [TreeDraft<Float>] = []
        drafts.reserveCapacity(trees.count)
        var categoryWords = 0
        for (index, tree) in trees.enumerated() {
            let draft = try draft(tree: tree, index: index, output: treeInfo[index], reader: reader)
            for case .categorical(_, _, let categories, _, _, _) in draft.nodes { categoryWords += categories.count }
            // A category set is a bit set as long as its largest category: bound what a file can make us hold.
            guard categoryWords <= maximumCategoryWords else {
                throw reader.error(
                    .unsupportedModel, "tree \(index)",
                    "the categorical splits' category sets need more than \(maximumCategoryWords * 4) bytes")
            }
            drafts.append(draft)
        }
        let evaluator: Evaluator
        do {
            // The wide layout takes any valid model and reports what is wrong with an invalid one.
            let wide = try TreeEnsemble<Float, WideNode<UInt32>>(
                flattening: drafts, featureCount: featureCount, outputCount: outputCount)
            if let compact = try? TreeEnsemble<Float, CompactNode>(
                flattening: drafts, featureCount: featureCount, outputCount: outputCount)
            {
                evaluator = .compact(compact)
            } else {
                evaluator = .wide(wide)
            }
        } catch {
            throw reader.error(.invalidTree, "tree \(error.tree), node \(error.node)", error.message)
        }
        return XGBoostModel(
            featureNames: featureNames, featureTypes: featureTypes, objective: objective,
            objectiveName: objectiveName, libraryVersion: libraryVersion, evaluator: evaluator,
            baseMargins: baseMargins,
            transform: transform)
    }

    /// The most 32-bit words all category bit sets of one model may take. Default: 2^22 (16 MiB).
    static var maximumCategoryWords: Int { 1 << 22 }

    /// `base_score` is a scalar ("5E-1", xgboost < 3.1) or a bracketed list ("[5E-1]", one value per
    /// output, 3.1+). A scalar serves every output, as xgboost's `HandleOldFormat` does.
    static func parseBaseScore(_ text: String, outputCount: Int, reader: ModelFieldReader) throws(ModelError) -> [Float]
    {
        let location = "learner.learner_model_param.base_score"
        var body = Substring(text).drop { $0 == " " }
        if body.hasPrefix("[") {
            guard body.hasSuffix("]") else {
                throw reader.error(.malformed, location, "unbalanced brackets in \"\(text)\"")
            }
            body = body.dropFirst().dropLast()
        }
        var values: [Float] = []
        for part in body.split(separator: ",", omittingEmptySubsequences: false) {
            let trimmed = part.trimmingSpaces()
            guard let value = Float(trimmed), value.isFinite else {
                throw reader.error(.malformed, location, "\"\(text)\" is not a number or a list of numbers")
            }
            values.append(value)
        }
        if values.count == 1 && outputCount > 1 {
            values = Array(repeating: values[0], count: outputCount)
        }
        guard values.count == outputCount else {
            throw reader.error(.malformed, location, "\(values.count) values for \(outputCount) outputs")
        }
        return values
    }

    private static func draft(tree: JSONValue, index: Int, output: Int, reader: ModelFieldReader)
        throws(ModelError) -> TreeDraft<Float>
    {
        let prefix = "tree \(index)"
        let fields = try reader.object(tree, prefix)
        let parameters = try reader.object(fields["tree_param"], "\(prefix), field \"tree_param\"")
        let nodeCount = try reader.integer(parameters["num_nodes"], "\(prefix), field \"tree_param.num_nodes\"")
        if let leafSize = parameters["size_leaf_vector"] {
            let size = try reader.integer(leafSize, "\(prefix), field \"tree_param.size_leaf_vector\"")
            guard size <= 1 else {
                throw reader.error(
                    .unsupportedModel, prefix, "vector leaves (multi_strategy=multi_output_tree) are not supported")
            }
        }
        guard nodeCount >= 1 else {
            throw reader.error(
                .invalidTree, "\(prefix), field \"tree_param.num_nodes\"", "a tree needs at least one node")
        }
        func field<T>(_ name: String, _ read: (JSONValue?, String) throws(ModelError) -> [T]) throws(ModelError) -> [T]
        {
            let location = "\(prefix), field \"\(name)\""
            let values = try read(fields[name], location)
            guard values.count == nodeCount else {
                throw reader.error(.invalidTree, location, "\(values.count) entries for \(nodeCount) nodes")
            }
            return values
        }
        let left = try field("left_children", reader.integers)
        let right = try field("right_children", reader.integers)
        let features = try field("split_indices", reader.integers)
        let conditions = try field("split_conditions") { (value, location) throws(ModelError) in
            try reader.numbers(value, location, as: Float.self)
        }
        let defaultLeft = try field("default_left", reader.integers)
        var splitTypes = [Int](repeating: 0, count: nodeCount)
        if fields["split_type"] != nil {
            splitTypes = try field("split_type", reader.integers)
        }

        // Category sets of categorical splits: node id -> the node's slice of `categories`.
        var categorySets: [Int: [UInt32]] = [:]
        if let nodesValue = fields["categories_nodes"] {
            let location = "\(prefix), field \"categories\""
            let nodes = try reader.integers(nodesValue, "\(prefix), field \"categories_nodes\"")
            let segments = try reader.integers(
                fields["categories_segments"], "\(prefix), field \"categories_segments\"")
            let sizes = try reader.integers(fields["categories_sizes"], "\(prefix), field \"categories_sizes\"")
            let categories = try reader.integers(fields["categories"], location)
            guard segments.count == nodes.count, sizes.count == nodes.count else {
                throw reader.error(
                    .invalidTree, "\(prefix), field \"categories_segments\"",
                    "categories_nodes, categories_segments and categories_sizes differ in length")
            }
            for (j, node) in nodes.enumerated() {
                let start = segments[j]
                let size = sizes[j]
                guard (0..<nodeCount).contains(node) else {
                    throw reader.error(
                        .invalidTree, "\(prefix), field \"categories_nodes\"",
                        "node \(node) is out of range: the tree has \(nodeCount) nodes")
                }
                guard start >= 0, size >= 0, start <= categories.count, size <= categories.count - start else {
                    throw reader.error(
                        .invalidTree, "\(prefix), node \(node), field \"categories_segments\"",
                        "segment \(start)..<\(start + size) is outside the \(categories.count) categories")
                }
                var bits: [UInt32] = []
                for category in categories[start..<(start + size)] {
                    guard category >= 0, category < 1 << 24 else {
                        throw reader.error(
                            .invalidTree, "\(prefix), node \(node), field \"categories\"",
                            "category \(category) is outside 0..<2^24")
                    }
                    let word = category >> 5
                    if bits.count <= word { bits.append(contentsOf: repeatElement(0, count: word + 1 - bits.count)) }
                    bits[word] |= 1 << UInt32(category & 31)
                }
                categorySets[node] = bits
            }
        }

        var nodes: [TreeDraft<Float>.Node] = []
        nodes.reserveCapacity(nodeCount)
        for i in 0..<nodeCount {
            if left[i] == -1 {
                nodes.append(.leaf(conditions[i]))
                continue
            }
            let feature = features[i]
            let isDefaultLeft = defaultLeft[i] != 0
            if splitTypes[i] == 1 {
                guard let categories = categorySets[i] else {
                    throw reader.error(
                        .invalidTree, "\(prefix), node \(i), field \"split_type\"",
                        "categorical split without a category set in categories_nodes")
                }
                // In the set: right; not a category: left; missing: the default child.
                nodes.append(
                    .categorical(
                        .xgboost, feature: feature, categories: categories, missingGoesHigh: !isDefaultLeft,
                        low: left[i], high: right[i]))
                continue
            }
            let threshold = conditions[i]
            guard threshold.isFinite, threshold != -.greatestFiniteMagnitude else {
                throw reader.error(
                    .invalidTree, "\(prefix), node \(i), field \"split_conditions\"",
                    "split condition \(threshold) is not finite")
            }
            if isDefaultLeft {
                // Right iff !(x < t) iff x >= t; NaN fails the comparison and goes left (low).
                nodes.append(
                    .compare(feature: feature, negated: false, threshold: threshold, low: left[i], high: right[i]))
            } else {
                // Left iff x < t iff -x > -t iff -x >= nextUp(-t), exact in Float; NaN goes right (low).
                nodes.append(
                    .compare(
                        feature: feature, negated: true, threshold: (-threshold).nextUp,
                        low: right[i], high: left[i]))
            }
        }
        return TreeDraft(nodes: nodes, output: output)
    }
}
