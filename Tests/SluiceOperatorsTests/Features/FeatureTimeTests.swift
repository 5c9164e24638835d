import Foundation
import Testing
import SluiceOperators

/// hour_of_day and day_of_week against hand-checked instants (from Python's zoneinfo) and against
/// Foundation's Calendar, across daylight saving transitions.
@Suite struct FeatureTimeTests {
    /// (zone, epoch ms, hour, day of week with 0 = Monday), computed with Python's `datetime` and `zoneinfo`.
    static let knownInstants: [(String, Double, Double, Double)] = [
        ("America/New_York", 1_710_053_999_000, 1, 6),  // 2024-03-10T06:59:59Z = 01:59:59-05:00, spring forward
        ("America/New_York", 1_710_054_000_000, 3, 6),  // 2024-03-10T07:00:00Z = 03:00:00-04:00
        ("America/New_York", 1_730_613_599_000, 1, 6),  // 2024-11-03T05:59:59Z = 01:59:59-04:00, fall back
        ("America/New_York", 1_730_613_600_000, 1, 6),  // 2024-11-03T06:00:00Z = 01:00:00-05:00
        ("America/New_York", 1_730_617_200_000, 2, 6),  // 2024-11-03T07:00:00Z = 02:00:00-05:00
        ("America/New_York", 1_704_085_199_000, 23, 6),  // 2024-01-01T04:59:59Z = 2023-12-31T23:59:59-05:00
        ("America/New_York", 1_704_085_200_000, 0, 0),  // 2024-01-01T05:00:00Z = 2024-01-01T00:00:00-05:00
        ("America/New_York", -618_062_400_000, 8, 3),  // 1950-06-01T12:00:00Z = 08:00:00-04:00
        ("America/New_York", 5_695_963_200_000, 8, 2),  // 2150-07-01T12:00:00Z = 08:00:00-04:00
        ("Europe/Berlin", 1_711_846_799_000, 1, 6),  // 2024-03-31T00:59:59Z = 01:59:59+01:00
        ("Europe/Berlin", 1_711_846_800_000, 3, 6),  // 2024-03-31T01:00:00Z = 03:00:00+02:00
        ("Europe/Berlin", 1_729_990_799_000, 2, 6),  // 2024-10-27T00:59:59Z = 02:59:59+02:00
        ("Europe/Berlin", 1_729_990_800_000, 2, 6),  // 2024-10-27T01:00:00Z = 02:00:00+01:00
        ("Asia/Kolkata", 1_704_133_800_000, 0, 1),  // 2024-01-01T18:30:00Z = 2024-01-02T00:00:00+05:30
        ("Australia/Lord_Howe", 1_728_142_199_000, 1, 6),  // 2024-10-05T15:29:59Z = 01:59:59+10:30
        ("Australia/Lord_Howe", 1_728_142_200_000, 2, 6),  // 2024-10-05T15:30:00Z = 02:30:00+11:00
        ("Europe/Moscow", 1_301_180_400_000, 3, 6),  // 2011-03-26T23:00:00Z = 2011-03-27T03:00:00+04:00
        ("Europe/Moscow", 1_414_274_400_000, 1, 6),  // 2014-10-25T22:00:00Z = 2014-10-26T01:00:00+03:00
        ("+02:00", 1_704_146_400_000, 0, 1),  // 2024-01-01T22:00:00Z = 2024-01-02T00:00:00+02:00
        ("-03:00", 1_704_074_400_000, 23, 6),  // 2024-01-01T02:00:00Z = 2023-12-31T23:00:00-03:00
        ("+05:45", 1_718_475_299_000, 23, 5),  // 2024-06-15T18:14:59Z = 23:59:59+05:45
        ("+0545", 1_718_475_299_000, 23, 5),
        ("UTC", 0, 0, 3),  // 1970-01-01 was a Thursday
        ("UTC", -3_600_000, 23, 2),  // 1969-12-31T23:00:00Z, a Wednesday
        ("UTC", -1, 23, 2),
        ("UTC", 86_399_999, 23, 3),
        ("UTC", 86_400_000, 0, 4),
        ("UTC", 1_718_475_299_000.5, 18, 5),
        ("Z", 1_704_085_200_000, 5, 0),
        ("GMT", 1_704_085_200_000, 5, 0),
        ("+00:00", 1_704_085_200_000, 5, 0),
    ]

    @Test(arguments: knownInstants)
    func knownInstantsInTheirZones(zone: String, time: Double, hour: Double, day: Double) throws {
        let program = try compileFeatures([
            ("h", "hour_of_day(ts, \"\(zone)\")"), ("w", "day_of_week(ts, \"\(zone)\")"),
        ])
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(FeatureEvent(["ts": .number(time)]))
        #expect(Array(evaluator.values) == [hour, day])
        // with a constant time, folded at compile time
        let literal = String(format: "%.1f", time)
        #expect(try evaluate("hour_of_day(\(literal), \"\(zone)\")") == hour)
        #expect(try evaluate("day_of_week(\(literal), \"\(zone)\")") == day)
    }

    @Test func withoutAZoneTheTimeIsUTC() throws {
        #expect(try evaluate("hour_of_day(ts)", ["ts": .number(1_710_054_000_000)]) == 7)
        #expect(try evaluate("day_of_week(ts)", ["ts": .number(1_710_054_000_000)]) == 6)
        #expect(try evaluate("hour_of_day(ts + 3600000 * 17)", ["ts": .number(1_710_054_000_000)]) == 0)
        #expect(try evaluate("day_of_week(ts + 3600000 * 17)", ["ts": .number(1_710_054_000_000)]) == 0)
    }

    @Test func nullAndOutOfRangeTimesGiveNull() throws {
        #expect(try evaluate("hour_of_day(ts, \"Europe/Berlin\")").isNaN)
        #expect(try evaluate("day_of_week(ts)").isNaN)
        #expect(try evaluate("hour_of_day(ts)", ["ts": .number(.infinity)]).isNaN)
        #expect(try evaluate("hour_of_day(ts)", ["ts": .number(8.7e15)]).isNaN)
        #expect(try evaluate("hour_of_day(ts)", ["ts": .number(8.64e15)]) == 0)
        #expect(try evaluate("hour_of_day(amount)", ["amount": .number(3_600_000)]) == 1)
    }

    /// Every 10 minutes for two days around each of the zone's transitions in 2015–2026, and 3,000 random
    /// instants in 1901–2199, against Foundation's Calendar. Kolkata has had no transition since 1945.
    @Test(arguments: [
        "America/New_York", "Europe/Berlin", "Australia/Lord_Howe", "America/Sao_Paulo", "Asia/Kolkata",
        "Pacific/Chatham", "Europe/London", "Africa/Casablanca",
    ])
    func agreesWithFoundationCalendar(zoneName: String) throws {
        let zone = try #require(TimeZone(identifier: zoneName))
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        var instants: [Double] = []
        var date = Date(timeIntervalSince1970: 1_420_070_400)  // 2015-01-01
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next.timeIntervalSince1970 < 1_798_761_600
        {
            let transition = next.timeIntervalSince1970 * 1000
            for step in -144...144 { instants.append(transition + Double(step) * 600_000) }
            instants.append(transition - 1)
            date = next
        }
        var random = SeededGenerator(seed: UInt64(zoneName.utf8.count))
        for _ in 0..<3000 {
            instants.append(Double(Int64.random(in: -2_177_452_800_000..<7_258_118_400_000, using: &random)))
        }
        let program = try compileFeatures([
            ("h", "hour_of_day(ts, \"\(zoneName)\")"), ("w", "day_of_week(ts, \"\(zoneName)\")"),
        ])
        let evaluator = program.makeEvaluator()
        let event = FeatureEvent()
        var mismatches: [String] = []
        for instant in instants {
            event.set("ts", .number(instant))
            evaluator.evaluate(event)
            let when = Date(timeIntervalSince1970: instant / 1000)
            let hour = Double(calendar.component(.hour, from: when))
            // Calendar numbers weekdays 1 = Sunday ... 7 = Saturday.
            let day = Double((calendar.component(.weekday, from: when) + 5) % 7)
            if evaluator.values[0] != hour || evaluator.values[1] != day {
                mismatches.append("\(instant): \(evaluator.values[0]) \(evaluator.values[1]), Calendar \(hour) \(day)")
            }
        }
        #expect(zoneName == "Asia/Kolkata" ? instants.count == 3000 : instants.count > 3000)
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches, first: \(mismatches.prefix(5))")
    }

    @Test(arguments: ["+02:00", "-03:30", "+14:00", "-12:00", "+0545", "-07"])
    func fixedOffsetsAgreeWithFoundation(offset: String) throws {
        let characters = Array(offset)
        let sign = characters[0] == "-" ? -1 : 1
        let digits = characters.dropFirst().filter { $0 != ":" }
        let minutes = Int(String(digits.prefix(2)))! * 60 + (digits.count > 2 ? Int(String(digits.suffix(2)))! : 0)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(secondsFromGMT: sign * minutes * 60))
        let program = try compileFeatures([
            ("h", "hour_of_day(ts, \"\(offset)\")"), ("w", "day_of_week(ts, \"\(offset)\")"),
        ])
        let evaluator = program.makeEvaluator()
        var random = SeededGenerator(seed: 7)
        for _ in 0..<2000 {
            let instant = Double(Int64.random(in: -1_000_000_000_000..<4_000_000_000_000, using: &random))
            evaluator.evaluate(FeatureEvent(["ts": .number(instant)]))
            let when = Date(timeIntervalSince1970: instant / 1000)
            #expect(evaluator.values[0] == Double(calendar.component(.hour, from: when)))
            #expect(evaluator.values[1] == Double((calendar.component(.weekday, from: when) + 5) % 7))
        }
    }
}
