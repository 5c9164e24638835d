import Foundation
import Logging
import SluiceCore
import SluiceKafka
import Testing

@testable import SluiceRuntime

let quietLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .critical
    return logger
}()

/// A topology validating card transactions, with events and dead-letter sinks on unique topics.
func validationTopology(suffix: String) throws -> Topology {
    try TopologyLoader.load(
        text: """
            name: validate-\(suffix)
            source:
              topic: in-\(suffix)
              key: card_id
              event_time: ts
              max_payload_bytes: 16000000
              schema:
                event_id: { type: string, required: true }
                card_id:  { type: string, required: true, min_length: 1 }
                amount:   { type: double, required: true, min: 0 }
                items:    { type: int, min: 1 }
                country:  { type: string, path: merchant.country, enum: [US, GB] }
                ts:       { type: timestamp, unit: ms, required: true }
            sinks:
              events: valid-\(suffix)
              dead_letter: dlq-\(suffix)
            """, file: "test.yaml")
}

/// Reads every record of `topic` (all partitions) until `count` arrived or `timeout` passed.
func readTopic(
    _ topic: String, bootstrap: String, count: Int, timeout: Duration = .seconds(30),
    properties: [String: String] = [:]
) throws -> [(key: [UInt8]?, value: [UInt8]?, partition: Int32)] {
    var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "reader-\(UUID().uuidString)")
    settings.fetchWaitMax = .milliseconds(20)
    settings.properties = properties
    let consumer = try KafkaConsumer(configuration: settings, logger: quietLogger)
    try consumer.subscribe(topics: [topic])
    var records: [(key: [UInt8]?, value: [UInt8]?, partition: Int32)] = []
    let deadline = ContinuousClock.now + timeout
    while records.count < count, ContinuousClock.now < deadline {
        for batch in consumer.poll(timeout: .milliseconds(50)).batches {
            for message in batch {
                records.append((message.key.map { Array($0) }, message.value.map { Array($0) }, message.partition))
            }
        }
    }
    consumer.close()
    return records
}

/// Runs `pipeline` on the cluster until `done` holds (or 60 s), then stops it gracefully.
func runPipeline(
    _ pipeline: TopologyPipeline, cluster: EmbeddedKafkaCluster, group: String,
    consumerProperties: [String: String] = [:], producerProperties: [String: String] = [:],
    until done: (PipelineRuntime) -> Bool
) throws -> PipelineRuntime {
    var consumer = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group)
    consumer.properties = consumerProperties
    var producer = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
    producer.properties = producerProperties
    let runtime = try PipelineRuntime(
        configuration: RuntimeConfiguration(
            inputTopics: [pipeline.topology.source.topic], consumer: consumer,
            producer: producer),
        processors: pipeline, logger: quietLogger)
    try runtime.start()
    let deadline = ContinuousClock.now + .seconds(60)
    while !done(runtime), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
    runtime.requestStop()
    runtime.waitUntilStopped()
    return runtime
}

/// A JSON object from bytes (test side only).
func jsonObject(_ bytes: [UInt8]?) -> [String: Any]? {
    guard let bytes else { return nil }
    return (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
}
