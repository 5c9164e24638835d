import Foundation
import SluiceCore
import SluiceKafka
import SluiceModels
import Synchronization
import Testing

@testable import SluiceRuntime

/// A model that sleeps before answering: a shadow that cannot keep up.
private final class SlowModel: ScoringModel {
    let wrapped: any ScoringModel
    init(_ wrapped: any ScoringModel) { self.wrapped = wrapped }
    var featureNames: [String] { wrapped.featureNames }
    var outputCount: Int { wrapped.outputCount }
    var objective: ModelObjective { wrapped.objective }
    var format: ModelFormat { wrapped.format }
    func score(_ features: UnsafeBufferPointer<Double>, into output: UnsafeMutableBufferPointer<Double>) {
        Thread.sleep(forTimeInterval: 0.002)
        wrapped.score(features, into: output)
    }
    func scoreBatch(_ rows: UnsafeBufferPointer<Double>, rowCount: Int, into output: UnsafeMutableBufferPointer<Double>)
    {
        Thread.sleep(forTimeInterval: 0.002 * Double(rowCount))
        wrapped.scoreBatch(rows, rowCount: rowCount, into: output)
    }
}

@Suite(.serialized) struct ShadowIsolationTests {
    struct Run {
        var seconds: Double
        var predictions: [Int: Double]
        var runtime: PipelineRuntime
        var pipeline: TopologyPipeline
    }

    /// Runs 8,000 fixture rows through the pipeline; `shadows` adds a slow shadow whose records also fail to
    /// deliver (its topic refuses every write).
    func run(withBrokenShadow: Bool) throws -> Run {
        let fixtures = ScoringPipelineTests.fixtures
        var text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: fixtures)
        if withBrokenShadow {
            text = text.replacingOccurrences(
                of: "models:\n",
                with: """
                    models:
                      shadows: [ { name: sluggish, path: \(fixtures.appendingPathComponent("lgbm_binary.txt").path) } ]

                    """
            )
            .replacingOccurrences(of: "  predictions: scores", with: "  predictions: scores\n  shadow: refused-shadow")
        }
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/isolation.yaml")) {
            binding in
            let loaded = LoadedModel(
                model: SlowModel(binding.loaded.model), format: binding.loaded.format,
                path: binding.loaded.path, contentHash: binding.loaded.contentHash)
            return try ModelBinding(
                specification: binding.specification, loaded: loaded,
                inputNames: ScoringPipelineTests.columns.reduce(into: ["row"]) { $0.append($1) })
        }
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: 4) }
        if withBrokenShadow { cluster.setTopicError("refused-shadow", .topicAuthorizationFailed) }
        let rows = try DriftPipelineTests.rows().prefix(8000)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quietLogger
        ) { _ in }
        let input = try producer.topic("rows")
        for (index, cells) in rows.enumerated() {
            let members = zip(ScoringPipelineTests.columns, cells).filter { !$0.1.isEmpty }.map {
                "\"\($0.0)\":\($0.1)"
            }
            try producer.send(
                to: input, partition: Int32(index % 4), key: nil,
                value: Array(("{\"row\":\(index)," + members.joined(separator: ",") + "}").utf8))
        }
        try producer.flush()
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: ["rows"],
                consumer: KafkaConsumerConfiguration(
                    bootstrapServers: [cluster.bootstrapServers], groupID: "isolation"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: quietLogger)
        // A small backlog so that the slow shadow falls behind within the run.
        try pipeline.startSideOutputs(
            writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false,
            shadowBacklog: 2_000)
        try runtime.start()
        let deadline = ContinuousClock.now + .seconds(60)
        while runtime.counters.eventsConsumed.load(ordering: .relaxed) == 0, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.001)
        }
        let start = ContinuousClock.now
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < rows.count, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.001)
        }
        let seconds = (ContinuousClock.now - start).seconds
        let records = try readTopic("scores", bootstrap: cluster.bootstrapServers, count: rows.count)
        runtime.requestStop()
        #expect(runtime.waitUntilStopped() == .stopped)
        var predictions: [Int: Double] = [:]
        for record in records {
            let object = jsonObject(record.value)!
            predictions[object["id"] as! Int] = (object["score"] as! NSNumber).doubleValue
        }
        return Run(seconds: seconds, predictions: predictions, runtime: runtime, pipeline: pipeline)
    }

    @Test func aSlowAndFailingShadowLeavesThePrimaryUntouched() throws {
        let baseline = try run(withBrokenShadow: false)
        let shadowed = try run(withBrokenShadow: true)
        #expect(shadowed.predictions.count == 8000)
        #expect(shadowed.predictions == baseline.predictions, "the primary's outputs are the same")
        let shadow = try #require(shadowed.pipeline.sideOutputs?.shadows.first)
        #expect(shadow.skipped.load(ordering: .relaxed) > 0, "the slow shadow fell behind and skipped events")
        #expect(
            shadowed.runtime.counters.sideOutputsFailed.load(ordering: .relaxed) > 0
                || shadow.scored.load(ordering: .relaxed) == 0, "its records could not be delivered")
        #expect(shadowed.runtime.counters.outputsFailed.load(ordering: .relaxed) == 0)
        // The shadow would need 16 s for 8,000 events; the primary path does not wait for it.
        #expect(
            shadowed.seconds < max(baseline.seconds * 2, baseline.seconds + 1.5),
            "with the shadow \(shadowed.seconds) s, without \(baseline.seconds) s")
        print(
            "shadow isolation: \(baseline.seconds) s without, \(shadowed.seconds) s with a slow, failing shadow; "
                + "skipped \(shadow.skipped.load(ordering: .relaxed)), scored \(shadow.scored.load(ordering: .relaxed))"
        )
    }
}
