import Dispatch
import Foundation
import SluiceTelemetry
import Testing

/// What metrics cost the pipeline, printed rather than asserted (timings on a shared 2-core machine are no
/// pass-or-fail matter; docs/metrics.md quotes them). Run in release:
///
///     SLUICE_PERF=1 swift test -c release -Xswiftc -enable-testing --filter MetricsCostTests
///
/// Each per-operation number is the best of 30 batches, in nanoseconds.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SLUICE_PERF"] == "1"))
struct MetricsCostTests {
    static func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    }

    /// Best nanoseconds per call of `body` over 30 batches of `iterations / 30`.
    @discardableResult
    static func measure(_ name: String, iterations: Int, _ body: () -> Void) -> Double {
        for _ in 0..<(iterations / 100) { body() }
        let clock = ContinuousClock()
        var best = Double.infinity
        let batch = iterations / 30
        for _ in 0..<30 {
            let start = clock.now
            for _ in 0..<batch { body() }
            best = min(best, nanoseconds(clock.now - start) / Double(batch))
        }
        print("perf: \(name): \(String(format: best < 10 ? "%.2f" : "%.0f", best)) ns")
        return best
    }

    /// The label sets of a busy process: 64 partitions, eight stages, three models, twenty drift statistics.
    static func populatedRegistry() -> MetricRegistry {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry)
        SluiceMetricsTests.exercise(metrics)
        for partition in Int32(0)..<64 {
            metrics.consumerLag(topic: "transactions", partition: partition).set(Int(partition) * 17)
        }
        for stage in ["decode", "validate", "window", "features", "score", "shadow", "monitor", "produce"] {
            metrics.stageLatency(stage: stage).observe(0.000_001, count: 1_000)
        }
        for model in ["fraud-v3", "fraud-v4", "fraud-lgbm-v5"] {
            metrics.modelLatency(model: model).observe(0.000_002)
        }
        for feature in 0..<20 {
            metrics.driftStatistic(model: "fraud-v3", feature: "feature_\(feature)", statistic: "psi").set(0.01)
        }
        for window in ["card_10m", "card_1h", "merchant_5m"] {
            metrics.windowKeys(window: window).set(40_000)
        }
        return registry
    }

    @Test func handleUpdates() {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        let counter = metrics.eventsConsumed(topic: "transactions")
        let gauge = metrics.inflightEvents
        let histogram = metrics.stageLatency(stage: "decode")
        Self.measure("counter increment(by:)", iterations: 30_000_000) { counter.increment(by: 64) }
        var level = 0
        Self.measure("gauge set(_:)", iterations: 30_000_000) {
            // A changing value: stores of one constant could be merged by the optimizer.
            gauge.set(level)
            level &+= 1
        }
        var value = 0.000_000_1
        Self.measure("histogram observe(_:) (16 buckets)", iterations: 10_000_000) {
            histogram.observe(value)
            value = value < 0.05 ? value * 1.7 : 0.000_000_1
        }
        Self.measure("labels lookup eventsConsumed(topic:) (resolve, not per event)", iterations: 1_000_000) {
            _ = metrics.eventsConsumed(topic: "transactions")
        }

        // Both cores on one counter: the cache line moves between them on every add.
        let perThread = 10_000_000
        let start = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            for _ in 0..<perThread { counter.increment(by: 1) }
        }
        let contended = Self.nanoseconds(ContinuousClock.now - start) / Double(perThread)
        print(
            "perf: counter increment, 2 threads on one counter: \(String(format: "%.1f", contended)) ns per add per thread"
        )
        #expect(counter.value > Double(2 * perThread))
    }

    @Test func renderingTheExposition() throws {
        let registry = Self.populatedRegistry()
        let bytes = registry.render()
        let parsed = try PrometheusExposition(String(decoding: bytes, as: UTF8.self))
        let samples = parsed.families.values.reduce(0) { $0 + $1.samples.count }
        print("perf: exposition: \(parsed.families.count) families, \(samples) samples, \(bytes.count) bytes")
        let withProcess = Self.measure("render /metrics (with /proc reads)", iterations: 3_000) {
            _ = registry.render()
        }
        let bare = MetricRegistry()
        let metrics = SluiceMetrics(registry: bare, includesProcessMetrics: false)
        SluiceMetricsTests.exercise(metrics)
        for partition in Int32(0)..<64 { metrics.consumerLag(topic: "transactions", partition: partition).set(1) }
        Self.measure("render /metrics without process metrics", iterations: 3_000) { _ = bare.render() }
        #expect(withProcess > 0)
    }

    @Test func scrapingOverLoopback() throws {
        let server = try startedServer(registry: Self.populatedRegistry())
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        let request = Array("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".utf8)
        for _ in 0..<50 {
            try client.send(request)
            _ = try client.readReply()
        }
        let rounds = 500
        let start = ContinuousClock.now
        for _ in 0..<rounds {
            try client.send(request)
            #expect(try client.readReply().status == 200)
        }
        let microseconds = Self.nanoseconds(ContinuousClock.now - start) / Double(rounds) / 1_000
        print(
            "perf: GET /metrics over loopback, kept-alive connection: \(String(format: "%.0f", microseconds)) µs per scrape"
        )
    }
}
