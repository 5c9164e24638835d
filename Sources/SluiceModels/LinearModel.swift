#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A linear, logistic or multinomial logistic model from a `sluice-linear` JSON file (written by
/// `scripts/fixtures/export_sklearn_linear.py` from scikit-learn), evaluated in double precision.
///
/// margin_k = intercept_k + Σ_j coefficients[k][j] · x_j, summed in feature order; then the identity
/// (`linear`), the sigmoid (`logistic`, one coefficient row) or the softmax (`logistic`, one row per
/// class). Missing inputs follow the file's `missing` policy: `impute` replaces NaN in feature j by
/// `values[j]` before scoring; `propagate` lets NaN through, so every output of that row is NaN and
/// the caller can tell that it could not be scored.
public final class LinearModel: ScoringModel {
    public let featureNames: [String]
    public let objective: ModelObjective
    public var format: ModelFormat { .linear }
    public var outputCount: Int { objective.outputCount }
    /// Class labels from the file, in output order; empty when the file has none.
    public let classLabels: [String]
    /// How a NaN input is treated.
    public let missingPolicy: MissingPolicy

    /// How a linear model treats NaN inputs.
    public enum MissingPolicy: Sendable, Hashable {
        /// NaN in makes every output of the row NaN.
        case propagate
        /// NaN in feature j is replaced by `values[j]` (e.g. the training mean a SimpleImputer learnt).
        case impute([Double])
    }

    /// Row-major, `outputCount` rows of `featureNames.count` coefficients (one row for sigmoid).
    let coefficients: [Double]
    let intercepts: [Double]
    let imputeValues: [Double]?

    init(
        featureNames: [String], objective: ModelObjective, classLabels: [String], coefficients: [Double],
        intercepts: [Double], missingPolicy: MissingPolicy
    ) {
        self.featureNames = featureNames
        self.objective = objective
        self.classLabels = classLabels
        self.coefficients = coefficients
        self.intercepts = intercepts
        self.missingPolicy = missingPolicy
        if case .impute(let values) = missingPolicy { imputeValues = values } else { imputeValues = nil }
    }

    public func score(_ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        precondition(features.count >= featureNames.count, "score: fewer features than the model reads")
        precondition(output.count >= outputCount, "score: output buffer smaller than outputCount")
        evaluate(features.baseAddress!, into: output.baseAddress!)
    }

    public func scoreBatch(
        _ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>
    ) {
        let width = featureNames.count
        let outputs = outputCount
        precondition(rowCount >= 0 && rows.count >= rowCount * width, "scoreBatch: rows buffer too small")
        precondition(output.count >= rowCount * outputs, "scoreBatch: output buffer too small")
        guard rowCount > 0 else { return }
        for r in 0..<rowCount {
            evaluate(rows.baseAddress! + r * width, into: output.baseAddress! + r * outputs)
        }
    }

    @inline(__always)
    private func evaluate(_ x: UnsafePointer<Double>, into output: UnsafeMutablePointer<Double>) {
        let width = featureNames.count
        let rowsOfCoefficients = intercepts.count
        coefficients.withUnsafeBufferPointer { weights in
            intercepts.withUnsafeBufferPointer { intercepts in
                for k in 0..<rowsOfCoefficients {
                    var margin = intercepts[k]
                    let base = k * width
                    if let imputeValues {
                        for j in 0..<width {
                            let value = x[j].isNaN ? imputeValues[j] : x[j]
                            margin += weights[base + j] * value
                        }
                    } else {
                        for j in 0..<width { margin += weights[base + j] * x[j] }
                    }
                    output[k] = margin
                }
            }
        }
        switch objective {
        case .regression:
            break
        case .binaryLogistic:
            output[0] = 1.0 / (1.0 + exp(-output[0]))
        case .multiclassSoftmax(let classCount):
            var largest = output[0]
            for k in 1..<classCount { largest = Swift.max(largest, output[k]) }
            var sum = 0.0
            for k in 0..<classCount {
                output[k] = exp(output[k] - largest)
                sum += output[k]
            }
            for k in 0..<classCount { output[k] /= sum }
        }
    }
}
