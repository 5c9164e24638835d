import Foundation
import SluiceCore
import SluiceKafka
import Synchronization
import Testing

@testable import SluiceRuntime

/// Partition 0's processor stalls on its first event until released; others copy events through.
private final class StallingFactory: EventProcessorFactory, @unchecked Sendable {
    // @unchecked: the semaphore and atomics are thread-safe; the rest is immutable.
    let output: String
    let release = DispatchSemaphore(value: 0)
    let processedOnOthers = Atomic<Int>(0)
    let processedOnStalled = Atomic<Int>(0)

    init(output: String) { self.output = output }

    var sinks: [SinkDescriptor] { [SinkDescriptor(name: "output", topic: output)] }

    func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor {
        Processor(factory: self, stalls: partition == 0)
    }

    final class Processor: EventProcessor {
        let factory: StallingFactory
        var stalls: Bool
        init(factory: StallingFactory, stalls: Bool) {
            self.factory = factory
            self.stalls = stalls
        }

        func process(_ record: InputRecord, emitter: any OutputEmitter) throws {
            if stalls {
                factory.release.wait()
                stalls = false
            }
            if record.source.partition == 0 {
                factory.processedOnStalled.add(1, ordering: .relaxed)
            } else {
                factory.processedOnOthers.add(1, ordering: .relaxed)
            }
            try emitter.emit(to: 0, key: record.key, value: record.value!)
        }
    }
}

@Suite(.serialized) struct LaneIndependenceTests {
    @Test func aStalledPartitionDoesNotHoldBackTheOthers() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let input = "lanes-in-\(UInt32.random(in: 0...UInt32.max))"
        let output = "lanes-out-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createTopic(input, partitions: 3)
        try cluster.createTopic(output, partitions: 3)
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quietLogger
        ) { _ in }
        let topic = try producer.topic(input)
        for index in 0..<3000 {
            try producer.send(to: topic, partition: Int32(index % 3), key: nil, value: Array("\(index)".utf8))
        }
        try producer.flush()
        let factory = StallingFactory(output: output)
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [input],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "lanes"),
                producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])),
            processors: factory, logger: quietLogger)
        try runtime.start()
        // Partitions 1 and 2 finish while partition 0 is stuck on its first event.
        let deadline = ContinuousClock.now + .seconds(30)
        while factory.processedOnOthers.load(ordering: .relaxed) < 2000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(factory.processedOnOthers.load(ordering: .relaxed) == 2000)
        #expect(factory.processedOnStalled.load(ordering: .relaxed) == 0)
        factory.release.signal()
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < 3000, ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(factory.processedOnStalled.load(ordering: .relaxed) == 1000)
        runtime.requestStop()
        #expect(runtime.waitUntilStopped() == .stopped)
    }
}
