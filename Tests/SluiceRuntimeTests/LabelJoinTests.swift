import Foundation
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

@Suite(.serialized) struct LabelJoinTests {
    /// Events stream through an XGBoost primary and a LightGBM shadow; labels arrive afterwards on their own
    /// topic. Each model's live ROC AUC must equal one computed here from the library scores and the labels.
    @Test func lateLabelsGiveEveryModelsLiveQuality() throws {
        let fixtures = ScoringPipelineTests.fixtures
        let text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: fixtures)
            .replacingOccurrences(
                of: "models:\n",
                with: """
                    models:
                      shadows: [ { name: challenger, path: \(fixtures.appendingPathComponent("lgbm_binary.txt").path) } ]

                    """
            )
            .replacingOccurrences(
                of: "sinks:\n",
                with: """
                    labels: { topic: outcomes, id: event, outcome: fraud, horizon: 10m }
                    sinks:
                      shadow: shadow-scores

                    """)
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/labels.yaml"))
        let rows = try DriftPipelineTests.rows().prefix(3000)
        func expected(_ name: String) throws -> [Double] {
            try String(contentsOf: fixtures.appendingPathComponent("\(name).expected.csv"), encoding: .utf8)
                .split(separator: "\n").map { Double($0)! }
        }
        let xgboost = try expected("xgb_binary")
        let lightgbm = try expected("lgbm_binary")
        // Labels that both models predict imperfectly: a coin whose bias follows the amount.
        var random = SeededRandom(seed: 9)
        let labels = rows.map { cells -> Double in
            let amount = Double(cells[0]) ?? 0
            return Double(random.next() % 1000) / 1000 < min(0.9, amount / 400) ? 1 : 0
        }

        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        for topic in pipeline.topics + ["outcomes"] { try cluster.createTopic(topic, partitions: 2) }
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: ["rows"],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "labels"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: quietLogger)
        try pipeline.startSideOutputs(writer: runtime.recordWriter(for: pipeline.sideSinks), inline: false)
        try runtime.start()
        let labelsConsumer = try #require(
            try LabelsConsumer(
                pipeline: pipeline,
                configuration: KafkaConsumerConfiguration(
                    bootstrapServers: [cluster.bootstrapServers], groupID: "labels"),
                logger: quietLogger))
        defer { labelsConsumer.stop() }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quietLogger
        ) { _ in }
        let input = try producer.topic("rows")
        for (index, cells) in rows.enumerated() {
            let members = zip(ScoringPipelineTests.columns, cells).filter { !$0.1.isEmpty }.map {
                "\"\($0.0)\":\($0.1)"
            }
            try producer.send(
                to: input, partition: Int32(index % 2), key: nil,
                value: Array(("{\"row\":\(index)," + members.joined(separator: ",") + "}").utf8))
        }
        try producer.flush()
        let deadline = ContinuousClock.now + .seconds(60)
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < rows.count, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        Thread.sleep(forTimeInterval: 1)  // the labels consumer joins its own group meanwhile
        let outcomes = try producer.topic("outcomes")
        for (index, label) in labels.enumerated() {
            try producer.send(
                to: outcomes, key: nil,
                value: Array("{\"event\":\(index),\"fraud\":\(label == 1 ? "true" : "false")}".utf8))
        }
        try producer.send(to: outcomes, key: nil, value: Array("not a label".utf8))
        try producer.flush()
        var status = pipeline.sideOutputs?.labelStatus
        while (status?.counters.joined ?? 0) < rows.count, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            status = pipeline.sideOutputs?.labelStatus
        }
        runtime.requestStop()
        runtime.waitUntilStopped()
        let snapshot = try #require(status)
        #expect(snapshot.counters.joined == rows.count)
        #expect(pipeline.sideOutputs?.labels?.labelsRejected.load(ordering: .relaxed) == 1)
        #expect(snapshot.models.map(\.model) == ["reference", "challenger"])
        for (model, scores) in zip(snapshot.models, [xgboost, lightgbm]) {
            let auc = try #require(model.window.rocAUC)
            let reference = Self.rocAUC(scores: Array(scores.prefix(rows.count)), labels: labels)
            #expect(abs(auc - reference) < 1e-9, "\(model.model): \(auc) vs \(reference)")
        }
    }

    /// ROC AUC by brute force: the fraction of (positive, negative) pairs ranked right, ties counting half.
    static func rocAUC(scores: [Double], labels: [Double]) -> Double {
        let positives = zip(scores, labels).filter { $0.1 == 1 }.map(\.0)
        let negatives = zip(scores, labels).filter { $0.1 == 0 }.map(\.0)
        var wins = 0.0
        for p in positives {
            for n in negatives { wins += p > n ? 1 : (p == n ? 0.5 : 0) }
        }
        return wins / Double(positives.count * negatives.count)
    }
}
