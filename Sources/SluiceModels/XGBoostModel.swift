#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An XGBoost gbtree model loaded from its JSON file and evaluated natively, in float32 as xgboost
/// does: features are converted to `Float`, compared with float thresholds (`x < threshold` goes
/// left, NaN goes to the node's default child), leaf values are summed in tree order onto the base
/// margin in a `Float`, and the objective's transform runs in float arithmetic. The results equal
/// xgboost's `predict` bit for bit on the committed fixtures.
public final class XGBoostModel: ScoringModel {
    public let featureNames: [String]
    public let objective: ModelObjective
    public var format: ModelFormat { .xgboost }
    public var outputCount: Int { objective.outputCount }
    /// The objective's name as xgboost wrote it, e.g. `binary:logistic`.
    public let objectiveName: String
    /// The xgboost version that saved the file, e.g. [3, 2, 0]; empty when the file does not say.
    public let libraryVersion: [Int]
    /// The feature types xgboost recorded (`q`, `c`, `float`, `int`, …), one per feature; empty when
    /// the file records none. Categorical features (`c`) take integer category codes.
    public let featureTypes: [String]
    /// How many trees the model sums.
    public var treeCount: Int {
        switch evaluator {
        case .compact(let ensemble): ensemble.trees.count
        case .wide(let ensemble): ensemble.trees.count
        }
    }

    /// The flattened trees: compact 8-byte nodes when the model is small enough (up to 65,535 nodes
    /// and 2,730 features), else 12-byte nodes.
    enum Evaluator: Sendable {
        case compact(TreeEnsemble<Float, CompactNode>)
        case wide(TreeEnsemble<Float, WideNode<UInt32>>)
    }

    let evaluator: Evaluator

    /// Whether the model runs on compact 8-byte nodes.
    var usesCompactNodes: Bool {
        if case .compact = evaluator { true } else { false }
    }
    /// The starting margin of each output: `base_score` through the objective's inverse link.
    let baseMargins: [Float]
    let transform: Transform

    enum Transform {
        case identity
        case sigmoid
        case softmax
    }

    init(
        featureNames: [String], featureTypes: [String], objective: ModelObjective, objectiveName: String,
        libraryVersion: [Int], evaluator: Evaluator, baseMargins: [Float], transform: Transform
    ) {
        self.featureNames = featureNames
        self.featureTypes = featureTypes
        self.objective = objective
        self.objectiveName = objectiveName
        self.libraryVersion = libraryVersion
        self.evaluator = evaluator
        self.baseMargins = baseMargins
        self.transform = transform
    }

    public func score(_ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        switch evaluator {
        case .compact(let ensemble): score(features, into: output, with: ensemble)
        case .wide(let ensemble): score(features, into: output, with: ensemble)
        }
    }

    public func scoreBatch(
        _ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>
    ) {
        switch evaluator {
        case .compact(let ensemble): scoreBatch(rows, rowCount: rowCount, into: output, with: ensemble)
        case .wide(let ensemble): scoreBatch(rows, rowCount: rowCount, into: output, with: ensemble)
        }
    }

    @inline(__always)
    private func score<Node: FlatNode>(
        _ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>,
        with ensemble: TreeEnsemble<Float, Node>
    ) {
        precondition(features.count >= ensemble.featureCount, "score: fewer features than the model reads")
        precondition(output.count >= outputCount, "score: output buffer smaller than outputCount")
        let outputs = outputCount
        // 2·features + 1 keys (3·features + 1 with categorical splits): on the stack, no allocation,
        // up to 1 KiB, i.e. 255 features (84 with categorical splits).
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: ensemble.slotCount) { rowBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: outputs) { marginBuffer in
                let row = rowBuffer.baseAddress!
                let margins = marginBuffer.baseAddress!
                ensemble.prepare(features.baseAddress!, into: row)
                baseMargins.withUnsafeBufferPointer { base in
                    for k in 0..<outputs { margins[k] = base[k] }
                }
                ensemble.accumulate(row: row, features: features.baseAddress!, into: margins)
                finish(margins, into: output.baseAddress!)
            }
        }
    }

    @inline(__always)
    private func scoreBatch<Node: FlatNode>(
        _ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>,
        with ensemble: TreeEnsemble<Float, Node>
    ) {
        let features = ensemble.featureCount
        let outputs = outputCount
        precondition(rowCount >= 0 && rows.count >= rowCount * features, "scoreBatch: rows buffer too small")
        precondition(output.count >= rowCount * outputs, "scoreBatch: output buffer too small")
        guard rowCount > 0 else { return }
        let groupSize = ensemble.groupSize
        let block = ensemble.blockRows
        let lanes = TreeEnsemble<Float, Node>.lanes
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: block / lanes * groupSize) { groupBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: block * outputs) { marginBuffer in
                let groups = groupBuffer.baseAddress!
                let margins = marginBuffer.baseAddress!
                let input = rows.baseAddress!
                let out = output.baseAddress!
                baseMargins.withUnsafeBufferPointer { base in
                    var start = 0
                    while start < rowCount {
                        let count = min(block, rowCount - start)
                        var first = 0
                        while first < count {
                            ensemble.prepareGroup(
                                input + (start + first) * features, count: min(lanes, count - first),
                                into: groups + first / lanes * groupSize)
                            first += lanes
                        }
                        for r in 0..<count {
                            for k in 0..<outputs { margins[r * outputs + k] = base[k] }
                        }
                        ensemble.accumulate(
                            groups: groups, features: input + start * features, rowCount: count, into: margins)
                        for r in 0..<count {
                            finish(margins + r * outputs, into: out + (start + r) * outputs)
                        }
                        start += count
                    }
                }
            }
        }
    }

    /// Applies the objective's transform in float arithmetic, as xgboost's `PredTransform` does.
    @inline(__always)
    private func finish(_ margins: UnsafeMutablePointer<Float>, into output: UnsafeMutablePointer<Double>) {
        switch transform {
        case .identity:
            for k in 0..<outputCount { output[k] = Double(margins[k]) }
        case .sigmoid:
            output[0] = Double(Self.sigmoid(margins[0]))
        case .softmax:
            Self.softmax(margins, count: outputCount)
            for k in 0..<outputCount { output[k] = Double(margins[k]) }
        }
    }

    /// xgboost `common::Sigmoid(float)`.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        let epsilon: Float = 1e-16
        let negated = min(-x, 88.7)
        let denominator = expf(negated) + 1.0 + epsilon
        return 1.0 / denominator
    }

    /// xgboost `common::Softmax`: float exponentials, summed in a double.
    @inline(__always)
    static func softmax(_ values: UnsafeMutablePointer<Float>, count: Int) {
        var largest = values[0]
        for k in 1..<max(count, 1) { largest = fmaxf(values[k], largest) }
        var sum: Double = 0
        for k in 0..<count {
            values[k] = expf(values[k] - largest)
            sum += Double(values[k])
        }
        let total = Float(sum)
        for k in 0..<count { values[k] /= total }
    }

    /// xgboost's `ProbToMargin` for the logistic objectives: clamp to [1e-6, 1 − 1e-6], then logit,
    /// in float arithmetic.
    static func logit(_ probability: Float) -> Float {
        let epsilon: Float = 1e-6
        let clamped = min(max(probability, epsilon), 1 - epsilon)
        return -logf(1 / clamped - 1)
    }
}
