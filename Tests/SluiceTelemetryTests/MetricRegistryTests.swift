import Dispatch
import Foundation
import Metrics
import Testing

@testable import SluiceTelemetry

@Suite struct MetricRegistryTests {
    private func exposition(_ registry: MetricRegistry) throws -> PrometheusExposition {
        try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
    }

    @Test func countersGaugesAndHistogramsRenderTheValuesRecorded() throws {
        let registry = MetricRegistry()
        let counter = registry.counter("test_requests_total", help: "Requests.", labelNames: ["route"])
        counter.labels("/a").increment(by: 3)
        counter.labels("/a").increment()
        counter.labels("/b").increment(by: 7)
        let gauge = registry.gauge("test_temperature", help: "Degrees.").labels()
        gauge.set(21.5)
        gauge.add(-1.25)
        let bounds = [0.001, 0.01, 0.1, 1]
        let histogram = registry.histogram("test_latency_seconds", help: "Latency.", buckets: bounds).labels()
        let observations = [0.0005, 0.001, 0.002, 0.05, 0.05, 0.7, 3.0, 0.0, 0.1]
        for value in observations { histogram.observe(value) }
        histogram.observe(0.02, count: 4)

        let parsed = try exposition(registry)
        #expect(parsed.families["test_requests_total"]?.type == "counter")
        #expect(parsed.families["test_requests_total"]?.help == "Requests.")
        #expect(parsed.value("test_requests_total", ["route": "/a"]) == 4)
        #expect(parsed.value("test_requests_total", ["route": "/b"]) == 7)
        #expect(parsed.value("test_temperature") == 20.25)

        // Cumulative bucket counts, counted directly from the observations.
        let all = observations + Array(repeating: 0.02, count: 4)
        for bound in bounds {
            let expected = Double(all.filter { $0 <= bound }.count)
            #expect(parsed.value("test_latency_seconds_bucket", ["le": PrometheusText.boundText(bound)]) == expected)
        }
        #expect(parsed.value("test_latency_seconds_bucket", ["le": "+Inf"]) == Double(all.count))
        #expect(parsed.value("test_latency_seconds_count") == Double(all.count))
        let sum = try #require(parsed.value("test_latency_seconds_sum"))
        #expect(abs(sum - all.reduce(0, +)) < 1e-12)
    }

    @Test func familiesRenderSortedWithHelpAndTypeEvenWithoutSeries() throws {
        let registry = MetricRegistry()
        _ = registry.gauge("zeta_things", help: "Z.", labelNames: ["kind"])
        _ = registry.counter("alpha_events_total", help: "A.", labelNames: ["kind"])
        let text = String(decoding: registry.render(), as: UTF8.self)
        #expect(
            text == """
                # HELP alpha_events_total A.
                # TYPE alpha_events_total counter
                # HELP zeta_things Z.
                # TYPE zeta_things gauge

                """)
        #expect(registry.familyNames == ["alpha_events_total", "zeta_things"])
    }

    @Test func labelValuesAndHelpAreEscapedAndReadBack() throws {
        let registry = MetricRegistry()
        let tricky = "quote \" backslash \\ newline \n unicode ü ✓"
        registry.counter("test_escapes_total", help: "Help with \\ and\nnewline.", labelNames: ["value"])
            .labels(tricky).increment(by: 2)
        let parsed = try exposition(registry)
        #expect(parsed.value("test_escapes_total", ["value": tricky]) == 2)
        #expect(parsed.families["test_escapes_total"]?.help == "Help with \\ and\nnewline.")
    }

    @Test func specialValuesUseThePrometheusSpelling() throws {
        let registry = MetricRegistry()
        let family = registry.gauge("test_special", help: "S.", labelNames: ["case"])
        family.labels("inf").set(.infinity)
        family.labels("neg").set(-.infinity)
        family.labels("nan").set(.nan)
        family.labels("small").set(2.5e-7)
        family.labels("big").set(12_345_678_901)
        let text = String(decoding: registry.render(), as: UTF8.self)
        #expect(text.contains("test_special{case=\"inf\"} +Inf\n"))
        #expect(text.contains("test_special{case=\"neg\"} -Inf\n"))
        #expect(text.contains("test_special{case=\"nan\"} NaN\n"))
        #expect(text.contains("test_special{case=\"big\"} 12345678901\n"))
        let parsed = try PrometheusExposition(text)
        #expect(parsed.value("test_special", ["case": "small"]) == 2.5e-7)
    }

    @Test func removedSeriesStopRendering() throws {
        let registry = MetricRegistry()
        let family = registry.gauge("test_lag", help: "Lag.", labelNames: ["partition"])
        family.labels("0").set(5)
        family.labels("1").set(6)
        #expect(family.remove("0"))
        #expect(!family.remove("0"))
        let parsed = try exposition(registry)
        #expect(parsed.value("test_lag", ["partition": "0"]) == nil)
        #expect(parsed.value("test_lag", ["partition": "1"]) == 6)
    }

    @Test func concurrentUpdatesAreNeverLost() throws {
        let registry = MetricRegistry()
        let counter = registry.counter("test_concurrent_total", help: "C.").labels()
        let histogram = registry.histogram("test_concurrent_seconds", help: "H.", buckets: [0.5, 1.5]).labels()
        let gauge = registry.gauge("test_concurrent_gauge", help: "G.").labels()
        let threads = 4
        let perThread = 50_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                counter.increment()
                histogram.observe(Double(index % 2))  // 0 → first bucket, 1 → second
                gauge.add(1)
            }
            _ = thread
        }
        let parsed = try exposition(registry)
        let total = Double(threads * perThread)
        #expect(parsed.value("test_concurrent_total") == total)
        #expect(parsed.value("test_concurrent_seconds_count") == total)
        #expect(parsed.value("test_concurrent_seconds_bucket", ["le": "0.5"]) == total / 2)
        #expect(parsed.value("test_concurrent_seconds_sum") == total / 2)
        #expect(parsed.value("test_concurrent_gauge") == total)
    }

    @Test func concurrentResolutionOfTheSameLabelsGivesOneSeries() throws {
        let registry = MetricRegistry()
        let family = registry.counter("test_resolve_total", help: "R.", labelNames: ["topic"])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for index in 0..<200 {
                family.labels("topic-\(index % 10)").increment()
            }
        }
        let parsed = try exposition(registry)
        #expect(parsed.families["test_resolve_total"]?.samples.count == 10)
        for index in 0..<10 {
            #expect(parsed.value("test_resolve_total", ["topic": "topic-\(index)"]) == 160)
        }
    }

    /// Counts bucketed elsewhere (the pipeline's lock-free latency histogram) render as if each value had been
    /// observed here: exactly with the same bounds, at the bucket holding the source bucket's bound otherwise.
    @Test func addedBucketCountsRenderLikeTheObservationsTheyCount() throws {
        let registry = MetricRegistry()
        let bounds = SluiceMetrics.endToEndLatencyBuckets
        let observed = registry.histogram("test_observed_seconds", help: "O.", buckets: bounds).labels()
        let added = registry.histogram("test_added_seconds", help: "A.", buckets: bounds).labels()
        var generator = SplitMix64(seed: 9)
        let values = (0..<5_000).map { _ in pow(10, -4.5 + 5.5 * generator.nextUnit()) }
        for value in values { observed.observe(value) }
        // Bucketed apart, in three parts, the way the sampler copies each second's difference.
        for part in 0..<3 {
            var counts = [Int](repeating: 0, count: bounds.count + 1)
            var sum = 0.0
            for (index, value) in values.enumerated() where index % 3 == part {
                counts[bounds.firstIndex { value <= $0 } ?? bounds.count] += 1
                sum += value
            }
            added.add(bucketCounts: counts, upperBounds: bounds, sum: sum)
        }
        added.add(bucketCounts: [Int](repeating: 0, count: bounds.count + 1), upperBounds: bounds, sum: 0)
        #expect(added.snapshot().bucketCounts == observed.snapshot().bucketCounts)
        #expect(abs(added.snapshot().sum - observed.snapshot().sum) < 1e-9)
        let parsed = try exposition(registry)
        #expect(parsed.value("test_added_seconds_count") == Double(values.count))

        // Coarser bounds: (0.001, 0.01] holds bound 0.005 of the source, (0.01, +Inf) holds 10 and the overflow.
        let coarse = registry.histogram("test_coarse_seconds", help: "C.", buckets: [0.001, 0.01]).labels()
        coarse.add(bucketCounts: [1, 2, 3], upperBounds: [0.0005, 0.005], sum: 1.5)
        #expect(coarse.snapshot().bucketCounts == [1, 2, 3])
        coarse.add(bucketCounts: [0, 4, 5], upperBounds: [0.005, 10], sum: 2)
        #expect(coarse.snapshot().bucketCounts == [1, 2, 12])
        #expect(coarse.snapshot().sum == 3.5)
    }

    @Test func quantilesFallInTheBucketOfTheTrueQuantile() throws {
        let registry = MetricRegistry()
        let bounds = SluiceMetrics.stageLatencyBuckets
        let histogram = registry.histogram("test_quantiles_seconds", help: "Q.", buckets: bounds).labels()
        var generator = SplitMix64(seed: 42)
        // Log-uniform between 1 µs and 50 ms: every bucket of the stage preset gets observations.
        let values = (0..<20_000).map { _ in pow(10, -6 + 4.7 * generator.nextUnit()) }
        for value in values { histogram.observe(value) }
        let sorted = values.sorted()
        let snapshot = histogram.snapshot()
        #expect(snapshot.count == values.count)
        for q in [0.01, 0.25, 0.5, 0.9, 0.99, 0.999] {
            let truth = sorted[min(Int((q * Double(sorted.count)).rounded(.up)) - 1, sorted.count - 1)]
            let bucket = bounds.firstIndex { truth <= $0 }!
            let lower = bucket == 0 ? 0 : bounds[bucket - 1]
            let estimate = try #require(snapshot.quantile(q))
            #expect(
                estimate >= lower && estimate <= bounds[bucket],
                "q=\(q): \(estimate) outside (\(lower), \(bounds[bucket])]")
        }
        #expect(HistogramSnapshot(upperBounds: [1], bucketCounts: [0, 0], sum: 0).quantile(0.5) == nil)
    }

    @Test func swiftMetricsTypesEndUpInTheRegistry() throws {
        let registry = MetricRegistry()
        withMetricsFactory(registry) {
            Counter(label: "lib.requests", dimensions: [("method", "GET"), ("0bad-name", "x")]).increment(by: 5)
            FloatingPointCounter(label: "lib_bytes_total").increment(by: 2.5)
            Gauge(label: "lib_queue_depth").record(17)
            Meter(label: "lib_connections").set(3)
            Recorder(label: "lib_payload_size", aggregate: true).record(0.3)
            Timer(label: "lib_call_seconds", dimensions: [("call", "x")]).recordNanoseconds(2_000_000)
        }
        let parsed = try exposition(registry)
        #expect(parsed.families["lib_requests"]?.type == "counter")
        #expect(parsed.value("lib_requests", ["method": "GET", "_bad_name": "x"]) == 5)
        #expect(parsed.value("lib_bytes_total") == 2.5)
        #expect(parsed.value("lib_queue_depth") == 17)
        #expect(parsed.value("lib_connections") == 3)
        #expect(parsed.families["lib_payload_size"]?.type == "histogram")
        #expect(parsed.value("lib_payload_size_bucket", ["le": "0.5"]) == 1)
        #expect(parsed.value("lib_call_seconds_count", ["call": "x"]) == 1)
        #expect(parsed.value("lib_call_seconds_sum", ["call": "x"]) == 0.002)
        #expect(parsed.value("lib_call_seconds_bucket", ["call": "x", "le": "0.0025"]) == 1)
        #expect(parsed.value("lib_call_seconds_bucket", ["call": "x", "le": "0.001"]) == 0)
    }

    @Test func swiftMetricsNameClashesNeitherCrashNorCorruptTheExposition() throws {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        metrics.commits.increment(by: 2)
        withMetricsFactory(registry) {
            // Same name, another type: a working handle that is not exported.
            Gauge(label: "sluice_commits_total").record(99)
            Timer(label: "sluice_commits_total").recordNanoseconds(5)
            // Same name and type: the same series.
            Counter(label: "sluice_commits_total").increment(by: 3)
        }
        let parsed = try exposition(registry)
        #expect(parsed.families["sluice_commits_total"]?.type == "counter")
        #expect(parsed.families["sluice_commits_total"]?.help == "Offset commits made by the runtime.")
        #expect(parsed.value("sluice_commits_total") == 5)
    }

    @Test func destroyedSwiftMetricsHandlesStopRendering() throws {
        let registry = MetricRegistry()
        withMetricsFactory(registry) {
            let counter = Counter(label: "lib_short_lived_total", dimensions: [("id", "1")])
            counter.increment()
            let timer = Timer(label: "lib_short_lived_seconds")
            timer.recordSeconds(1)
            #expect(try! exposition(registry).value("lib_short_lived_total", ["id": "1"]) == 1)
            counter.destroy()
            timer.destroy()
        }
        let parsed = try exposition(registry)
        #expect(parsed.value("lib_short_lived_total", ["id": "1"]) == nil)
        #expect(parsed.value("lib_short_lived_seconds_count") == nil)
    }

    @Test func bootstrappingMakesProcessWideSwiftMetricsVisible() throws {
        let registry = MetricRegistry.shared
        // This is the only test that bootstraps; a second call must be refused without stopping the process.
        #expect(registry.bootstrapMetricsSystem())
        #expect(!registry.bootstrapMetricsSystem())
        #expect(!MetricRegistry().bootstrapMetricsSystem())
        Counter(label: "test_bootstrap_total").increment(by: 4)
        #expect(try exposition(registry).value("test_bootstrap_total") == 4)
    }

    @Test func processMetricsMatchProc() throws {
        let registry = MetricRegistry()
        registry.registerProcessMetrics()
        registry.registerProcessMetrics()
        let parsed = try exposition(registry)
        #expect(parsed.families["process_cpu_seconds_total"]?.type == "counter")
        let cpu = try #require(parsed.value("process_cpu_seconds_total"))
        #expect(cpu > 0)
        // Independent reading: getrusage, not /proc.
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        let rusageSeconds =
            Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        #expect(abs(cpu - rusageSeconds) < 0.5)
        let resident = try #require(parsed.value("process_resident_memory_bytes"))
        let statm = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8).split(separator: " ")
        let residentPages = try #require(Double(statm[1]))
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))
        #expect(abs(resident - residentPages * pageSize) < 64 * 1024 * 1024)
        let start = try #require(parsed.value("process_start_time_seconds"))
        #expect(abs(start - Date().timeIntervalSince1970) < 24 * 3600)
        #expect(try #require(parsed.value("process_open_fds")) > 2)
        #expect(try #require(parsed.value("process_threads")) >= 1)
        #expect(parsed.families.keys.filter { $0 == "process_cpu_seconds_total" }.count == 1)
    }

    @Test func textPrimitivesMatchTheFormat() {
        #expect(PrometheusText.sanitizedMetricName("http.requests-total") == "http_requests_total")
        #expect(PrometheusText.sanitizedMetricName("9lives") == "_lives")
        #expect(PrometheusText.sanitizedMetricName("a:b_c9") == "a:b_c9")
        #expect(PrometheusText.sanitizedLabelName("a:b") == "a_b")
        for value in [0, 7, -7, 10, 1_234_567, Int.max, Int.min + 1] {
            var bytes: [UInt8] = []
            PrometheusText.appendInteger(value, to: &bytes)
            #expect(String(decoding: bytes, as: UTF8.self) == String(value))
        }
        #expect(PrometheusText.boundText(0.000_001) == "1e-06")
        #expect(PrometheusText.boundText(2.5) == "2.5")
        #expect(PrometheusText.boundText(10) == "10")
    }
}

/// A small deterministic generator, so that failures reproduce.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    mutating func nextUnit() -> Double {
        Double(next() >> 11) / Double(1 << 53)
    }
}
