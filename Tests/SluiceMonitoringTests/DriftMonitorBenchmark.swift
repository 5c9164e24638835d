import Foundation
import Testing

import SluiceMonitoring

/// Timing harness for `docs/drift.md`, not a timed test: it only runs with SLUICE_MONITORING_BENCH set,
/// and only means something in a release build:
///
///     SLUICE_MONITORING_BENCH=1 swift test -c release -Xswiftc -enable-testing \
///         --filter SluiceMonitoringTests.DriftMonitorBenchmark
@Suite("Drift monitor timing", .enabled(if: ProcessInfo.processInfo.environment["SLUICE_MONITORING_BENCH"] != nil))
struct DriftMonitorBenchmark {
    static let featureCount = 20
    static let ringSize = 1 << 16

    static let profile: ReferenceProfile = {
        var rng = SyntheticStream(seed: 77)
        var b = ReferenceProfileBuilder(name: "bench")
        let handles = (0..<featureCount).map { b.numericFeature("f\($0)") }
        for _ in 0..<50_000 {
            for h in handles { b.add(rng.normal(), to: h) }
        }
        return try! b.build()
    }()

    /// Pre-drawn values so that the loop times the monitor, not the generator.
    static let values: [Double] = {
        var rng = SyntheticStream(seed: 78)
        return (0..<(ringSize * featureCount)).map { _ in rng.normal(mean: 0.05) }
    }()

    static func threadCPUNanoseconds() -> Int64 {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Int64(t.tv_sec) * 1_000_000_000 + Int64(t.tv_nsec)
    }

    /// ns per event for `events` events of `featureCount` values each.
    static func nanosecondsPerEvent(
        events: Int, windowEvents: Int, statistics: Set<DriftStatistic>, ksMethod: DriftStatistics.KSMethod
    ) throws -> (Double, Int) {
        let config = DriftMonitorConfiguration(
            topology: "bench", model: "m", numericFeatures: (0..<featureCount).map { "f\($0)" },
            windowEvents: windowEvents, statistics: statistics, ksMethod: ksMethod)
        let monitor = try DriftMonitor(configuration: config, profile: profile)
        let slots = (0..<featureCount).map { monitor.slot(numericFeature: "f\($0)")! }
        var alerts = 0
        // Thread CPU time, not wall time: the machine is shared, and a descheduled thread accrues none.
        let start = threadCPUNanoseconds()
        values.withUnsafeBufferPointer { v in
            var offset = 0
            for e in 0..<events {
                for (k, slot) in slots.enumerated() { monitor.record(v[offset + k], at: slot) }
                offset += featureCount
                if offset == v.count { offset = 0 }
                if monitor.endEvent(eventTimeMs: Int64(e)) { alerts += monitor.drainAlerts().count }
            }
        }
        return (Double(threadCPUNanoseconds() - start) / Double(events), alerts)
    }

    @Test func costPerEventOfMonitoringTwentyFeatures() throws {
        let events = 2_000_000
        let defaults: Set<DriftStatistic> = [.psi, .ksPValue, .jensenShannon, .wasserstein]
        if ProcessInfo.processInfo.environment["SLUICE_MONITORING_BENCH"] == "profile" {
            // Only the default configuration, long enough for `perf record`.
            let (ns, _) = try Self.nanosecondsPerEvent(
                events: 5_000_000, windowEvents: 10_000, statistics: defaults, ksMethod: .asymptotic)
            print("default configuration: \(ns) ns/event")
            return
        }
        _ = try Self.nanosecondsPerEvent(
            events: 200_000, windowEvents: 10_000, statistics: defaults, ksMethod: .asymptotic)
        let (recordOnly, _) = try Self.nanosecondsPerEvent(
            events: events, windowEvents: Int.max, statistics: defaults, ksMethod: .asymptotic)
        let (withWindows, alerts) = try Self.nanosecondsPerEvent(
            events: events, windowEvents: 10_000, statistics: defaults, ksMethod: .asymptotic)
        let (exactKS, _) = try Self.nanosecondsPerEvent(
            events: 500_000, windowEvents: 10_000, statistics: defaults, ksMethod: .auto)
        let (psiOnly, _) = try Self.nanosecondsPerEvent(
            events: events, windowEvents: 10_000, statistics: [.psi, .jensenShannon], ksMethod: .asymptotic)
        func f(_ x: Double) -> String { String(format: "%.1f", x) }
        print(
            """
            drift monitor, \(Self.featureCount) numeric features, sample capacity 1000, reference sample 5000:
              record + endEvent, no window closes:            \(f(recordOnly)) ns/event
              windows of 10,000 events, PSI+KS(asymp)+JS+W1:  \(f(withWindows)) ns/event \
            (window evaluation \(f((withWindows - recordOnly) * 10_000 / 1_000)) µs per window)
              windows of 10,000 events, PSI+JS only:          \(f(psiOnly)) ns/event
              windows of 10,000 events, KS method auto (exact): \(f(exactKS)) ns/event \
            (window evaluation \(f((exactKS - recordOnly) * 10_000 / 1_000)) µs per window)
              alerts raised (0.05σ shift on every feature): \(alerts)
            """)
        #expect(recordOnly > 0)
    }
}
