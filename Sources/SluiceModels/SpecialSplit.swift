/// A split whose rule does not fit the fast or the categorical step: LightGBM numerical splits of
/// missing type Zero whose default side is not the side of zero, and thresholds inside LightGBM's
/// zero band. `direction` runs LightGBM's `NumericalDecision` step by step and returns 0 for the
/// node's low child (LightGBM's left) and 1 for its high child (right).
struct SpecialSplit: Sendable, Equatable {
    var threshold: Double
    var missingType: LightGBMMissingType
    var defaultLeft: Bool
    var feature: Int

    /// LightGBM drops inputs with |x| <= kZeroThreshold (1e-35f) from a row, so they read as 0.
    static var lightGBMZeroThreshold: Double { Double(Float(1e-35)) }

    @inline(__always)
    func direction(_ x: Double) -> Int {
        var value = x
        if value.isNaN && missingType != .nan { value = 0 }
        if value.magnitude <= Self.lightGBMZeroThreshold { value = 0 }
        if (missingType == .zero && value == 0) || (missingType == .nan && value.isNaN) {
            return defaultLeft ? 0 : 1
        }
        return value <= threshold ? 0 : 1
    }
}
