/// LightGBM's missing-value type of a numerical split: bits 2–3 of `decision_type`.
enum LightGBMMissingType: UInt8, Sendable, Equatable {
    /// No missing values in training: NaN is read as 0.
    case none = 0
    /// Zeros (and NaN, read as 0) are missing: they follow the default direction.
    case zero = 1
    /// NaN is missing and follows the default direction.
    case nan = 2
}
