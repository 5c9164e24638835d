/// How a library reads a categorical feature's value as a category code, for the bit-set lookup of
/// a categorical split (see `TreeEnsemble`).
enum CategoryRule: Sendable, Equatable {
    /// xgboost: the value as a float; NaN is missing (the split's default child); negative values
    /// and values ≥ 2^24 are not categories (left); others truncate.
    case xgboost
    /// LightGBM: NaN, negative values and values out of `int` range are not categories (right);
    /// others truncate.
    case lightgbm

    /// xgboost's largest valid category, `OutOfRangeCat()`: 2^24, the last integer a float holds exactly.
    static var xgboostCategoryLimit: Float { 16_777_216 }

    /// The code a lookup uses: the category itself, `Key.max − 1` for "not a category", `Key.max`
    /// for missing. Both sentinels are beyond every bit set, so they read the set's two trailing
    /// sentinel words instead.
    @inline(__always)
    func code<Key: FixedWidthInteger & UnsignedInteger>(_ x: Double) -> Key {
        switch self {
        case .xgboost:
            let category = Float(x)
            if category.isNaN { return .max }
            if category < 0 || category >= Self.xgboostCategoryLimit { return .max - 1 }
            return Key(truncatingIfNeeded: Int(category))
        case .lightgbm:
            // C++ static_cast<int>: truncation; out of int range gives INT_MIN on x86, i.e. negative.
            guard x > -2_147_483_649.0 && x < 2_147_483_648.0 else { return .max - 1 }
            let category = Int(x.rounded(.towardZero))
            return category < 0 ? .max - 1 : Key(truncatingIfNeeded: category)
        }
    }
}
