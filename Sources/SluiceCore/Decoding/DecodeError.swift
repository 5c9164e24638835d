/// Why an event's bytes were rejected by ``EventDecoder``: a stable kind, the byte offset, and the
/// requested field the problem lies in, if any.
///
/// The offset is that of the first byte that cannot be accepted, counted from the start of the payload;
/// for ``Kind/truncated`` it is the payload's length (where more input was needed), and for
/// ``Kind/tooLarge(limit:)`` it is the limit (the first byte beyond it).
public struct DecodeError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The classes of malformed input. Dead-letter records carry ``code``, and metrics count per code.
    public enum Kind: Sendable, Hashable {
        /// The payload has no bytes, or only whitespace.
        case empty
        /// The first non-whitespace byte cannot start any JSON value (a UTF-8 byte order mark included).
        case notJSON
        /// The payload is one valid JSON value, but not an object (an array, string, number, ...).
        case notAnObject
        /// The payload ended inside a value: more bytes were needed.
        case truncated
        /// A byte that the JSON grammar does not allow where it stands.
        case invalidSyntax(expected: Expectation)
        /// A string holds a byte sequence that is not UTF-8 (overlong forms, encoded surrogates, code
        /// points above U+10FFFF, stray continuation bytes, bytes 0xF5–0xFF, cut-off sequences).
        case invalidUTF8
        /// A string holds a raw byte below 0x20, which JSON requires to be escaped.
        case controlCharacterInString
        /// A backslash escape that JSON does not define, a `\u` without four hex digits, or a `\u`
        /// surrogate that is not part of a high–low pair.
        case invalidEscape
        /// A number literal that breaks the grammar: leading zeros, or no digit after `-`, `.` or `e`.
        case invalidNumber
        /// A number whose magnitude is beyond the largest finite Double (about 1.8e308).
        case numberOutOfRange
        /// Objects and arrays nest deeper than the limit (the top-level object is depth 1).
        case tooDeep(limit: Int)
        /// The payload is longer than the limit, in bytes; rejected before it is scanned.
        case tooLarge(limit: Int)
        /// Something other than whitespace follows the top-level object.
        case trailingData
    }

    /// What the grammar allowed at the place of an ``Kind/invalidSyntax(expected:)`` error.
    public enum Expectation: Sendable, Hashable {
        /// Any JSON value.
        case value
        /// A member key (a string), after a comma.
        case key
        /// A member key or `}`, right after `{`.
        case keyOrObjectEnd
        /// A value or `]`, right after `[`.
        case valueOrArrayEnd
        /// `:` after a member key.
        case colon
        /// `,` or `}` after a member's value.
        case commaOrObjectEnd
        /// `,` or `]` after an element.
        case commaOrArrayEnd
        /// The rest of the literal `true`.
        case trueLiteral
        /// The rest of the literal `false`.
        case falseLiteral
        /// The rest of the literal `null`.
        case nullLiteral

        /// How the expectation reads in a message.
        public var text: String {
            switch self {
            case .value: return "a JSON value"
            case .key: return "a member key (a string)"
            case .keyOrObjectEnd: return "a member key (a string) or '}'"
            case .valueOrArrayEnd: return "a JSON value or ']'"
            case .colon: return "':' after the member key"
            case .commaOrObjectEnd: return "',' or '}' after the member value"
            case .commaOrArrayEnd: return "',' or ']' after the array element"
            case .trueLiteral: return "the literal 'true'"
            case .falseLiteral: return "the literal 'false'"
            case .nullLiteral: return "the literal 'null'"
            }
        }
    }

    /// The class of the problem.
    public var kind: Kind
    /// Byte offset in the payload; see the type's description for what it points at.
    public var offset: Int
    /// The requested field whose value holds the problem; nil when it lies outside every requested value.
    public var field: FieldPath?

    public init(kind: Kind, offset: Int, field: FieldPath? = nil) {
        self.kind = kind
        self.offset = offset
        self.field = field
    }

    /// A short stable name for the kind, for dead-letter records and metric labels: `empty`, `not_json`,
    /// `not_an_object`, `truncated`, `invalid_syntax`, `invalid_utf8`, `control_character_in_string`,
    /// `invalid_escape`, `invalid_number`, `number_out_of_range`, `too_deep`, `too_large`, `trailing_data`.
    public var code: String {
        switch kind {
        case .empty: return "empty"
        case .notJSON: return "not_json"
        case .notAnObject: return "not_an_object"
        case .truncated: return "truncated"
        case .invalidSyntax: return "invalid_syntax"
        case .invalidUTF8: return "invalid_utf8"
        case .controlCharacterInString: return "control_character_in_string"
        case .invalidEscape: return "invalid_escape"
        case .invalidNumber: return "invalid_number"
        case .numberOutOfRange: return "number_out_of_range"
        case .tooDeep: return "too_deep"
        case .tooLarge: return "too_large"
        case .trailingData: return "trailing_data"
        }
    }

    public var description: String {
        let place = field.map { "at byte \(offset), in field '\($0)'" } ?? "at byte \(offset)"
        switch kind {
        case .empty:
            return "empty payload: expected a JSON object, found no bytes or only whitespace"
        case .notJSON:
            return "not JSON: expected a JSON object starting with '{' \(place)"
        case .notAnObject:
            return "not an object: the payload is a JSON value but not an object; expected '{' \(place)"
        case .truncated:
            return "truncated: the payload ends \(place) before the JSON object is complete"
        case .invalidSyntax(let expected):
            return "invalid JSON: expected \(expected.text) \(place)"
        case .invalidUTF8:
            return "invalid UTF-8 in a string \(place): expected a well-formed UTF-8 sequence"
        case .controlCharacterInString:
            return "raw control character in a string \(place): expected it escaped (\\n, \\t, \\u0000 ...)"
        case .invalidEscape:
            return "invalid escape in a string \(place): expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t or "
                + "\\u with four hex digits, surrogates only as a high-low pair"
        case .invalidNumber:
            return "invalid number \(place): expected digits (no leading zeros; a digit after '-', '.' and 'e')"
        case .numberOutOfRange:
            return "number out of range \(place): expected a magnitude below 1.8e308 (the Double range)"
        case .tooDeep(let limit):
            return "nested too deep \(place): expected at most \(limit) levels of objects and arrays"
        case .tooLarge(let limit):
            return "payload too large: expected at most \(limit) bytes"
        case .trailingData:
            return "trailing data \(place): expected only whitespace after the top-level object"
        }
    }
}
