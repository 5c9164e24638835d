import Foundation
import SluiceCore
import Testing

/// Timestamps against Foundation's `ISO8601DateFormatter` and `Calendar` as references.
@Suite struct ISO8601TimestampTests {
    static func milliseconds(_ text: String) -> Int64? { try? ISO8601Timestamp.epochMilliseconds(text) }

    static func error(_ text: String) -> ISO8601TimestampError? {
        do {
            _ = try ISO8601Timestamp.epochMilliseconds(text)
            return nil
        } catch {
            return error
        }
    }

    /// Foundation's reading of `text` in milliseconds. It wants upper-case `T` and `Z`, and fractional
    /// digits only when told to expect them.
    static func reference(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions =
            text.contains(".") ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
        return formatter.date(from: text.uppercased()).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }

    @Test func knownInstantsAreExact() {
        #expect(Self.milliseconds("1970-01-01T00:00:00Z") == 0)
        #expect(Self.milliseconds("2024-05-01T12:34:56Z") == 1_714_566_896_000)
        #expect(Self.milliseconds("2023-11-14T22:13:20Z") == 1_700_000_000_000)
        #expect(Self.milliseconds("2024-05-01t12:34:56z") == 1_714_566_896_000)
        #expect(Self.milliseconds("2024-05-01T12:34:56.7Z") == 1_714_566_896_700)
        #expect(Self.milliseconds("2024-05-01T12:34:56.123456789Z") == 1_714_566_896_123)
        #expect(Self.milliseconds("2024-05-01T12:34:56.9999999Z") == 1_714_566_896_999)
        #expect(Self.milliseconds("2024-05-01T14:34:56+02:00") == 1_714_566_896_000)
        #expect(Self.milliseconds("2024-05-01T07:04:56-05:30") == 1_714_566_896_000)
        #expect(Self.milliseconds("2024-05-01T12:34:56-00:00") == 1_714_566_896_000)
        #expect(Self.milliseconds("1969-12-31T23:59:59.999Z") == -1)
        #expect(Self.milliseconds("2000-02-29T00:00:00Z") == 951_782_400_000)
        #expect(Self.milliseconds("0000-01-01T00:00:00Z") == -62_167_219_200_000)
        #expect(Self.milliseconds("9999-12-31T23:59:59.999Z") == 253_402_300_799_999)
    }

    @Test func randomTimestampsAgreeWithISO8601DateFormatter() {
        var generator = SeededGenerator(seed: 0x15_0860)
        func pick(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let calendar = Calendar(identifier: .gregorian)
        for _ in 0..<3000 {
            // Foundation's Gregorian calendar turns Julian before 15 October 1582; RFC 3339 is proleptic.
            let year = pick(0...9) == 0 ? pick(1583...9999) : pick(1900...2100)
            let month = pick(1...12)
            var components = DateComponents(year: year, month: month)
            components.calendar = calendar
            let days = calendar.range(of: .day, in: .month, for: calendar.date(from: components)!)!.count
            var text =
                String(repeating: "0", count: 4 - String(year).count) + "\(year)-\(two(month))-\(two(pick(1...days)))"
            text += (pick(0...1) == 0 ? "T" : "t") + "\(two(pick(0...23))):\(two(pick(0...59))):\(two(pick(0...59)))"
            if pick(0...1) == 0 { text += "." + String((0..<pick(1...9)).map { _ in Character(String(pick(0...9))) }) }
            switch pick(0...2) {
            case 0: text += "Z"
            case 1: text += "z"
            default: text += (pick(0...1) == 0 ? "+" : "-") + "\(two(pick(0...23))):\(two(pick(0...59)))"
            }
            let expected = Self.reference(text)
            #expect(expected != nil, "reference rejects \(text)")
            #expect(Self.milliseconds(text) == expected, "\(text)")
        }
    }

    /// Days from 1970-01-01 counted one year and one month at a time, in the proleptic Gregorian calendar.
    static func bruteForceDays(year: Int, month: Int, day: Int) -> Int {
        func isLeap(_ y: Int) -> Bool { y % 4 == 0 && (y % 100 != 0 || y % 400 == 0) }
        let monthLengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        var days = 0
        if year >= 1970 {
            for y in 1970..<year { days += isLeap(y) ? 366 : 365 }
        } else {
            for y in year..<1970 { days -= isLeap(y) ? 366 : 365 }
        }
        for m in 1..<month { days += monthLengths[m - 1] + (m == 2 && isLeap(year) ? 1 : 0) }
        return days + day - 1
    }

    @Test func everyCenturyAgreesWithABruteForceCalendar() {
        var generator = SeededGenerator(seed: 0xCA1E_0DA2)
        for _ in 0..<2000 {
            let year = Int.random(in: 0...9999, using: &generator)
            let month = Int.random(in: 1...12, using: &generator)
            let day = Int.random(in: 1...28, using: &generator)
            let text = String(format: "%04d-%02d-%02dT01:02:03.004Z", year, month, day)
            let expected = Int64(Self.bruteForceDays(year: year, month: month, day: day)) * 86_400_000 + 3_723_004
            #expect(Self.milliseconds(text) == expected, "\(text)")
        }
    }

    @Test func datesThatDoNotExistAreInvalidDates() {
        // Every month/day pair of a leap year, a common year and century years, against the calendar.
        let calendar = Calendar(identifier: .gregorian)
        for year in [2023, 2024, 1900, 2000] {
            for month in 0...13 {
                for day in 0...32 {
                    let text = String(format: "%04d-%02d-%02dT00:00:00Z", year, month, day)
                    let components = DateComponents(calendar: calendar, year: year, month: month, day: day)
                    let exists = (1...12).contains(month) && (1...31).contains(day) && components.isValidDate
                    if exists {
                        #expect(Self.milliseconds(text) == Self.reference(text), "\(text)")
                    } else {
                        let error = Self.error(text)
                        #expect(error?.reason == .invalidDate, "\(text)")
                        #expect(error?.offset == ((1...12).contains(month) ? 8 : 5), "\(text)")
                    }
                }
            }
        }
    }

    @Test func timesAndOffsetsOutOfRangeAreRejected() {
        #expect(Self.error("2024-05-01T24:00:00Z") == ISO8601TimestampError(reason: .invalidTime, offset: 11))
        #expect(Self.error("2024-05-01T23:60:00Z") == ISO8601TimestampError(reason: .invalidTime, offset: 14))
        #expect(Self.error("2024-05-01T23:59:60Z") == ISO8601TimestampError(reason: .invalidTime, offset: 17))
        #expect(Self.error("2024-05-01T12:00:00+24:00") == ISO8601TimestampError(reason: .invalidOffset, offset: 20))
        #expect(Self.error("2024-05-01T12:00:00-01:60") == ISO8601TimestampError(reason: .invalidOffset, offset: 20))
        #expect(Self.milliseconds("2024-05-01T12:00:00+23:59") != nil)
    }

    @Test func malformedTextNamesWhatWasExpected() {
        let cases: [(String, ISO8601TimestampError.Expectation, Int)] = [
            ("", .year, 0),
            ("24-05-01T12:00:00Z", .year, 2),
            ("2024/05/01T12:00:00Z", .hyphen, 4),
            ("2024-5-01T12:00:00Z", .month, 6),
            ("2024-05-01 12:00:00Z", .timeDesignator, 10),
            ("2024-05-01T12:00Z", .colon, 16),
            ("2024-05-01T12:00:00", .zone, 19),
            ("2024-05-01T12:00:00,5Z", .zone, 19),
            ("2024-05-01T12:00:00.Z", .fractionDigit, 20),
            ("2024-05-01T12:00:00+0200", .colon, 22),
            ("2024-05-01T12:00:00+2:00", .offsetHour, 21),
            ("2024-05-01T12:00:00Zjunk", .end, 20),
            ("2024-05-01T12:00:00Z ", .end, 20),
            ("20240501T120000Z", .hyphen, 4),
        ]
        for (text, expected, offset) in cases {
            #expect(
                Self.error(text) == ISO8601TimestampError(reason: .invalidFormat(expected: expected), offset: offset),
                "\(text): \(String(describing: Self.error(text)))")
        }
        #expect(Self.error("2024-05-01T12:00Z")!.description.contains("':'"))
    }

    @Test func differencesFromISO8601DateFormatterArePinned() {
        // Foundation rolls over impossible dates and 24:00; this parser rejects them. Foundation's calendar
        // is Julian before 1582-10-15; this parser is proleptic Gregorian, as RFC 3339 requires.
        #expect(Self.reference("1000-01-01T00:00:00Z") != Self.milliseconds("1000-01-01T00:00:00Z"))
        #expect(
            Self.reference("2024-02-30T00:00:00Z") != nil && Self.error("2024-02-30T00:00:00Z")?.reason == .invalidDate)
        #expect(
            Self.reference("2024-05-01T24:00:00Z") != nil && Self.error("2024-05-01T24:00:00Z")?.reason == .invalidTime)
    }

    @Test func bytesAndTextAgree() throws {
        let text = "2024-05-01T12:34:56.789+01:00"
        let fromBytes = try Array(text.utf8).withUnsafeBytes { try ISO8601Timestamp.epochMilliseconds($0) }
        #expect(fromBytes == (try ISO8601Timestamp.epochMilliseconds(text)))
    }
}
