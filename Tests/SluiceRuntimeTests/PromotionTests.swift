import Foundation
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

@Suite(.serialized) struct PromotionTests {
    /// A LightGBM shadow is promoted while 12,000 events stream through an XGBoost primary: every event gets
    /// exactly one prediction, each from the model it names, and each partition switches at most once.
    @Test func promotionUnderLoadLosesAndDuplicatesNothing() throws {
        let fixtures = ScoringPipelineTests.fixtures
        let text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: fixtures)
            .replacingOccurrences(
                of: "models:\n",
                with: """
                    models:
                      shadows: [ { name: challenger, path: \(fixtures.appendingPathComponent("lgbm_binary.txt").path), threshold: 0.7 } ]

                    """
            )
            .replacingOccurrences(of: "  predictions: scores", with: "  predictions: scores\n  shadow: shadow-scores")
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/promote.yaml"))
        let rows = try String(contentsOf: fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        func expected(_ name: String) throws -> [Double] {
            try String(contentsOf: fixtures.appendingPathComponent("\(name).expected.csv"), encoding: .utf8)
                .split(separator: "\n").map { Double($0)! }
        }
        let reference = ["reference": try expected("xgb_binary"), "challenger": try expected("lgbm_binary")]

        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: 4) }
        let total = 12_000
        let feeder = Thread {
            let producer = try! KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
                logger: quietLogger
            ) { _ in }
            let topic = try! producer.topic("rows")
            let start = ContinuousClock.now
            for index in 0..<total {
                let cells = rows[index % rows.count]
                let members = zip(ScoringPipelineTests.columns, cells).filter { !$0.1.isEmpty }.map {
                    "\"\($0.0)\":\($0.1)"
                }
                try! producer.send(
                    to: topic, partition: Int32(index % 4), key: nil,
                    value: Array(("{\"row\":\(index)," + members.joined(separator: ",") + "}").utf8))
                if ContinuousClock.now < start + .microseconds(index * 250) { Thread.sleep(forTimeInterval: 0.001) }
            }
            try! producer.flush()
        }
        feeder.start()
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: ["rows"],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "promote"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: quietLogger)
        try pipeline.startSideOutputs(writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false)
        try runtime.start()
        // Promote once a third of the events are scored, while the rest keep arriving.
        let deadline = ContinuousClock.now + .seconds(30)
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < total / 3, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        let outcome = pipeline.promote(shadow: "challenger")
        guard case .promoted = outcome else {
            Issue.record("\(outcome)")
            return
        }
        #expect(
            pipeline.promote(shadow: "nobody")
                == .refused(
                    "there is no shadow named 'nobody'; shadows: reference"))
        let predictions = try readTopic(
            "scores", bootstrap: cluster.bootstrapServers, count: total, timeout: .seconds(60))
        runtime.requestStop()
        runtime.waitUntilStopped()

        let parsed = predictions.map { jsonObject($0.value)! }
        let ids = parsed.map { $0["id"] as! Int }
        #expect(ids.count == total && Set(ids).count == total, "every event once: \(ids.count) predictions")
        var modelsByPartition: [Int: [String]] = [:]
        // Outputs have no key, so they spread over the output partitions; input order is row order.
        for prediction in parsed.sorted(by: { ($0["id"] as! Int) < ($1["id"] as! Int) }) {
            let row = prediction["id"] as! Int
            let model = prediction["model"] as! String
            let score = (prediction["score"] as! NSNumber).doubleValue
            #expect(abs(score - reference[model]![row % rows.count]) <= 1e-6, "row \(row) by \(model)")
            modelsByPartition[row % 4, default: []].append(model)
        }
        // A partition switches at most once, from the old primary to the promoted one (a partition whose events
        // were all in before or after the promotion does not switch).
        for (partition, models) in modelsByPartition {
            let switches = zip(models, models.dropFirst()).filter { $0 != $1 }
            #expect(switches.count <= 1, "partition \(partition) switches \(switches.count) times")
            #expect(switches.allSatisfy { $0 == ("reference", "challenger") })
        }
        #expect(Set(parsed.map { $0["model"] as! String }) == ["reference", "challenger"])
        // The demoted model keeps running as a shadow.
        let shadows = try readTopic(
            "shadow-scores", bootstrap: cluster.bootstrapServers, count: total, timeout: .seconds(30))
        #expect(shadows.map { jsonObject($0.value)!["shadow_model"] as! String }.contains("reference"))
    }
}
