/// Parses ISO 8601 timestamps in the RFC 3339 profile straight from bytes to milliseconds since the Unix
/// epoch, without allocating.
///
/// Accepted: `YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm)`, with `T`/`t` and `Z`/`z` in either case, years
/// 0000–9999 in the proleptic Gregorian calendar, any number of fractional digits (those beyond
/// milliseconds are dropped: the result is the instant truncated to the millisecond toward the past),
/// and offsets from -23:59 to +23:59 (`-00:00` is UTC).
///
/// Rejected: dates that do not exist (Feb 30, Feb 29 outside leap years, month 13, day 0), hours above
/// 23, minutes or seconds above 59 (no leap second), a missing offset (local time is ambiguous), a space
/// instead of `T`, a comma as decimal sign, the basic format without separators, and anything after
/// the timestamp.
public enum ISO8601Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z of the timestamp in `bytes`.
    ///
    /// - Throws: ``ISO8601TimestampError`` with the offset of the first byte that is wrong.
    public static func epochMilliseconds(_ bytes: UnsafeRawBufferPointer) throws(ISO8601TimestampError) -> Int64 {
        guard let base = bytes.baseAddress else {
            throw ISO8601TimestampError(reason: .invalidFormat(expected: .year), offset: 0)
        }
        return try parse(base.assumingMemoryBound(to: UInt8.self), count: bytes.count)
    }

    /// Milliseconds since the epoch of the timestamp in `text`; see ``epochMilliseconds(_:)-(UnsafeRawBufferPointer)``.
    public static func epochMilliseconds(_ text: String) throws(ISO8601TimestampError) -> Int64 {
        var text = text
        let result: Result<Int64, ISO8601TimestampError> = text.withUTF8 { buffer in
            do throws(ISO8601TimestampError) {
                return .success(try epochMilliseconds(UnsafeRawBufferPointer(buffer)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private static func parse(_ p: UnsafePointer<UInt8>, count: Int) throws(ISO8601TimestampError) -> Int64 {
        var i = 0

        func digits(_ n: Int, _ what: ISO8601TimestampError.Expectation) throws(ISO8601TimestampError) -> Int {
            var value = 0
            for _ in 0..<n {
                guard i < count, p[i] &- 0x30 < 10 else {
                    throw ISO8601TimestampError(reason: .invalidFormat(expected: what), offset: i)
                }
                value = value &* 10 &+ Int(p[i] &- 0x30)
                i &+= 1
            }
            return value
        }
        func expect(
            _ byte: UInt8, orAlso other: UInt8? = nil, _ what: ISO8601TimestampError.Expectation
        ) throws(ISO8601TimestampError) {
            guard i < count, p[i] == byte || p[i] == other else {
                throw ISO8601TimestampError(reason: .invalidFormat(expected: what), offset: i)
            }
            i &+= 1
        }

        let year = try digits(4, .year)
        try expect(0x2D, .hyphen)
        let monthOffset = i
        let month = try digits(2, .month)
        try expect(0x2D, .hyphen)
        let dayOffset = i
        let day = try digits(2, .day)
        guard (1...12).contains(month) else { throw ISO8601TimestampError(reason: .invalidDate, offset: monthOffset) }
        guard day >= 1 && day <= daysInMonth(month, year: year) else {
            throw ISO8601TimestampError(reason: .invalidDate, offset: dayOffset)
        }
        try expect(0x54, orAlso: 0x74, .timeDesignator)
        let hourOffset = i
        let hour = try digits(2, .hour)
        try expect(0x3A, .colon)
        let minuteOffset = i
        let minute = try digits(2, .minute)
        try expect(0x3A, .colon)
        let secondOffset = i
        let second = try digits(2, .second)
        guard hour <= 23 else { throw ISO8601TimestampError(reason: .invalidTime, offset: hourOffset) }
        guard minute <= 59 else { throw ISO8601TimestampError(reason: .invalidTime, offset: minuteOffset) }
        guard second <= 59 else { throw ISO8601TimestampError(reason: .invalidTime, offset: secondOffset) }

        var milliseconds = 0
        if i < count && p[i] == 0x2E {
            i &+= 1
            guard i < count, p[i] &- 0x30 < 10 else {
                throw ISO8601TimestampError(reason: .invalidFormat(expected: .fractionDigit), offset: i)
            }
            var scale = 100
            while i < count, p[i] &- 0x30 < 10 {
                milliseconds &+= Int(p[i] &- 0x30) &* scale
                scale /= 10
                i &+= 1
            }
        }

        var offsetMinutes = 0
        guard i < count else {
            throw ISO8601TimestampError(reason: .invalidFormat(expected: .zone), offset: i)
        }
        switch p[i] {
        case 0x5A, 0x7A:  // Z z
            i &+= 1
        case 0x2B, 0x2D:  // + -
            let isNegative = p[i] == 0x2D
            i &+= 1
            let offsetStart = i
            let hours = try digits(2, .offsetHour)
            try expect(0x3A, .colon)
            let minutes = try digits(2, .offsetMinute)
            guard hours <= 23 && minutes <= 59 else {
                throw ISO8601TimestampError(reason: .invalidOffset, offset: offsetStart)
            }
            offsetMinutes = (hours &* 60 &+ minutes) &* (isNegative ? -1 : 1)
        default:
            throw ISO8601TimestampError(reason: .invalidFormat(expected: .zone), offset: i)
        }
        guard i == count else {
            throw ISO8601TimestampError(reason: .invalidFormat(expected: .end), offset: i)
        }

        let days = Int64(daysSinceEpoch(year: year, month: month, day: day))
        let seconds = ((days &* 24 &+ Int64(hour)) &* 60 &+ Int64(minute &- offsetMinutes)) &* 60 &+ Int64(second)
        return seconds &* 1000 &+ Int64(milliseconds)
    }

    private static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}

/// Why bytes are not an accepted ISO 8601 timestamp.
public struct ISO8601TimestampError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What is wrong.
    public enum Reason: Sendable, Hashable {
        /// The text does not have the accepted shape; `expected` says what should have been at the offset.
        case invalidFormat(expected: Expectation)
        /// The date does not exist: month outside 1–12 or day outside the month.
        case invalidDate
        /// Hour above 23, or minutes or seconds above 59.
        case invalidTime
        /// The offset's hours are above 23 or its minutes above 59.
        case invalidOffset
    }

    /// What the format required where it was not found.
    public enum Expectation: Sendable, Hashable {
        case year, hyphen, month, day, timeDesignator, hour, colon, minute, second, fractionDigit, zone
        case offsetHour, offsetMinute, end

        /// How the expectation reads in a message.
        public var text: String {
            switch self {
            case .year: return "four year digits"
            case .hyphen: return "'-'"
            case .month: return "two month digits"
            case .day: return "two day digits"
            case .timeDesignator: return "'T' between date and time"
            case .hour: return "two hour digits"
            case .colon: return "':'"
            case .minute: return "two minute digits"
            case .second: return "two second digits"
            case .fractionDigit: return "a digit after '.'"
            case .zone: return "'Z' or an offset +hh:mm / -hh:mm"
            case .offsetHour: return "two offset hour digits"
            case .offsetMinute: return "two offset minute digits"
            case .end: return "the end of the timestamp"
            }
        }
    }

    /// What is wrong.
    public var reason: Reason
    /// The byte offset of the first wrong byte (of the field, for out-of-range values).
    public var offset: Int

    public init(reason: Reason, offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    public var description: String {
        switch reason {
        case .invalidFormat(let expected):
            return "invalid timestamp: expected \(expected.text) at byte \(offset) (format YYYY-MM-DDThh:mm:ss[.fff]Z)"
        case .invalidDate:
            return "invalid timestamp: no such date (month 01-12, day within the month) at byte \(offset)"
        case .invalidTime:
            return "invalid timestamp: time out of range (hour 00-23, minute and second 00-59) at byte \(offset)"
        case .invalidOffset:
            return "invalid timestamp: offset out of range (hours 00-23, minutes 00-59) at byte \(offset)"
        }
    }
}
