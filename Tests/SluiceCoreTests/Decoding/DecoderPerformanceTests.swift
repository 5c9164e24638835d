import Foundation
import SluiceCore
import Testing

/// Speed of the decoding stage, printed rather than asserted (timings on a shared machine are not a pass
/// or fail matter). Run in release:
///
///     SLUICE_PERF=1 swift test -c release --filter DecoderPerformanceTests
///
/// Each number is the best of 30 batches, in nanoseconds per call on one core.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SLUICE_PERF"] == "1"))
struct DecoderPerformanceTests {
    static let smallEvent =
        #"{"event_id":"e000000001","card_id":"card-001234","amount":123.45,"mcc":"5411","country":"US","ts":1700000000000}"#
    static let smallPaths = ["event_id", "card_id", "amount", "mcc", "country", "ts"]

    /// About 1 KB: 40 members of every kind, nested objects and arrays among them.
    static let largeEvent: String = {
        var text = "{"
        for index in 0..<40 {
            if index > 0 { text += "," }
            switch index % 5 {
            case 0: text += "\"field_\(index)\":\"value-\(index)-abcdefghijklmn\""
            case 1: text += "\"metric_\(index)\":\(Double(index) * 1.2345)"
            case 2: text += "\"count_\(index)\":\(index * 1_000_003)"
            case 3: text += "\"flag_\(index)\":\(index % 2 == 0)"
            default: text += "\"nested_\(index)\":{\"a\":[1,2,3],\"b\":\"x\"}"
            }
        }
        return text + "}"
    }()
    static let largePaths = ["field_0", "metric_11", "count_22", "flag_33", "field_35", "nested_39.b"]

    /// Best nanoseconds per call of `body` over 30 batches of `iterations / 30`.
    static func measure(_ name: String, bytes: Int, iterations: Int, _ body: () -> Void) {
        for _ in 0..<(iterations / 100) { body() }
        let clock = ContinuousClock()
        var best = Double.infinity
        let batch = iterations / 30
        for _ in 0..<30 {
            let start = clock.now
            for _ in 0..<batch { body() }
            let elapsed = clock.now - start
            let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
            best = min(best, nanoseconds / Double(batch))
        }
        print("perf: \(name) (\(bytes) bytes): \(String(format: "%.0f", best)) ns")
    }

    static func measureDecode(_ name: String, text: String, paths: [String], iterations: Int) throws {
        let decoder = try EventDecoder(paths: paths)
        let fields = decoder.makeFields()
        let bytes = Array(text.utf8)
        try bytes.withUnsafeBytes { buffer in
            try decoder.decode(buffer, into: fields)
            for index in 0..<fields.count { #expect(fields.isPresent(at: index), "\(paths[index])") }
            measure(name, bytes: bytes.count, iterations: iterations) {
                try! decoder.decode(buffer, into: fields)
            }
        }
    }

    @Test func decodeSmallEvent() throws {
        try Self.measureDecode(
            "decode 6 of 6 fields", text: Self.smallEvent, paths: Self.smallPaths, iterations: 3_000_000)
    }

    @Test func decodeSmallEventWithSeventeenDigitAmount() throws {
        let text = Self.smallEvent.replacingOccurrences(of: "123.45", with: "0.30000000000000004")
        try Self.measureDecode(
            "decode 6 of 6 fields, 17-digit amount", text: text, paths: Self.smallPaths,
            iterations: 3_000_000)
    }

    @Test func validateSmallEventOnly() throws {
        try Self.measureDecode("validate only (no fields)", text: Self.smallEvent, paths: [], iterations: 3_000_000)
    }

    @Test func decodeLargeEvent() throws {
        try Self.measureDecode(
            "decode 6 of 40 fields", text: Self.largeEvent, paths: Self.largePaths, iterations: 600_000)
    }

    @Test func parseTimestamp() {
        let bytes = Array("2024-05-01T12:34:56.789+02:00".utf8)
        bytes.withUnsafeBytes { buffer in
            Self.measure("ISO-8601 timestamp", bytes: bytes.count, iterations: 3_000_000) {
                _ = try! ISO8601Timestamp.epochMilliseconds(buffer)
            }
        }
    }

    @Test func writePrediction() {
        let writer = JSONWriter()
        func write() {
            writer.reset()
            writer.beginObject()
            writer.key("event_id")
            writer.string("e000000001")
            writer.key("model")
            writer.string("fraud-v3")
            writer.key("score")
            writer.double(0.8125347891)
            writer.key("ts")
            writer.int64(1_700_000_000_000)
            writer.endObject()
        }
        write()
        Self.measure("write a prediction object", bytes: writer.count, iterations: 3_000_000, write)
    }
}

/// A mixed workload for checking that nothing allocates per event: run it under valgrind with a small and
/// a large number of rounds and compare the heap totals (see docs/decoding.md).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_ALLOC_ROUNDS"] != nil))
struct DecoderAllocationProbe {
    @Test func mixedWorkload() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SLUICE_ALLOC_ROUNDS"] ?? "") ?? 1
        let decoder = try EventDecoder(paths: ["event_id", "card_id", "amount", "mcc", "ts", "payload.x", "esc"])
        let fields = decoder.makeFields()
        let events = [
            DecoderPerformanceTests.smallEvent,
            #"{"event_id":"e\u00e9\n","card_id":"c","amount":0.30000000000000004,"ts":1e300}"#,
            #"{"amount":1.2345678901234567e-200,"payload":{"x":[1,{"y":"\ud83d\ude00"}]},"esc":"a\tb"}"#,
            #"{"event_id":"x","amount":01}"#, "[1,2,3]", #"{"payload":{"x":"\x"}}"#, #"{"a":1e400}"#, "{",
        ].map { Array($0.utf8) }
        let writer = JSONWriter()
        let timestamps = ["2024-05-01T12:34:56.789+02:00", "2024-02-30T12:34:56Z"].map { Array($0.utf8) }
        var outcomes = [0, 0]
        for _ in 0..<rounds {
            for event in events {
                event.withUnsafeBytes { buffer in
                    do throws(DecodeError) {
                        try decoder.decode(buffer, into: fields)
                        outcomes[0] += 1
                    } catch {
                        outcomes[1] += error.offset >= 0 ? 1 : 0
                    }
                }
            }
            writer.reset()
            writer.beginObject()
            writer.key("score")
            writer.double(0.30000000000000004)
            writer.key("id")
            writer.string("é\u{1}x")
            writer.key("n")
            writer.int64(-42)
            writer.endObject()
            for timestamp in timestamps {
                timestamp.withUnsafeBytes { _ = try? ISO8601Timestamp.epochMilliseconds($0) }
            }
        }
        #expect(outcomes == [3 * rounds, 5 * rounds])
    }
}
