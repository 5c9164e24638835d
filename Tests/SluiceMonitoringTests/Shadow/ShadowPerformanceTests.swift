import Foundation
import Testing

import SluiceMonitoring

/// Timing harness for `docs/shadow.md`, not a timed test: it runs only with SLUICE_PERF set and only
/// means something in a release build:
///
///     SLUICE_PERF=1 swift test -c release -Xswiftc -enable-testing --filter SluiceMonitoringTests.ShadowPerformance
@Suite("Shadow and label timing", .enabled(if: ProcessInfo.processInfo.environment["SLUICE_PERF"] != nil))
struct ShadowPerformance {
    static let idCount = 1 << 20
    static let idLength = 36

    /// UUID-shaped ids, back to back, so that the loop times the joiner and not string building.
    static let ids: [UInt8] = {
        var rng = SyntheticStream(seed: 41)
        let hex = Array("0123456789abcdef".utf8)
        var bytes = [UInt8]()
        bytes.reserveCapacity(idCount * idLength)
        for _ in 0..<idCount {
            for k in 0..<idLength {
                bytes.append([8, 13, 18, 23].contains(k) ? UInt8(ascii: "-") : hex[Int(rng.uniform() * 16)])
            }
        }
        return bytes
    }()

    static let scores: [Double] = {
        var rng = SyntheticStream(seed: 42)
        return (0..<(1 << 16)).map { _ in 1 / (1 + exp(-rng.normal(mean: -1, sd: 1.5))) }
    }()

    static func threadCPUNanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// ns per event of `body(event index)` over `events` events (thread CPU time: the machine is shared).
    static func timed(_ events: Int, _ body: (Int) -> Void) -> Double {
        let start = threadCPUNanoseconds()
        for e in 0..<events { body(e) }
        return Double(threadCPUNanoseconds() - start) / Double(events)
    }

    @Test func perEventCostOfShadowComparisonAndLabelJoiner() throws {
        let events = 4_000_000
        let mask = Self.scores.count - 1
        let comparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(primaryModel: "p", shadowModel: "s"))
        let scores = Self.scores
        func record(_ e: Int) {
            let p = scores[e & mask]
            let s = scores[(e &* 7 &+ 3) & mask]
            comparison.record(
                primaryScore: p, shadowScore: s, primaryDecision: p >= 0.5 ? 1 : 0, shadowDecision: s >= 0.5 ? 1 : 0,
                shadowLatencyNanoseconds: Int64(15_000 &+ (e & 1023) &* 37))
        }
        _ = Self.timed(200_000, record)
        let recordNs = Self.timed(events, record)

        /// ns per `remember` with a cap of `cap` pending events, past the cap (one eviction per event).
        func rememberCost(cap: Int) throws -> (Double, LabelJoinerSnapshot.Counters) {
            let joiner = try LabelJoiner(
                configuration: LabelJoinerConfiguration(
                    primaryModel: "p", shadowModels: ["s"], maximumPendingEvents: cap))
            let ns: Double = Self.ids.withUnsafeBytes { ids in
                var pair = [0.0, 0.0]
                return pair.withUnsafeMutableBufferPointer { pair in
                    func remember(_ e: Int) {
                        let k = e & (Self.idCount - 1)
                        let id = UnsafeRawBufferPointer(
                            rebasing: ids[(k * Self.idLength)..<((k + 1) * Self.idLength)])
                        pair[0] = scores[e & mask]
                        pair[1] = scores[(e &* 7 &+ 3) & mask]
                        // 200,000 events per second of clock.
                        joiner.remember(
                            eventID: id, eventTimeMs: Int64(e / 200), scores: UnsafeBufferPointer(pair),
                            nowMs: Int64(e / 200))
                    }
                    _ = Self.timed(2 * cap, remember)  // past the cap: steady state evicts one per event
                    return Self.timed(events, { remember($0 &+ 2 * cap) })
                }
            }
            return (ns, joiner.counters)
        }
        let (rememberNs, counters) = try rememberCost(cap: 200_000)
        let (smallCapNs, _) = try rememberCost(cap: 20_000)

        // Both per event, then one label per event for an event scored 1,000 events earlier.
        let both = try LabelJoiner(configuration: LabelJoinerConfiguration(primaryModel: "p", shadowModels: ["s"]))
        let bothComparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(primaryModel: "p", shadowModel: "s"))
        let (combinedNs, withLabelNs): (Double, Double) = Self.ids.withUnsafeBytes { ids in
            var pair = [0.0, 0.0]
            return pair.withUnsafeMutableBufferPointer { pair in
                func id(_ e: Int) -> UnsafeRawBufferPointer {
                    let k = e & (Self.idCount - 1)
                    return UnsafeRawBufferPointer(rebasing: ids[(k * Self.idLength)..<((k + 1) * Self.idLength)])
                }
                func event(_ e: Int) {
                    let p = scores[e & mask]
                    let s = scores[(e &* 7 &+ 3) & mask]
                    bothComparison.record(
                        primaryScore: p, shadowScore: s, primaryDecision: p >= 0.5 ? 1 : 0,
                        shadowDecision: s >= 0.5 ? 1 : 0, shadowLatencyNanoseconds: Int64(15_000 &+ (e & 1023) &* 37))
                    pair[0] = p
                    pair[1] = s
                    both.remember(
                        eventID: id(e), eventTimeMs: Int64(e / 200), scores: UnsafeBufferPointer(pair),
                        nowMs: Int64(e / 200))
                }
                _ = Self.timed(400_000, event)
                let combined = Self.timed(events, { event($0 &+ 400_000) })
                let withLabel = Self.timed(events) { e in
                    let n = e &+ 400_000 &+ events
                    event(n)
                    both.label(eventID: id(n &- 1_000), outcome: scores[n & mask] > 0.7 ? 1 : 0, nowMs: Int64(n / 200))
                }
                return (combined, withLabel)
            }
        }

        // Reading, at full default windows.
        let snapshotStart = Self.threadCPUNanoseconds()
        let rounds = 20
        for _ in 0..<rounds { _ = bothComparison.snapshot() }
        let comparisonSnapshotUs = Double(Self.threadCPUNanoseconds() - snapshotStart) / Double(rounds) / 1_000
        let joinerStart = Self.threadCPUNanoseconds()
        var last = both.snapshot()
        for _ in 1..<rounds { last = both.snapshot() }
        let joinerSnapshotUs = Double(Self.threadCPUNanoseconds() - joinerStart) / Double(rounds) / 1_000

        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        print(
            """
            shadow comparison + label joiner, release, thread CPU time, \(events) events per figure:
              ShadowComparison.record (window 10,000):                   \(f(recordNs)) ns/event
              LabelJoiner.remember (36-byte ids, 2 models, cap 200,000): \(f(rememberNs)) ns/event \
            (evicted \(counters.evictedEvents), pending \(counters.pendingEvents))
              LabelJoiner.remember, cap 20,000 (index fits in L2):      \(f(smallCapNs)) ns/event
              record + remember:                                         \(f(combinedNs)) ns/event
              record + remember + one label joined:                      \(f(withLabelNs)) ns/event \
            (joins \(last.counters.joinedOnLabel))
              ShadowComparison.snapshot (10,000 events):                 \(f(comparisonSnapshotUs)) µs
              LabelJoiner.snapshot (2 models, windows of 10,000 labels):  \(f(joinerSnapshotUs)) µs
              LabelJoiner memory at defaults (2 models):                 \(both.allocatedBytes / 1_000_000) MB
            """)
        #expect(last.counters.joinedOnLabel > 0)
        #expect(counters.evictedEvents > 0)
    }
}
