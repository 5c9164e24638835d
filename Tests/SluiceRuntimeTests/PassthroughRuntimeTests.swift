import Foundation
import Logging
import SluiceCore
import SluiceKafka
import Synchronization
import Testing

@testable import SluiceRuntime

/// Copies every event to one output, recording the order it saw per partition.
private final class CopyingFactory: EventProcessorFactory, @unchecked Sendable {
    // @unchecked: `seen` is a Mutex; the rest is immutable.
    let output: String
    let seen = Mutex<[Int32: [Int64]]>([:])

    init(output: String) {
        self.output = output
    }

    var sinks: [SinkDescriptor] { [SinkDescriptor(name: "output", topic: output)] }

    func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor {
        CopyingProcessor(factory: self)
    }

    final class CopyingProcessor: EventProcessor {
        let factory: CopyingFactory
        init(factory: CopyingFactory) { self.factory = factory }

        func process(_ record: InputRecord, emitter: any OutputEmitter) throws {
            factory.seen.withLock { $0[record.source.partition, default: []].append(record.source.offset) }
            try emitter.emit(to: 0, key: record.key, value: record.value!)
        }
    }
}

private let quiet: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

@Suite(.serialized) struct PassthroughRuntimeTests {
    @Test func everyEventIsCopiedInPartitionOrderAndCommittedAfterDelivery() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quiet)
        let input = "rt-in-\(UInt32.random(in: 0...UInt32.max))"
        let output = "rt-out-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createTopic(input, partitions: 4)
        try cluster.createTopic(output, partitions: 4)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quiet
        ) { _ in }
        let topic = try producer.topic(input)
        for index in 0..<4000 {
            try producer.send(
                to: topic, partition: Int32(index % 4), key: Array("k\(index % 97)".utf8),
                value: Array("event-\(index)".utf8))
        }
        try producer.flush()

        let group = "rt-\(UInt32.random(in: 0...UInt32.max))"
        let factory = CopyingFactory(output: output)
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [input],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: factory, logger: quiet)
        try runtime.start()
        let deadline = ContinuousClock.now + .seconds(30)
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < 4000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        runtime.requestStop()
        #expect(runtime.waitUntilStopped() == .stopped)
        #expect(runtime.counters.outputsDelivered.load(ordering: .relaxed) == 4000)

        // Each lane saw its partition in offset order.
        let seen = factory.seen.withLock { $0 }
        for partition in Int32(0)..<4 {
            #expect(seen[partition] == Array(0..<1000), "partition \(partition)")
        }
        // After shutdown, the committed offsets are exactly the processed positions.
        let reader = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group),
            logger: quiet)
        let committed = try reader.committedPositions((0..<4).map { KafkaTopicPartition(topic: input, partition: $0) })
        #expect(committed.values.sorted() == [1000, 1000, 1000, 1000])
    }
}
