import Foundation
import SluiceCore
import Testing

@testable import SluiceRuntime

/// Windows wired into the pipeline, checked against a brute-force recomputation from the raw events.
@Suite struct WindowPipelineTests {
    static let topologyText = """
        name: windows-test
        source:
          topic: tx
          key: card_id
          event_time: ts
          schema:
            event_id: { type: int, required: true }
            card_id:  { type: string, required: true }
            amount:   { type: double, required: true }
            ts:       { type: timestamp, unit: ms, required: true }
        windows:
          per_minute:
            key: card_id
            tumbling: 1m
            allowed_lateness: 20s
            late_events: dead_letter
            aggregates: { n: count, total: sum(amount), top: max(amount) }
          last_5m:
            key: card_id
            sliding: 5m
            late_events: drop
            aggregates: { n: count, avg: mean(amount) }
        sinks:
          dead_letter: tx-dlq
          feature_inputs: tx-features
        """

    struct RawEvent {
        var id: Int
        var card: String
        var amount: Double
        var time: Int64
    }

    /// Random events over 8 cards, mostly in order, some out of order within and some beyond the lateness.
    static func events(seed: UInt64, count: Int) -> [RawEvent] {
        var random = SeededRandom(seed: seed)
        var clock: Int64 = 1_700_000_000_000
        return (0..<count).map { id in
            clock += Int64(random.next() % 4000)
            var time = clock
            if random.next() % 10 == 0 { time -= Int64(random.next() % 90_000) }  // out of order, sometimes late
            return RawEvent(
                id: id, card: "card-\(random.next() % 8)", amount: Double(random.next() % 10_000) / 100,
                time: time)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func featureInputsEqualABruteForceRecomputation(seed: UInt64) throws {
        let events = Self.events(seed: seed, count: 3000)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("windows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("events.jsonl").path
        try events.map { #"{"event_id":\#($0.id),"card_id":"\#($0.card)","amount":\#($0.amount),"ts":\#($0.time)}"# }
            .joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: Self.topologyText, file: "w.yaml"))
        _ = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "tx", input: input, format: .payload,
            outputDirectory: directory.path)
        let outputs = try String(
            contentsOfFile: directory.appendingPathComponent("feature-inputs.jsonl").path,
            encoding: .utf8
        ).split(separator: "\n").map { jsonObject(Array($0.utf8))! }
        let deadLetters = try String(
            contentsOfFile: directory.appendingPathComponent("dead-letters.jsonl").path,
            encoding: .utf8
        ).split(separator: "\n").map { jsonObject(Array($0.utf8))! }

        // Brute force: replay the raw events in arrival order, keeping every accepted event.
        var accepted: [RawEvent] = []
        var maxTime = Int64.min
        var expected: [Int: [String: Double?]] = [:]
        var expectedDead: [Int] = []
        for event in events {
            maxTime = max(maxTime, event.time)
            let minuteStart = event.time - ((event.time % 60_000) + 60_000) % 60_000
            // The tumbling window [start, start + 1m) is closed once max time − 20 s ≥ its end.
            if maxTime - 20_000 >= minuteStart + 60_000 {
                expectedDead.append(event.id)
                continue
            }
            // The sliding window (t − 5m, t] is late when t < max time (no lateness allowed): dropped, values NaN.
            let slidingLate = event.time < maxTime
            accepted.append(event)
            let sameMinute = accepted.filter {
                $0.card == event.card && $0.time >= minuteStart && $0.time < minuteStart + 60_000
            }
            var values: [String: Double?] = [
                "per_minute.n": Double(sameMinute.count),
                "per_minute.total": sameMinute.reduce(0) { $0 + $1.amount },
                "per_minute.top": sameMinute.map(\.amount).max()!,
            ]
            if slidingLate {
                values["last_5m.n"] = .some(nil)
                values["last_5m.avg"] = .some(nil)
            } else {
                let lookback = accepted.filter {
                    $0.card == event.card && $0.time > event.time - 300_000 && $0.time <= event.time
                        && !$0.isSlidingLate(in: events, accepted: accepted)
                }
                values["last_5m.n"] = Double(lookback.count)
                values["last_5m.avg"] = lookback.reduce(0) { $0 + $1.amount } / Double(lookback.count)
            }
            expected[event.id] = values
        }
        #expect(
            deadLetters.compactMap { ($0["reason"] as? String) == "late_event" ? $0["offset"] as? Int : nil }
                == expectedDead, "late events dead-lettered for the tumbling window")
        #expect(outputs.count == events.count - expectedDead.count)
        let slidingLate = events.count - expectedDead.count - expected.values.filter { $0["last_5m.n"]! != nil }.count
        #expect(pipeline.metrics.lateEventsByWindow["per_minute"] == expectedDead.count)
        #expect(pipeline.metrics.lateEventsByWindow["last_5m", default: 0] >= slidingLate)
        for output in outputs {
            let id = output["event_id"] as! Int
            let want = try #require(expected[id])
            for (name, value) in want {
                let got = output[name]
                if let value = value {
                    let number = (got as? NSNumber)?.doubleValue ?? .nan
                    #expect(
                        abs(number - value) <= 1e-9 * max(1, abs(value)), "event \(id) \(name): \(number) vs \(value)")
                } else {
                    #expect(got is NSNull, "event \(id) \(name) is missing for a late event")
                }
            }
        }
    }
}

extension WindowPipelineTests.RawEvent {
    /// Whether this accepted event was itself late for the sliding window (and so never entered it).
    func isSlidingLate(in events: [WindowPipelineTests.RawEvent], accepted: [WindowPipelineTests.RawEvent]) -> Bool {
        var maxTime = Int64.min
        for event in events {
            if event.id == id { return time < maxTime }
            maxTime = max(maxTime, event.time)
        }
        return false
    }
}

/// SplitMix64, seeded, for reproducible test streams.
struct SeededRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
