public import SluiceCore

/// Checks decoded events against the topology's schema and fills the typed ``EventFields``: required
/// fields, strict types, numeric and timestamp bounds, enums, string lengths and timestamp sanity.
///
/// Compiled once per topology; `validate` allocates nothing for a valid event (messages are built only for
/// rejections). Field `i` of the decoder must be schema field `i`.
public struct SchemaValidator: Sendable {
    private let fields: [CompiledField]
    /// Earliest and latest event times accepted as sane whatever the schema says: years 1900 to 9999.
    static let saneTimeRange: ClosedRange<Int64> = -2_208_988_800_000...253_402_300_799_999

    public init(schema: [FieldSpecification]) {
        fields = schema.map(CompiledField.init)
    }

    /// Validates the event in `decoded` into `event`; returns why it is invalid, or nil when it is valid.
    /// `wallClock` (epoch milliseconds) bounds timestamps that have `max_future`.
    public func validate(_ decoded: DecodedFields, into event: EventFields, wallClock: Int64) -> EventRejection? {
        for index in fields.indices {
            if let rejection = validate(index, decoded, event, wallClock) { return rejection }
        }
        return nil
    }

    @inline(__always)
    private func validate(_ index: Int, _ decoded: DecodedFields, _ event: EventFields, _ wallClock: Int64)
        -> EventRejection?
    {
        let field = fields[index]
        let kind = decoded.kind(at: index)
        if kind == .absent || kind == .null {
            event.setMissing(index)
            guard field.isRequired else { return nil }
            return EventRejection(
                .missingField, field: field.spec.name,
                message: "required field '\(field.spec.name)' "
                    + "(\(field.spec.path)) is \(kind == .null ? "null" : "missing")")
        }
        switch field.type {
        case .string:
            guard let bytes = decoded.stringBytes(at: index) else { return wrongType(field, kind) }
            event.setString(index, bytes)
            return checkString(field, bytes)
        case .int:
            guard kind == .number else { return wrongType(field, kind) }
            guard let value = decoded.int64(at: index) else {
                let number = decoded.double(at: index) ?? .nan
                let detail = number == number.rounded() ? "an integer beyond 64 bits" : "the fraction \(number)"
                return EventRejection(
                    .wrongType, field: field.spec.name,
                    message: "field '\(field.spec.name)' must be an integer, found \(detail)")
            }
            event.setInteger(index, value)
            if let allowed = field.allowedIntegers, !allowed.contains(value) {
                return EventRejection(
                    .notAllowed, field: field.spec.name,
                    message: "field '\(field.spec.name)' is "
                        + "\(value), which is not one of \(field.spec.allowedValues ?? [])")
            }
            return checkBounds(field, Double(value), shown: "\(value)")
        case .double:
            guard let value = decoded.double(at: index) else { return wrongType(field, kind) }
            event.setNumber(index, value)
            return checkBounds(field, value, shown: "\(value)")
        case .bool:
            guard let value = decoded.bool(at: index) else { return wrongType(field, kind) }
            event.setNumber(index, value ? 1 : 0)
            return nil
        case .timestamp:
            guard let milliseconds = timestamp(field, decoded, index) else {
                if kind == .number || kind == .string, field.unit == .iso8601 ? kind == .string : kind == .number {
                    return EventRejection(
                        .invalidTimestamp, field: field.spec.name,
                        message: "field '\(field.spec.name)' "
                            + "is not a valid \(field.unitDescription) timestamp")
                }
                return wrongType(field, kind)
            }
            event.setInteger(index, milliseconds)
            guard Self.saneTimeRange.contains(milliseconds) else {
                return EventRejection(
                    .invalidTimestamp, field: field.spec.name,
                    message: "field '\(field.spec.name)' is "
                        + "\(milliseconds) ms since the epoch, outside the years 1900 to 9999 (wrong unit?)")
            }
            if let ahead = field.spec.maximumFutureMilliseconds, milliseconds > wallClock &+ ahead {
                return EventRejection(
                    .timestampInFuture, field: field.spec.name,
                    message: "field '\(field.spec.name)' is "
                        + "\(milliseconds - wallClock) ms ahead of the clock; at most \(ahead) ms is allowed")
            }
            return checkBounds(field, Double(milliseconds), shown: "\(milliseconds)")
        }
    }

    private func timestamp(_ field: CompiledField, _ decoded: DecodedFields, _ index: Int) -> Int64? {
        switch field.unit {
        case .milliseconds:
            guard let value = decoded.double(at: index) else { return nil }
            if let exact = decoded.int64(at: index) { return exact }
            return value.isFinite && abs(value) < 9e15 ? Int64(value.rounded(.down)) : nil
        case .seconds:
            guard let value = decoded.double(at: index) else { return nil }
            let milliseconds = (value * 1000).rounded(.down)
            return milliseconds.isFinite && abs(milliseconds) < 9e15 ? Int64(milliseconds) : nil
        case .iso8601:
            guard let bytes = decoded.stringBytes(at: index) else { return nil }
            return try? ISO8601Timestamp.epochMilliseconds(bytes)
        }
    }

    private func checkString(_ field: CompiledField, _ bytes: UnsafeRawBufferPointer) -> EventRejection? {
        if field.hasLengthRule {
            // Valid UTF-8 is guaranteed: counting non-continuation bytes counts Unicode scalars.
            var length = 0
            for byte in bytes where byte & 0xC0 != 0x80 { length += 1 }
            if let shortest = field.spec.minimumLength, length < shortest {
                return EventRejection(
                    .tooShort, field: field.spec.name,
                    message: "field '\(field.spec.name)' has "
                        + "\(length) characters; at least \(shortest) are required")
            }
            if let longest = field.spec.maximumLength, length > longest {
                return EventRejection(
                    .tooLong, field: field.spec.name,
                    message: "field '\(field.spec.name)' has "
                        + "\(length) characters; at most \(longest) are allowed")
            }
        }
        if let allowed = field.allowedStrings {
            for value in allowed where value.count == bytes.count {
                if value.withUnsafeBytes({ $0.elementsEqual(bytes) }) { return nil }
            }
            let shown = String(decoding: bytes.prefix(80), as: UTF8.self)
            return EventRejection(
                .notAllowed, field: field.spec.name,
                message: "field '\(field.spec.name)' is "
                    + "'\(shown)', which is not one of \(field.spec.allowedValues ?? [])")
        }
        return nil
    }

    @inline(__always)
    private func checkBounds(_ field: CompiledField, _ value: Double, shown: @autoclosure () -> String)
        -> EventRejection?
    {
        guard value < field.minimum || value > field.maximum else { return nil }
        return boundsRejection(field, value, shown: shown())
    }

    private func boundsRejection(_ field: CompiledField, _ value: Double, shown: String) -> EventRejection? {
        if let minimum = field.spec.minimum, value < minimum {
            return EventRejection(
                .belowMinimum, field: field.spec.name,
                message: "field '\(field.spec.name)' is "
                    + "\(shown), below the minimum \(minimum)")
        }
        if let maximum = field.spec.maximum, value > maximum {
            return EventRejection(
                .aboveMaximum, field: field.spec.name,
                message: "field '\(field.spec.name)' is "
                    + "\(shown), above the maximum \(maximum)")
        }
        return nil
    }

    private func wrongType(_ field: CompiledField, _ kind: DecodedValue.Kind) -> EventRejection {
        let expected =
            field.spec.type == .timestamp
            ? "a timestamp (\(field.unitDescription))"
            : "\(field.spec.type == .int ? "an" : "a") \(field.spec.type.rawValue)"
        return EventRejection(
            .wrongType, field: field.spec.name,
            message: "field '\(field.spec.name)' must be "
                + "\(expected), found \(kind.article)")
    }
}

/// A schema field with its checks prepared for the hot path. A class, so that reading it per event costs one
/// reference instead of copying the specification's strings and arrays.
private final class CompiledField: Sendable {
    let spec: FieldSpecification
    let unit: TimestampUnit
    let allowedStrings: [[UInt8]]?
    let allowedIntegers: Set<Int64>?

    let type: FieldType
    let isRequired: Bool
    let minimum: Double
    let maximum: Double
    let hasLengthRule: Bool

    init(_ spec: FieldSpecification) {
        self.spec = spec
        type = spec.type
        isRequired = spec.isRequired
        minimum = spec.minimum ?? -.infinity
        maximum = spec.maximum ?? .infinity
        hasLengthRule = spec.minimumLength != nil || spec.maximumLength != nil
        unit = spec.timestampUnit ?? .milliseconds
        allowedStrings = spec.type == .string ? spec.allowedValues?.map { Array($0.utf8) } : nil
        allowedIntegers = spec.type == .int ? spec.allowedValues.map { Set($0.compactMap { Int64($0) }) } : nil
    }

    var unitDescription: String {
        switch unit {
        case .milliseconds: "epoch milliseconds"
        case .seconds: "epoch seconds"
        case .iso8601: "ISO-8601 string"
        }
    }
}

extension DecodedValue.Kind {
    /// How a JSON value kind reads in a message: `a string`, `an object`.
    var article: String {
        switch self {
        case .absent: "nothing"
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .object: "an object"
        case .array: "an array"
        }
    }
}
