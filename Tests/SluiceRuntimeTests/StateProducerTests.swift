import Foundation
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

/// State records (changelogs) go through a producer of their own, so that a flush of thousands of state records
/// never queues in front of the outputs produced right after it; their delivery still releases offsets.
@Suite(.serialized) struct StateProducerTests {
    @Test func changelogRecordsTravelOnTheStateProducerAndStillReleaseOffsets() throws {
        // Each test has a cluster of its own, so the windows test's fixed topic names are free here.
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(text: WindowPipelineTests.topologyText, file: "w.yaml"))
        let changelog = try #require(pipeline.sinks.first { $0.holdsState }).topic
        let input = pipeline.topology.source.topic
        let group = "state-\(UUID().uuidString)"
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        for topic in pipeline.topics { try cluster.createTopic(topic, partitions: 2) }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]),
            logger: quietLogger
        ) { _ in }
        let inputTopic = try producer.topic(input)
        let cards = 40
        let events = 400
        for index in 0..<events {
            let card = "card-\(index % cards)"
            let value =
                #"{"event_id":\#(index),"card_id":"\#(card)","amount":\#(index),"ts":\#(1_700_000_000_000 + index * 100)}"#
            try producer.send(to: inputTopic, key: Array(card.utf8), value: Array(value.utf8))
        }
        try producer.close()

        var roles: [String: String] = [:]
        let runtime = try runPipeline(pipeline, cluster: cluster, group: group) { runtime in
            roles = runtime.producerRoleBySink
            return runtime.counters.eventsProcessed.load(ordering: .relaxed) >= events
        }
        #expect(roles["changelog"] == "state")
        #expect(roles["feature_inputs"] == "outputs")
        #expect(roles["dead_letter"] == "outputs")
        // The drain waits for every changelog record's acknowledgement through the state producer's delivery
        // reports; had they not reached the lanes, the runtime would have failed instead of stopping.
        #expect(runtime.currentState == .stopped)

        // Every card's state is in the changelog (plus one progress record per partition).
        let records = try readTopic(changelog, bootstrap: cluster.bootstrapServers, count: cards + 2)
        let stateKeys = Set(
            records.compactMap { record in record.key.map { String(decoding: $0.dropFirst(), as: UTF8.self) } })
        for card in 0..<cards { #expect(stateKeys.contains("card-\(card)"), "card-\(card) has a state record") }
        let reader = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [cluster.bootstrapServers], groupID: group),
            logger: quietLogger)
        let committed = try reader.committedPositions(
            (0..<2).map { KafkaTopicPartition(topic: input, partition: $0) })
        #expect(
            committed.values.reduce(0, +) == Int64(events),
            "offsets committed after the state records were acknowledged")
    }

    @Test func aStatelessPipelineMakesNoStateProducer() throws {
        let suffix = "\(UInt32.random(in: 0...UInt32.max))"
        let pipeline = try TopologyPipeline(topology: validationTopology(suffix: suffix))
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [pipeline.topology.source.topic],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "g"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: pipeline, logger: quietLogger)
        #expect(Set(runtime.producerRoleBySink.values) == ["outputs"])
    }
}
