#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A LightGBM model loaded from its text file (`Booster.save_model("*.txt")`) and evaluated natively
/// in double precision as LightGBM does: `x <= threshold` goes left, missing values follow each
/// split's `decision_type` (missing type None/Zero/NaN and the default-left bit), categorical splits
/// test the category's bit in `cat_threshold`, leaf values are summed in tree order, and the
/// objective's `ConvertOutput` runs last.
public final class LightGBMModel: ScoringModel {
    public let featureNames: [String]
    public let objective: ModelObjective
    public var format: ModelFormat { .lightgbm }
    public var outputCount: Int { objective.outputCount }
    /// The `objective=` line of the file, e.g. `binary sigmoid:1`.
    public let objectiveName: String
    /// The model format version LightGBM wrote, e.g. `v4`.
    public let formatVersion: String
    /// How many trees the model sums (for multiclass, classes × iterations).
    public var treeCount: Int { ensemble.trees.count }

    let ensemble: TreeEnsemble<Double, WideNode<UInt64>>
    let transform: Transform

    enum Transform {
        case identity
        /// `1 / (1 + exp(-sigmoid * x))`.
        case sigmoid(Double)
        case softmax
    }

    init(
        featureNames: [String], objective: ModelObjective, objectiveName: String, formatVersion: String,
        ensemble: TreeEnsemble<Double, WideNode<UInt64>>, transform: Transform
    ) {
        self.featureNames = featureNames
        self.objective = objective
        self.objectiveName = objectiveName
        self.formatVersion = formatVersion
        self.ensemble = ensemble
        self.transform = transform
    }

    public func score(_ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(features.count >= ensemble.featureCount, "score: fewer features than the model reads")
        precondition(output.count >= outputCount, "score: output buffer smaller than outputCount")
        // 2·features + 1 keys (3·features + 1 with categorical splits): on the stack, no allocation,
        // up to 1 KiB, i.e. 127 features (42 with categorical splits).
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: ensemble.slotCount) { buffer in
            let row = buffer.baseAddress!
            let out = output.baseAddress!
            ensemble.prepare(features.baseAddress!, into: row)
            for k in 0..<outputCount { out[k] = 0 }
            ensemble.accumulate(row: row, features: features.baseAddress!, into: out)
            finish(out)
        }
    }

    public func scoreBatch(
        _ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>
    ) {
        let features = ensemble.featureCount
        let outputs = outputCount
        precondition(rowCount >= 0 && rows.count >= rowCount * features, "scoreBatch: rows buffer too small")
        precondition(output.count >= rowCount * outputs, "scoreBatch: output buffer too small")
        guard rowCount > 0 else { return }
        let groupSize = ensemble.groupSize
        let block = ensemble.blockRows
        let lanes = TreeEnsemble<Double, WideNode<UInt64>>.lanes
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: block / lanes * groupSize) { buffer in
            let groups = buffer.baseAddress!
            let input = rows.baseAddress!
            let out = output.baseAddress!
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
                let margins = out + start * outputs
                for i in 0..<(count * outputs) { margins[i] = 0 }
                ensemble.accumulate(groups: groups, features: input + start * features, rowCount: count, into: margins)
                for r in 0..<count { finish(margins + r * outputs) }
                start += count
            }
        }
    }

    /// LightGBM's `ConvertOutput`, in place.
    @inline(__always)
    private func finish(_ values: UnsafeMutablePointer<Double>) {
        switch transform {
        case .identity:
            break
        case .sigmoid(let scale):
            values[0] = 1.0 / (1.0 + exp(-scale * values[0]))
        case .softmax:
            let count = outputCount
            var largest = values[0]
            for k in 1..<count { largest = Swift.max(values[k], largest) }
            var sum = 0.0
            for k in 0..<count {
                values[k] = exp(values[k] - largest)
                sum += values[k]
            }
            for k in 0..<count { values[k] /= sum }
        }
    }
}
