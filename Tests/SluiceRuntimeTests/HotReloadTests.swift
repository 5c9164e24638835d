import Foundation
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

@Suite(.serialized) struct HotReloadTests {
    /// While 12,000 events stream through, the primary model file is first replaced by garbage (refused, the
    /// old model keeps serving) and then by another model. No event is lost; every prediction's score is exactly
    /// what its stated model version gives; each partition's version changes at one point.
    @Test func modelFileReplacedUnderLoadSwapsBetweenEvents() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let fixtures = ScoringPipelineTests.fixtures
        let modelPath = directory.appendingPathComponent("model.bin").path
        try FileManager.default.copyItem(
            atPath: fixtures.appendingPathComponent("xgb_binary.json").path, toPath: modelPath)
        let topologyText = ScoringPipelineTests.topology(model: "x", directory: directory)
            .replacingOccurrences(of: fixtures.appendingPathComponent("x").path, with: modelPath)
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(text: topologyText, file: directory.path + "/t.yaml"))
        let firstVersion = pipeline.primary!.current.loaded.version

        let rows = try String(contentsOf: fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        func expected(_ name: String) throws -> [Double] {
            try String(contentsOf: fixtures.appendingPathComponent("\(name).expected.csv"), encoding: .utf8)
                .split(separator: "\n").map { Double($0)! }
        }
        let xgboost = try expected("xgb_binary")
        let lightgbm = try expected("lgbm_binary")

        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: 4) }
        let watcher = ModelFileWatcher(pipeline: pipeline, every: .milliseconds(50), logger: quietLogger)
        defer { watcher.stop() }
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
                let value = "{\"row\":\(index)," + members.joined(separator: ",") + "}"
                try! producer.send(to: topic, partition: Int32(index % 4), key: nil, value: Array(value.utf8))
                if ContinuousClock.now < start + .microseconds(index * 250) { Thread.sleep(forTimeInterval: 0.001) }
            }
            try! producer.flush()
        }
        feeder.start()
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: ["rows"],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "reload"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: quietLogger)
        try runtime.start()
        // A second in: a broken file (refused), then the LightGBM model, each moved into place whole.
        Thread.sleep(forTimeInterval: 1.0)
        let staging = directory.appendingPathComponent("staging").path
        try Data("{\"learner\": {\"truncated".utf8).write(to: URL(fileURLWithPath: staging))
        #expect(rename(staging, modelPath) == 0)
        Thread.sleep(forTimeInterval: 0.4)
        try FileManager.default.copyItem(
            atPath: fixtures.appendingPathComponent("lgbm_binary.txt").path, toPath: staging)
        #expect(rename(staging, modelPath) == 0)

        let predictions = try readTopic(
            "scores", bootstrap: cluster.bootstrapServers, count: total, timeout: .seconds(60))
        runtime.requestStop()
        runtime.waitUntilStopped()
        let secondVersion = pipeline.primary!.current.loaded.version
        #expect(secondVersion != firstVersion)
        #expect(pipeline.metrics.modelReloads.load(ordering: .relaxed) == 1)
        #expect(pipeline.metrics.modelReloadFailures.load(ordering: .relaxed) >= 1)

        let parsed = predictions.map { jsonObject($0.value)! }
        #expect(Set(parsed.map { $0["id"] as! Int }).count == total, "every event scored once")
        var versionsByPartition: [Int: [String]] = [:]
        // Outputs have no key, so they spread over the output partitions; input order is row order.
        for prediction in parsed.sorted(by: { ($0["id"] as! Int) < ($1["id"] as! Int) }) {
            let row = prediction["id"] as! Int
            let version = prediction["model_version"] as! String
            let score = (prediction["score"] as! NSNumber).doubleValue
            let reference = version == firstVersion ? xgboost : lightgbm
            #expect(version == firstVersion || version == secondVersion)
            #expect(abs(score - reference[row % rows.count]) <= 1e-6, "row \(row) scored by \(version)")
            versionsByPartition[row % 4, default: []].append(version)
        }
        for (partition, versions) in versionsByPartition {
            let changes = zip(versions, versions.dropFirst()).filter { $0 != $1 }.count
            #expect(changes <= 1, "partition \(partition) changes model \(changes) times")
        }
        #expect(parsed.contains { $0["model_version"] as? String == secondVersion }, "the new model served")
    }
}
