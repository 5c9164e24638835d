/// The type of a value in a feature expression.
///
/// Every non-string value is carried as a `Double`: numbers as they are, bools as 1 or 0, timestamps as
/// epoch milliseconds, and null as NaN. Strings are UTF-8 bytes.
public enum ExpressionType: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// A double-precision number; integers are numbers.
    case number
    /// True or false.
    case bool
    /// UTF-8 text.
    case string
    /// An instant, in milliseconds since the Unix epoch. Arithmetic on it gives a number.
    case timestamp
    /// The type of the literal `null`; it fits wherever any other type is expected.
    case null

    public var description: String { rawValue }

    /// The type with its article, as messages use it: `a number`, `null`.
    var phrase: String {
        switch self {
        case .number: "a number"
        case .bool: "a bool"
        case .string: "a string"
        case .timestamp: "a timestamp"
        case .null: "null"
        }
    }

    /// Whether values of this type are numeric (number, timestamp, or null standing for one).
    var isNumeric: Bool { self == .number || self == .timestamp || self == .null }
}
