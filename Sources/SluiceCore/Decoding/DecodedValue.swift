/// What a requested field held in the last decoded event.
///
/// Byte views (strings, number literals, raw objects and arrays) are borrowed: they point into the
/// payload that was decoded, or into the ``DecodedFields`` scratch space for strings that had escapes.
/// They are valid while the payload's bytes are and until the next decode into the same
/// ``DecodedFields``; copy them out to keep them longer.
public enum DecodedValue {
    /// The path does not exist in the event (or passes through a value that is not an object).
    case absent
    /// The JSON literal `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// A number; see ``DecodedNumber``.
    case number(DecodedNumber)
    /// A string, as its UTF-8 bytes with escapes decoded (valid UTF-8, guaranteed).
    case string(UnsafeRawBufferPointer)
    /// An object: present but composite. The bytes are its raw JSON text, from `{` to `}`.
    case object(UnsafeRawBufferPointer)
    /// An array: present but composite. The bytes are its raw JSON text, from `[` to `]`.
    case array(UnsafeRawBufferPointer)

    /// The case without its payload, for type checks.
    public enum Kind: Sendable, Hashable {
        case absent, null, bool, number, string, object, array
    }

    /// The case without its payload.
    public var kind: Kind {
        switch self {
        case .absent: return .absent
        case .null: return .null
        case .bool: return .bool
        case .number: return .number
        case .string: return .string
        case .object: return .object
        case .array: return .array
        }
    }
}

/// A JSON number as both an exact integer (when it is one) and a correctly rounded Double.
public struct DecodedNumber {
    /// The value rounded to the nearest Double (ties to even), as `strtod` would give; `-0` is `-0.0`,
    /// and magnitudes below the smallest subnormal become zero. Never infinite or NaN: numbers beyond the
    /// Double range are rejected with ``DecodeError/Kind/numberOutOfRange``.
    public var double: Double
    /// The exact value when the literal is an integer (no fraction, no exponent) within Int64; nil
    /// otherwise. `1.0` and `1e3` are not integer literals.
    public var int64: Int64?
    /// Whether the literal has neither a fraction nor an exponent.
    public var isIntegerLiteral: Bool
    /// The literal's text as it appears in the payload.
    public var literal: UnsafeRawBufferPointer

    /// Whether the literal is an integer that does not fit in Int64 (``double`` still holds it, rounded).
    public var overflowsInt64: Bool { isIntegerLiteral && int64 == nil }
}
