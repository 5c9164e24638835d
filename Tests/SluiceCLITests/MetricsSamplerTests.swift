import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceMonitoring
import Testing

@testable import SluiceRuntime
@testable import SluiceTelemetry
@testable import sluice

/// The metric families `sluice run` exports, fed from a running pipeline over a known input: stage latencies,
/// end-to-end latency, window keys and records produced per output topic, each compared with what the test
/// knows independently of the code under test.
@Suite(.serialized) struct MetricsSamplerTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SluiceModelsTests/Fixtures")
    static let columns = [
        "amount", "balance", "velocity", "ratio", "angle", "tenure", "score_pct", "txn_count",
        "spend_log", "noise_a", "noise_b", "is_weekend",
    ]
    static let partitions = 4

    /// Input events: fixture rows with a card and an event time within one minute of a fixed moment; the first
    /// half visits 29 cards unevenly, the second half 53 others. Every 40th event has no card and is dead-lettered.
    struct Input {
        var events: [(card: String?, json: String)]
        var valid: Int { events.filter { $0.card != nil }.count }
        var invalid: Int { events.count - valid }
        var distinctCards: Int { Set(events.compactMap(\.card)).count }
        var firstHalf: ArraySlice<(card: String?, json: String)> { events.prefix(events.count / 2) }

        init(count: Int) throws {
            let rows = try String(
                contentsOf: MetricsSamplerTests.fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8
            )
            .split(separator: "\n").dropFirst().prefix(count)
            .map { $0.split(separator: ",", omittingEmptySubsequences: false) }
            events = rows.enumerated().map { index, cells in
                let card =
                    index % 40 == 39
                    ? nil : index < count / 2 ? "card-\(index * index % 29)" : "card-\(100 + index * index % 53)"
                var members = ["\"row\":\(index)", "\"ts\":\(1_700_000_000_000 + Int64(index) * 50)"]
                if let card { members.append("\"card_id\":\"\(card)\"") }
                for (column, cell) in zip(MetricsSamplerTests.columns, cells) where !cell.isEmpty {
                    members.append("\"\(column)\":\(cell)")
                }
                return (card, "{" + members.joined(separator: ",") + "}")
            }
        }
    }

    static func topology(suffix: String, profile: String) -> String {
        """
        name: metrics-feed-\(suffix)
        source:
          topic: feed-rows-\(suffix)
          id: row
          key: card_id
          event_time: ts
          schema:
            row: { type: int, required: true }
            card_id: { type: string, required: true }
            ts: { type: timestamp, unit: ms, required: true }
        \(columns.map { "    \($0): { type: double }" }.joined(separator: "\n"))
        windows:
          card_1h:
            key: card_id
            tumbling: 1h
            aggregates: { n: count, total: sum(amount) }
          card_hop:
            key: card_id
            hopping: { size: 1h, advance: 10m }
            aggregates: { peak: max(amount) }
        features:
          log_amount: log1p(abs(amount))
        models:
          primary: { name: reference, path: \(fixtures.appendingPathComponent("xgb_binary.json").path), threshold: 0.7 }
          shadows: [ { name: challenger, path: \(fixtures.appendingPathComponent("lgbm_binary.txt").path) } ]
        drift:
          reference: \(profile)
          features: [amount, balance]
          every: 100
        sinks:
          predictions: feed-scores-\(suffix)
          shadow: feed-shadow-\(suffix)
          alerts: feed-alerts-\(suffix)
          dead_letter: feed-rejected-\(suffix)
          changelog: feed-changelog-\(suffix)
        """
    }

    /// Every record of `topic` from its first offset to its high watermark, read by a consumer of its own.
    static func recordCount(_ topic: String, bootstrap: String) throws -> Int {
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "count-\(UUID())"),
            logger: logger)
        defer { consumer.close() }
        var remaining: [Int32: Int64] = [:]
        var starts: [KafkaTopicPartition: Int64] = [:]
        for partition in 0..<Int32(partitions) {
            let (low, high) = try consumer.watermarks(KafkaTopicPartition(topic: topic, partition: partition))
            if high > low { remaining[partition] = high }
            starts[KafkaTopicPartition(topic: topic, partition: partition)] = low
        }
        try consumer.assign(starts)
        var count = 0
        let deadline = ContinuousClock.now + .seconds(30)
        while !remaining.isEmpty, ContinuousClock.now < deadline {
            for batch in consumer.poll(timeout: .milliseconds(100)).batches {
                for message in batch {
                    count += 1
                    if let high = remaining[message.partition], message.offset + 1 >= high {
                        remaining[message.partition] = nil
                    }
                }
            }
        }
        return count
    }

    /// The sampler copies the lanes' buckets one for one only if both sides have the same bounds.
    @Test func lanesBucketEndToEndLatencyWithTheExportedBounds() {
        #expect(LatencyHistogram.endToEndUpperBounds == SluiceMetrics.endToEndLatencyBuckets)
        #expect(LatencyHistogram().upperMicroseconds.map { Double($0) / 1e6 } == SluiceMetrics.endToEndLatencyBuckets)
    }

    @Test func metricsOfARunningTopologyMatchWhatItDid() throws {
        let suffix = UUID().uuidString.prefix(8).lowercased()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("feed-\(suffix)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = try Input(count: 1_200)
        #expect(input.invalid == 30 && input.distinctCards > 20)

        // The drift reference is the input itself, profiled offline by the same topology.
        let profilePath = directory.appendingPathComponent("profile.json").path
        let topologyPath = directory.appendingPathComponent("feed.yaml").path
        try Self.topology(suffix: String(suffix), profile: profilePath)
            .write(toFile: topologyPath, atomically: true, encoding: .utf8)
        let eventsPath = directory.appendingPathComponent("events.jsonl").path
        try input.events.map(\.json).joined(separator: "\n").write(
            toFile: eventsPath, atomically: true, encoding: .utf8)
        let profile = try ReplayRunner.profile(
            pipeline: TopologyPipeline(topology: TopologyLoader.load(file: topologyPath)), input: eventsPath,
            format: .payload, name: "feed", scratchDirectory: directory.path)
        try profile.encodedJSON().write(to: URL(fileURLWithPath: profilePath))

        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(file: topologyPath))
        let cluster = try EmbeddedKafkaCluster(logger: Self.logger)
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: Self.partitions) }
        let started = Date()
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: Self.logger
        ) { _ in }
        let source = try producer.topic(pipeline.topology.source.topic)
        func send(_ events: ArraySlice<(card: String?, json: String)>) throws {
            for event in events {
                // Keyed by card, so that each card's window state lives in one partition.
                try producer.send(to: source, key: event.card.map { Array($0.utf8) }, value: Array(event.json.utf8))
            }
            try producer.flush()
        }

        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [pipeline.topology.source.topic],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "feed"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: Self.logger)
        try pipeline.startSideOutputs(writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false)
        let metrics = SluiceMetrics(registry: MetricRegistry(), includesProcessMetrics: false)
        let sampler = MetricsSampler(metrics: metrics, runtime: runtime, pipeline: pipeline)
        try runtime.start()
        let side = try #require(pipeline.sideOutputs)

        // Lanes publish their window keys on their next tick; each tick adds what changed since the last.
        let windows = ["card_1h", "card_hop"]
        func expectWindowKeys(_ expected: Int, _ comment: Comment) {
            _ = waitFor(seconds: 10) {
                sampler.sample()
                return windows.allSatisfy { metrics.windowKeys(window: $0).value == Double(expected) }
            }
            for window in windows {
                #expect(metrics.windowKeys(window: window).value == Double(expected), "\(window) \(comment)")
            }
        }
        try send(input.firstHalf)
        #expect(
            waitFor(seconds: 60) {
                runtime.counters.eventsProcessed.load(ordering: .relaxed) == input.firstHalf.count
            }, "the pipeline processed the first half")
        expectWindowKeys(Set(input.firstHalf.compactMap(\.card)).count, "after the first half")
        try send(input.events.dropFirst(input.firstHalf.count))
        #expect(
            waitFor(seconds: 60) {
                runtime.counters.eventsProcessed.load(ordering: .relaxed) == input.events.count
                    && side.shadows.allSatisfy { $0.scored.load(ordering: .relaxed) == input.valid }
                    && side.drift?.recorded.load(ordering: .relaxed) == input.valid
            }, "the pipeline processed every event")
        expectWindowKeys(input.distinctCards, "after every event")

        runtime.requestStop()
        #expect(runtime.waitUntilStopped() == .stopped)
        let elapsed = Date().timeIntervalSince(started)
        sampler.sample()

        // The partitions left with their state.
        for window in windows {
            #expect(metrics.windowKeys(window: window).value == 0, "\(window) after the partitions were released")
            #expect(metrics.windowEvictions(window: window).value == 0, "\(window): far below state.max_keys")
        }

        // Every stage saw every event that reached it; each has a positive time.
        var stages: [String: HistogramSnapshot] = [:]
        for stage in ["decode", "validate", "window", "features", "score", "produce", "shadow", "monitor"] {
            stages[stage] = metrics.stageLatency(stage: stage).snapshot()
            #expect(stages[stage]!.sum > 0, "\(stage)")
        }
        #expect(stages["decode"]?.count == input.events.count, "events without a card fail validation, not decoding")
        for stage in ["validate", "window", "features", "score", "produce", "shadow", "monitor"] {
            #expect(stages[stage]?.count == input.valid, "\(stage)")
        }

        // Both models' scoring time, one observation per event each scored.
        for model in ["reference", "challenger"] {
            let latency = metrics.modelLatency(model: model).snapshot()
            #expect(latency.count == input.valid && latency.sum > 0, "\(model): \(latency)")
        }

        // One end-to-end observation per event, each between its send and now.
        let endToEnd = metrics.endToEndLatency.snapshot()
        #expect(endToEnd.count == input.events.count)
        #expect(endToEnd.sum > 0 && endToEnd.sum / Double(endToEnd.count) <= elapsed, "\(endToEnd)")
        let slowest = try #require(endToEnd.bucketCounts.lastIndex { $0 > 0 })
        #expect(slowest == 0 || endToEnd.upperBounds[slowest - 1] < elapsed, "\(endToEnd.bucketCounts)")

        // Records produced per output topic, as a consumer of each reads them.
        let outputs = pipeline.topics.filter { $0 != pipeline.topology.source.topic }
        #expect(outputs.count == 5)
        var produced: [String: Int] = [:]
        for topic in outputs {
            let read = try Self.recordCount(topic, bootstrap: cluster.bootstrapServers)
            produced[topic] = read
            #expect(metrics.eventsProduced(topic: topic).value == Double(read), "\(topic)")
        }
        #expect(produced["feed-scores-\(suffix)"] == input.valid)
        #expect(produced["feed-shadow-\(suffix)"] == input.valid)
        #expect(produced["feed-rejected-\(suffix)"] == input.invalid)
        #expect(produced["feed-changelog-\(suffix)", default: 0] > 0)
    }
}
