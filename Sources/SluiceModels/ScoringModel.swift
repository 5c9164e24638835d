/// A loaded model that scores feature vectors: immutable after loading, safe to share between lanes.
///
/// Inputs are `Double`s in the order of `featureNames`; `Double.nan` marks a missing value, and a
/// categorical feature is passed as its integer category code (0, 1, 2, …) the model was trained on.
/// Outputs are final, transformed values (probabilities for classifiers), `outputCount` per row.
/// Scoring never allocates for a single row and never fails: a missing value follows the model's
/// own missing-value rule (see docs/models.md).
public protocol ScoringModel: AnyObject, Sendable {
    /// The features the model reads, in input order.
    var featureNames: [String] { get }
    /// Values written per row: 1 for regression and binary models, the class count for multiclass.
    var outputCount: Int { get }
    /// What the outputs mean.
    var objective: ModelObjective { get }
    /// The file format the model was loaded from.
    var format: ModelFormat { get }

    /// Scores one row.
    /// - Parameters:
    ///   - features: `featureNames.count` values (more are ignored); NaN is missing.
    ///   - output: receives `outputCount` values.
    /// - Precondition: the buffers hold at least that many elements.
    func score(_ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>)

    /// Scores `rowCount` rows laid out row-major, `featureNames.count` values per row; writes
    /// `outputCount` values per row, row-major. Gives the same values as `score` row by row, faster.
    /// - Precondition: `rows.count >= rowCount * featureNames.count` and
    ///   `output.count >= rowCount * outputCount`.
    func scoreBatch(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>)
}

extension ScoringModel {
    /// Scores one row given as an array, returning a new array: convenient, but allocates.
    public func score(_ features: [Double]) -> [Double] {
        var output = [Double](repeating: 0, count: outputCount)
        features.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { score(input, into: $0) }
        }
        return output
    }
}
