import Foundation
import SluiceCore

/// A time zone's UTC offsets as a table of transitions, computed once at compile time so that local
/// time costs a binary search and an addition per event, with no Foundation call.
struct TimeZoneTable: Equatable {
    /// Transition instants, epoch ms, increasing.
    var transitions: [Double]
    /// UTC offsets in ms: `offsets[0]` before the first transition, `offsets[i + 1]` from transition `i`.
    var offsets: [Double]

    /// First and last years whose transitions are tabulated; outside them the offset of the nearest end
    /// of the table applies.
    static let firstYear = 1900
    static let lastYear = 2199

    /// The table for `name`: `UTC`/`GMT`/`Z`, a fixed offset `±HH:MM`, `±HHMM` or `±HH` (ISO 8601 sign:
    /// `+02:00` is two hours ahead of UTC), or an IANA identifier such as `Europe/Berlin`. Nil when the
    /// name is none of these.
    init?(name: String) {
        if name == "UTC" || name == "GMT" || name == "Z" {
            self.init(transitions: [], offsets: [0])
            return
        }
        if let offset = Self.fixedOffsetMinutes(name) {
            self.init(transitions: [], offsets: [Double(offset) * 60_000])
            return
        }
        guard name.contains("/") || TimeZone.knownTimeZoneIdentifiers.contains(name),
            let zone = TimeZone(identifier: name)
        else { return nil }
        // 1900-01-01T00:00:00Z and 2200-01-01T00:00:00Z.
        let start = Date(timeIntervalSince1970: -2_208_988_800)
        let end = Date(timeIntervalSince1970: 7_258_118_400)
        var transitions: [Double] = []
        var offsets = [Double(zone.secondsFromGMT(for: start)) * 1000]
        var date = start
        while let next = zone.nextDaylightSavingTimeTransition(after: date), next < end {
            let offset = Double(zone.secondsFromGMT(for: next)) * 1000
            if offset != offsets[offsets.count - 1] {
                transitions.append((next.timeIntervalSince1970 * 1000).rounded())
                offsets.append(offset)
            }
            date = next
        }
        self.init(transitions: transitions, offsets: offsets)
    }

    private init(transitions: [Double], offsets: [Double]) {
        self.transitions = transitions
        self.offsets = offsets
    }

    /// Width of the buckets that index the transitions: 2^34 ms, about 199 days, so that a bucket holds
    /// at most a few transitions.
    static var bucketWidth: Double { 0x1p34 }
    static var inverseBucketWidth: Double { 0x1p-34 }

    /// The table's layout in a program's number pool: the first transition instant, the bucket count m, the
    /// n transitions, the n + 1 offsets, then per bucket k the number of transitions before
    /// `first + k · bucketWidth`.
    var pooled: [Double] {
        guard let first = transitions.first else { return [0, 0] + offsets }
        let bucketCount = Int(((transitions[transitions.count - 1] - first) / Self.bucketWidth).rounded(.down)) + 1
        var buckets: [Double] = []
        var before = 0
        for bucket in 0..<bucketCount {
            let start = first + Double(bucket) * Self.bucketWidth
            while before < transitions.count && transitions[before] < start { before += 1 }
            buckets.append(Double(before))
        }
        return [first, Double(bucketCount)] + transitions + offsets + buckets
    }

    /// Minutes east of UTC for `±HH:MM`, `±HHMM` or `±HH` (at most 18 hours), or nil.
    static func fixedOffsetMinutes(_ text: String) -> Int? {
        let characters = Array(text)
        guard let sign = characters.first, sign == "+" || sign == "-" else { return nil }
        let digits = characters.dropFirst().filter { $0 != ":" }
        let shapeIsValid =
            switch characters.count {
            case 3: true  // +HH
            case 5: !characters.contains(":")  // +HHMM
            case 6: characters[3] == ":"  // +HH:MM
            default: false
            }
        guard shapeIsValid, digits.allSatisfy({ $0.isASCII && $0.isWholeNumber }) else { return nil }
        let hours = Int(String(digits.prefix(2)))!
        let minutes = digits.count > 2 ? Int(String(digits.dropFirst(2)))! : 0
        guard minutes < 60, hours * 60 + minutes <= 18 * 60 else { return nil }
        return (sign == "-" ? -1 : 1) * (hours * 60 + minutes)
    }

    /// The known zone identifier closest to `name`, for a suggestion.
    static func closestIdentifier(to name: String) -> String? {
        NameSuggestion.closest(to: name, among: TimeZone.knownTimeZoneIdentifiers + ["UTC"])
    }
}
