/// The functions of the feature expression language.
enum FeatureFunction: String, CaseIterable {
    case log, log1p, exp, sqrt, abs, pow, min, max, clip, coalesce
    case isNull = "is_null"
    case hourOfDay = "hour_of_day"
    case dayOfWeek = "day_of_week"
    case bucketize
    case hashBucket = "hash_bucket"
    case oneHot = "one_hot"
    case `if`

    /// Fewest and most arguments (nil: no limit).
    var arity: (minimum: Int, maximum: Int?) {
        switch self {
        case .log, .log1p, .exp, .sqrt, .abs, .isNull: (1, 1)
        case .pow, .bucketize, .hashBucket, .oneHot: (2, 2)
        case .min, .max, .coalesce: (2, nil)
        case .clip, .if: (3, 3)
        case .hourOfDay, .dayOfWeek: (1, 2)
        }
    }

    /// How the function is called, for messages.
    var signature: String {
        switch self {
        case .log, .log1p, .exp, .sqrt, .abs, .isNull: "\(rawValue)(x)"
        case .pow: "pow(base, exponent)"
        case .min, .max: "\(rawValue)(a, b, …)"
        case .coalesce: "coalesce(x, default, …)"
        case .clip: "clip(x, low, high)"
        case .hourOfDay, .dayOfWeek: "\(rawValue)(timestamp[, \"Area/City\"])"
        case .bucketize: "bucketize(x, [bound, …])"
        case .hashBucket: "hash_bucket(x, buckets)"
        case .oneHot: "one_hot(x, [category, …])"
        case .if: "if(condition, then, else)"
        }
    }

    /// The number of arguments in words, for messages.
    var arityDescription: String {
        let (minimum, maximum) = arity
        func arguments(_ count: Int) -> String { count == 1 ? "1 argument" : "\(count) arguments" }
        guard let maximum else { return "at least \(arguments(minimum))" }
        return minimum == maximum ? arguments(minimum) : "\(minimum) or \(arguments(maximum))"
    }
}
