import ArgumentParser
import CRDKafka
import Foundation
import Histogram
import SluiceKafka
import SluiceRuntime

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Sluice's throughput and latency on this machine, against the embedded cluster.",
        discussion: """
            Starts an embedded Kafka cluster, preloads synthetic card-transaction \
            events (about 110 bytes of JSON each) spread over many partitions (the \
            embedded cluster keeps only about 5 MB per partition), and measures:

            raw loop: a minimal loop on librdkafka's C API (consume, produce a copy, \
            wait for delivery), the ceiling for everything else.

            passthrough: Sluice's runtime with an empty operator chain: lanes per \
            partition, outputs tracked to the broker's acknowledgement, offsets \
            committed only after delivery.

            validate, windows, lookups, demo: the same with more stages on, up to \
            the demo topology with every stage.

            latency: end-to-end latency percentiles (send, then output readable by \
            a downstream consumer) at a fixed input rate over --latency-partitions \
            partitions: the broker alone (producer straight to consumer), the \
            passthrough pipeline, and the demo topology; for the pipelines, also \
            the same latency cut where the pipeline handed each output to its \
            producer (send → produce, produce → readable).

            Results are printed as Markdown tables for docs/benchmarks.md.
            """
    )

    @Option(help: "Events to preload and move in the throughput runs.")
    var events: Int = 1_000_000

    @Option(help: "Partitions of the input and output topics.")
    var partitions: Int = 64

    @Option(help: "Rounds of every throughput run; the report gives the median and the range.")
    var rounds: Int = 3

    @Option(help: "Input rate of the latency run, in events per second.")
    var rate: Int = 50_000

    @Option(help: "Seconds the latency run records (after a 3-second warm-up).")
    var latencySeconds: Int = 10

    @Option(
        help: """
            Partitions of the latency runs' topics. The embedded cluster stores each producer batch as its own \
            record set and hands out one per partition per fetch, so at a given rate fewer partitions mean fewer, \
            larger batches and less waiting.
            """)
    var latencyPartitions: Int = 4

    @Option(
        help: """
            How long, in milliseconds, the pipeline's producer waits to batch outputs in the latency runs \
            (librdkafka's linger.ms; Sluice's default is 5). Lower is faster end to end and costs more, smaller \
            produce requests.
            """)
    var linger: Int = 5

    @Option(
        help: """
            How long, in milliseconds, the latency runs' event source (the upstream producer) waits to batch \
            events. Its wait counts in the measured latency; larger batches also cost the embedded broker less. \
            librdkafka's own default is 5.
            """)
    var sourceLinger: Int = 1

    @Flag(help: "Skip the raw librdkafka loop.")
    var skipRaw = false

    @Flag(help: "Skip the latency run.")
    var skipLatency = false

    @Option(help: "Distinct keys (cards) in the synthetic events.")
    var keys: Int = 100_000

    @Flag(help: "Skip the windows run.")
    var skipWindows = false

    @Flag(help: "Skip the passthrough run.")
    var skipPassthrough = false

    @Flag(help: "Skip the decode + validate run.")
    var skipValidate = false

    @Option(
        help: "Measure only this model file's scoring: single-row latency and batch rows/s on one core (with --rows).")
    var model: String?

    @Option(help: "With --model: a CSV of input rows (a header of feature names; an empty field is a missing value).")
    var rows: String?

    @Option(help: "With --model: seconds to spend measuring.")
    var modelSeconds: Double = 10

    @Flag(help: "Skip the lookups run (two reference-table lookups per event) and the table load.")
    var skipLookups = false

    @Option(help: "Rows of the card table the lookups run loads and joins (the events use --keys of them).")
    var tableRows: Int = 1_000_000

    @Flag(help: "Skip the runs of the demo topology (every stage on).")
    var skipDemo = false

    @Option(help: "The demo topology, for the all-stages runs.")
    var demoTopology: String = "topologies/demo.yaml"

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive") }
        guard (1...1024).contains(partitions) else { throw ValidationError("--partitions must be 1...1024") }
        guard events / partitions * 120 < 4_500_000 else {
            throw ValidationError(
                """
                \(events) events over \(partitions) partitions exceed the embedded cluster's ~5 MB per partition; \
                use more partitions (at least \(events * 120 / 4_500_000 + 1))
                """)
        }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard (model == nil) == (rows == nil) else { throw ValidationError("--model and --rows go together") }
        guard modelSeconds > 0 else { throw ValidationError("--model-seconds must be positive") }
        guard rate > 0, latencySeconds > 0 else {
            throw ValidationError("--rate and --latency-seconds must be positive")
        }
        guard (0...1_000).contains(linger) else {
            throw ValidationError("--linger must be 0...1000 milliseconds")
        }
        guard (0...1_000).contains(sourceLinger) else {
            throw ValidationError("--source-linger must be 0...1000 milliseconds")
        }
        guard (1...256).contains(latencyPartitions) else {
            throw ValidationError("--latency-partitions must be 1...256")
        }
    }

    func run() throws {
        if let model, let rows {
            let result: ModelBenchmarkResult
            do {
                result = try runModelBenchmark(modelPath: model, rowsPath: rows, seconds: modelSeconds)
            } catch {
                printError("sluice bench: \(error)")
                throw ExitCode(1)
            }
            printError(
                String(
                    format: "%@ (%@, %d features): %.2f µs per row single-row, %.2f M rows/s batch, one core; "
                        + "loaded in %.1f ms", model, result.format.rawValue, result.featureCount,
                    result.singleRowNanoseconds / 1000, result.batchRowsPerSecond / 1e6, result.loadMilliseconds))
            printOutput(result.json)
            return
        }
        let cluster = try EmbeddedKafkaCluster(logger: cliLogger(label: "sluice.bench.cluster"))
        let bootstrap = cluster.bootstrapServers
        let input = "bench-input"
        try cluster.createTopic(input, partitions: partitions)
        printError("preloading \(events) events into \(partitions) partitions of '\(input)'...")
        let loadStart = ContinuousClock.now
        try BenchmarkLoad.preload(
            bootstrapServers: bootstrap, topic: input, partitions: partitions, count: events,
            keys: keys)
        printError(String(format: "preloaded in %.1f s", (ContinuousClock.now - loadStart).seconds))

        var runs: [BenchmarkRun] = []
        if !skipRaw {
            runs.append(
                BenchmarkRun(name: "raw librdkafka loop (consume → produce → delivered)", isRaw: true) { round in
                    let output = "bench-raw-\(round)"
                    try cluster.createTopic(output, partitions: partitions)
                    let seconds = try RawLoopBenchmark.run(
                        bootstrapServers: bootstrap, input: input, output: output,
                        expected: events)
                    return Double(events) / seconds
                })
        }
        if !skipPassthrough {
            runs.append(
                BenchmarkRun(name: "passthrough pipeline (lanes, delivery tracking, commit after delivery)") {
                    round in
                    let output = "bench-passthrough-\(round)"
                    try cluster.createTopic(output, partitions: partitions)
                    let result = try PipelineBenchmark.throughput(
                        bootstrapServers: bootstrap, input: input, partitions: partitions, expected: events,
                        processors: PassthroughProcessorFactory(outputTopic: output))
                    guard result.committedEvents == Int64(events) else {
                        throw BenchmarkError(
                            "passthrough committed \(result.committedEvents) offsets for \(events) events")
                    }
                    return result.eventsPerSecond
                })
        }
        if !skipValidate {
            runs.append(
                BenchmarkRun(name: "decode + validate (6 fields, schema rules, normalized output)") { round in
                    let output = "bench-validate-\(round)"
                    try cluster.createTopic(output, partitions: partitions)
                    try cluster.createTopic(output + "-dlq", partitions: partitions)
                    let pipeline = try TopologyPipeline(
                        topology: BenchmarkTopologies.decodeAndValidate(
                            input: input, output: output, deadLetters: output + "-dlq"))
                    let result = try PipelineBenchmark.throughput(
                        bootstrapServers: bootstrap, input: input, partitions: partitions, expected: events,
                        processors: pipeline)
                    let valid = pipeline.metrics.validEvents.load(ordering: .relaxed)
                    guard valid == events else {
                        throw BenchmarkError("decode + validate accepted \(valid) of \(events) synthetic events")
                    }
                    return result.eventsPerSecond
                })
        }

        var tableLoad: LookupBenchmark.Load?
        if !skipLookups {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
                "sluice-bench-tables-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            printError("writing a \(tableRows)-row card table...")
            let paths = try LookupBenchmark.writeTables(directory: directory, cardRows: max(tableRows, keys))
            let topologyOf = { (output: String) in
                try LookupBenchmark.topology(
                    input: input, output: output, deadLetters: output + "-dlq", cards: paths.cards,
                    merchants: paths.merchants, cardRows: max(self.tableRows, self.keys))
            }
            tableLoad = try LookupBenchmark.measureLoad(topology: try topologyOf("bench-lookups"))
            if let load = tableLoad {
                printError(
                    String(
                        format: "  loaded %d rows in %.2f s; table %.1f MiB, resident memory +%.1f MiB", load.rows,
                        load.seconds, Double(load.tableBytes) / 1_048_576, Double(load.residentGrowthBytes) / 1_048_576)
                )
            }
            runs.append(
                BenchmarkRun(name: "decode + validate + 2 lookups + 4 features (feature inputs written)") { round in
                    let output = "bench-lookups-\(round)"
                    try cluster.createTopic(output, partitions: partitions)
                    try cluster.createTopic(output + "-dlq", partitions: partitions)
                    let pipeline = try TopologyPipeline(topology: try topologyOf(output))
                    let result = try PipelineBenchmark.throughput(
                        bootstrapServers: bootstrap, input: input, partitions: partitions, expected: events,
                        processors: pipeline)
                    let hits = pipeline.lookupCounters.map { $0.hits.load(ordering: .relaxed) }
                    guard hits.allSatisfy({ $0 == events }) else {
                        throw BenchmarkError("the lookups found \(hits) rows for \(events) events")
                    }
                    return result.eventsPerSecond
                })
        }

        var restores: [PipelineBenchmark.Restore] = []
        if !skipWindows {
            runs.append(
                BenchmarkRun(name: "decode + validate + three windows (\(keys) keys, changelog on)") { round in
                    let output = "bench-windows-\(round)"
                    for topic in [output, output + "-dlq", output + "-changelog"] {
                        try cluster.createTopic(topic, partitions: partitions)
                    }
                    let topology = try BenchmarkTopologies.threeWindows(
                        input: input, output: output, deadLetters: output + "-dlq", changelog: output + "-changelog")
                    let result = try PipelineBenchmark.throughput(
                        bootstrapServers: bootstrap, input: input, partitions: partitions, expected: events,
                        processors: try TopologyPipeline(topology: topology))
                    // Restart on the same group: every partition's state comes back from the changelog.
                    restores.append(
                        try PipelineBenchmark.restore(
                            bootstrapServers: bootstrap, group: result.group, input: input,
                            processors: try TopologyPipeline(topology: topology)))
                    return result.eventsPerSecond
                })
        }

        let demoInput = "bench-demo-input"
        let runsDemo = !skipDemo && FileManager.default.fileExists(atPath: demoTopology)
        if !skipDemo, !runsDemo {
            printError("\(demoTopology) not found: skipping the demo topology runs (run from the repository root)")
        }
        if runsDemo {
            try cluster.createTopic(demoInput, partitions: partitions)
            printError("preloading \(events) demo transactions into '\(demoInput)'...")
            try DemoBenchmark.preload(bootstrapServers: bootstrap, topic: demoInput, count: events)
            runs.append(
                BenchmarkRun(
                    name: "demo topology, every stage (2 windows, 11 features, XGBoost, LightGBM shadow, drift)"
                ) { round in
                    let pipeline = try DemoBenchmark.pipeline(
                        path: demoTopology, input: demoInput, suffix: "\(round)", cluster: cluster,
                        partitions: partitions)
                    let result = try PipelineBenchmark.throughput(
                        bootstrapServers: bootstrap, input: demoInput, partitions: partitions, expected: events,
                        processors: pipeline,
                        prepare: { runtime in
                            try pipeline.startSideOutputs(
                                writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false)
                        },
                        isDone: { counters in
                            counters.eventsProcessed.load(ordering: .relaxed) >= events
                                && counters.inFlight.load(ordering: .relaxed) == 0
                        })
                    let scored = pipeline.metrics.predictions.load(ordering: .relaxed)
                    guard scored == events else {
                        throw BenchmarkError("the demo topology scored \(scored) of \(events) transactions")
                    }
                    let shadows = pipeline.sideOutputs?.shadowStatus() ?? []
                    printError(
                        "  shadow: "
                            + shadows.map { "\($0.model) scored \($0.scored), skipped \($0.skipped)" }
                            .joined(separator: "; "))
                    return result.eventsPerSecond
                })
        }

        // Rounds interleave the runs, so that a slow moment of the machine does not fall on one run only.
        var results = Array(repeating: [Double](), count: runs.count)
        for round in 1...rounds {
            for (index, run) in runs.enumerated() {
                printError("round \(round)/\(rounds): \(run.name)...")
                let rate = try run.measure(round)
                results[index].append(rate)
                printError(String(format: "  %.0f events/s", rate))
            }
        }

        var latencies: [(path: String, measurement: PipelineBenchmark.LatencyMeasurement)] = []
        if !skipLatency {
            latencies = try measureLatencies(cluster: cluster, includingDemo: runsDemo)
        }
        var text = report(runs: runs, results: results)
        if !latencies.isEmpty {
            text += "\n\n" + latencyTable(latencies)
        }
        if let load = tableLoad {
            text += String(
                format: "\n\nReference table load: %d rows (CSV, 4 columns) in %.2f s (%.0f rows/s); the table holds "
                    + "%.1f MiB by its own accounting (%.0f bytes per row); resident memory grew by %.1f MiB.",
                load.rows, load.seconds, Double(load.rows) / load.seconds, Double(load.tableBytes) / 1_048_576,
                Double(load.tableBytes) / Double(max(load.rows, 1)), Double(load.residentGrowthBytes) / 1_048_576)
        }
        if let restore = restores.sorted(by: { $0.seconds < $1.seconds }).dropFirst(restores.count / 2).first {
            text += String(
                format: "\n\nWindow state restore (median of %d): %d changelog records for %d keys × 3 windows "
                    + "read back into %d partitions in %.2f s (%.0f records/s) before the first event.",
                restores.count, restore.records, keys, partitions, restore.seconds,
                Double(restore.records) / restore.seconds)
        }
        printOutput(text)
    }

    /// The latency runs at `--rate` over `--latency-partitions` partitions: the broker alone, the passthrough
    /// pipeline and, with `includingDemo`, the demo topology with every stage.
    private func measureLatencies(cluster: EmbeddedKafkaCluster, includingDemo: Bool) throws
        -> [(path: String, measurement: PipelineBenchmark.LatencyMeasurement)]
    {
        let during = "at \(rate) events/s over \(latencyPartitions) partitions for \(latencySeconds) s"
        var results: [(path: String, measurement: PipelineBenchmark.LatencyMeasurement)] = []
        printError("latency of the broker alone (producer straight to consumer) \(during)...")
        results.append(
            (
                "broker alone: producer → consumer, no pipeline",
                try PipelineBenchmark.latency(
                    cluster: cluster, partitions: latencyPartitions, rate: rate,
                    duration: .seconds(latencySeconds), warmup: .seconds(3),
                    sourceLinger: .milliseconds(sourceLinger), processors: nil)
            ))
        printError("latency of the passthrough pipeline \(during)...")
        results.append(
            (
                "passthrough pipeline",
                try PipelineBenchmark.latency(
                    cluster: cluster, partitions: latencyPartitions, rate: rate,
                    duration: .seconds(latencySeconds), warmup: .seconds(3), linger: .milliseconds(linger),
                    sourceLinger: .milliseconds(sourceLinger)
                ) { _, output in PassthroughProcessorFactory(outputTopic: output) }
            ))
        guard includingDemo else { return results }
        printError("latency of the demo topology \(during)...")
        var pipeline: TopologyPipeline? = nil
        let demo = try PipelineBenchmark.latency(
            cluster: cluster, partitions: latencyPartitions, rate: rate,
            duration: .seconds(latencySeconds), warmup: .seconds(3), linger: .milliseconds(linger),
            sourceLinger: .milliseconds(sourceLinger),
            processors: { input, output in
                var topology = try DemoBenchmark.topology(path: demoTopology, input: input, suffix: "latency")
                topology.sinks.predictions = output
                let made = try TopologyPipeline(topology: topology)
                for topic in made.topics where topic != input && topic != output {
                    try cluster.createTopic(topic, partitions: latencyPartitions)
                }
                pipeline = made
                return made
            },
            prepare: { runtime in
                try pipeline?.startSideOutputs(
                    writer: runtime.recordWriter(for: pipeline!.sideSinks), inline: false)
            },
            traffic: DemoBenchmark.latencyTraffic)
        let shadows = pipeline?.sideOutputs?.shadowStatus() ?? []
        if !shadows.isEmpty {
            printError(
                "  shadow during the latency run: "
                    + shadows.map { "\($0.model) scored \($0.scored), skipped \($0.skipped)" }
                    .joined(separator: "; "))
        }
        results.append(("demo topology, every stage", demo))
        return results
    }

    private func report(runs: [BenchmarkRun], results: [[Double]]) -> String {
        var lines: [String] = []
        lines.append(
            "Machine: \(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpuModel()), "
                + "librdkafka \(String(cString: rd_kafka_version_str())), embedded cluster (1 broker, in process)")
        lines.append(
            "Command: `sluice bench --events \(events) --partitions \(partitions) --rounds \(rounds) "
                + "--rate \(rate) --latency-seconds \(latencySeconds) --latency-partitions \(latencyPartitions) "
                + "--linger \(linger) --source-linger \(sourceLinger)`")
        lines.append("")
        lines.append("| run | events/s (median of \(rounds)) | range | vs raw loop |")
        lines.append("|---|---:|---:|---:|")
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        let raw = zip(runs, results).first { $0.0.isRaw }.map { median($0.1) }
        for (run, values) in zip(runs, results) {
            let ratio = raw.map { String(format: "%.0f%%", median(values) / $0 * 100) } ?? "—"
            lines.append(
                String(
                    format: "| %@ | %.0f | %.0f–%.0f | %@ |", run.name, median(values),
                    values.min() ?? 0, values.max() ?? 0, ratio))
        }
        return lines.joined(separator: "\n")
    }

    /// A table of end-to-end latency percentiles (send → output readable by a downstream consumer), a row per path.
    /// A table of end-to-end latency percentiles (send → output readable by a downstream consumer), a row per path,
    /// then for the pipelines the same latency cut at the produce call.
    private func latencyTable(_ latencies: [(path: String, measurement: PipelineBenchmark.LatencyMeasurement)])
        -> String
    {
        var lines = [
            "End-to-end latency at \(rate) events/s over \(latencyPartitions) partitions (send → output readable by "
                + "a downstream consumer; \(latencySeconds) s after a 3 s warm-up):", "",
            "| path | events | p50 | p90 | p99 | p99.9 | max |", "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for (path, measurement) in latencies {
            let histogram = measurement.endToEnd
            let cells =
                [50.0, 90.0, 99.0, 99.9].map { milliseconds(histogram.valueAtPercentile($0)) }
                + [milliseconds(histogram.max)]
            lines.append("| \(path) | \(histogram.totalCount) | " + cells.joined(separator: " | ") + " |")
        }
        let split = latencies.filter { $0.measurement.splitAtProduce }
        guard !split.isEmpty else { return lines.joined(separator: "\n") }
        lines += [
            "",
            "The same latency cut where the pipeline handed each output to its producer (the output's Kafka "
                + "timestamp, ±0.5 ms): before, the input's way through the broker, the poll loop and the lane; "
                + "after, the producer's linger, the broker and the downstream fetch.", "",
            "| path | send → produce p50 | p99 | p99.9 | produce → readable p50 | p99 | p99.9 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for (path, measurement) in split {
            let cells = [measurement.untilProduced, measurement.afterProduced].flatMap { histogram in
                [50.0, 99.0, 99.9].map { milliseconds(histogram.valueAtPercentile($0)) }
            }
            lines.append("| \(path) | " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }

    private func milliseconds(_ microseconds: UInt64) -> String {
        String(format: "%.2f ms", Double(microseconds) / 1000)
    }

    private func cpuModel() -> String {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = info.split(separator: "\n").first(where: { $0.hasPrefix("model name") }),
            let name = line.split(separator: ":", maxSplits: 1).last
        else { return "unknown CPU" }
        return name.trimmingCharacters(in: .whitespaces)
    }
}

/// One throughput measurement of `sluice bench`, repeated for each round.
struct BenchmarkRun {
    var name: String
    var isRaw = false
    var measure: (_ round: Int) throws -> Double
}
