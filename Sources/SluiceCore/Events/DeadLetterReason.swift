/// Why an event went to the dead-letter topic. The raw values are stable: they appear in dead-letter
/// records and label the per-reason counters.
public enum DeadLetterReason: String, Sendable, CaseIterable {
    // The bytes are not a usable JSON object (from ``DecodeError``).
    case empty
    case tombstone
    case notJSON = "not_json"
    case notAnObject = "not_an_object"
    case truncated
    case invalidSyntax = "invalid_syntax"
    case invalidUTF8 = "invalid_utf8"
    case controlCharacterInString = "control_character_in_string"
    case invalidEscape = "invalid_escape"
    case invalidNumber = "invalid_number"
    case numberOutOfRange = "number_out_of_range"
    case tooDeep = "too_deep"
    case tooLarge = "too_large"
    case trailingData = "trailing_data"
    // The object does not obey the schema.
    case missingField = "missing_field"
    case wrongType = "wrong_type"
    case belowMinimum = "below_minimum"
    case aboveMaximum = "above_maximum"
    case notAllowed = "not_allowed"
    case tooShort = "too_short"
    case tooLong = "too_long"
    case invalidTimestamp = "invalid_timestamp"
    case timestampInFuture = "timestamp_in_future"
    // The event came too late for a window whose late events are dead-lettered.
    case lateEvent = "late_event"
    // A lookup whose `on_miss` is `dead_letter` found no row for the event's key.
    case lookupMiss = "lookup_miss"

    /// The reason for a decoding failure.
    public init(_ error: DecodeError) {
        switch error.kind {
        case .empty: self = .empty
        case .notJSON: self = .notJSON
        case .notAnObject: self = .notAnObject
        case .truncated: self = .truncated
        case .invalidSyntax: self = .invalidSyntax
        case .invalidUTF8: self = .invalidUTF8
        case .controlCharacterInString: self = .controlCharacterInString
        case .invalidEscape: self = .invalidEscape
        case .invalidNumber: self = .invalidNumber
        case .numberOutOfRange: self = .numberOutOfRange
        case .tooDeep: self = .tooDeep
        case .tooLarge: self = .tooLarge
        case .trailingData: self = .trailingData
        }
    }

    /// The reason's position in ``allCases``, for counter arrays.
    public var index: Int { Self.indexes[self]! }

    private static let indexes: [DeadLetterReason: Int] = Dictionary(
        uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })
}

/// An event that failed, and why: the reason, the schema field concerned (if any), and a message a person
/// can act on.
public struct EventRejection: Error, Sendable, CustomStringConvertible {
    public var reason: DeadLetterReason
    public var field: String?
    public var message: String

    public init(_ reason: DeadLetterReason, field: String? = nil, message: String) {
        self.reason = reason
        self.field = field
        self.message = message
    }

    public var description: String { message }
}
