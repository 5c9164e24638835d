import Foundation
import Logging
import SluiceCore
import SluiceKafka
import Synchronization
import Testing

@testable import SluiceRuntime

/// Copies each event to the output sink.
private struct CopyFactory: EventProcessorFactory {
    let output: String
    var sinks: [SinkDescriptor] { [SinkDescriptor(name: "output", topic: output)] }
    func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor { Copier() }

    final class Copier: EventProcessor {
        func process(_ record: InputRecord, emitter: any OutputEmitter) throws {
            try emitter.emit(to: 0, key: record.key, value: record.value!)
        }
    }
}

/// Resident memory of this process, from /proc.
private func residentBytes() -> Int {
    guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
        let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
    else { return 0 }
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite(.serialized) struct BackpressureTests {
    /// The output broker answers every request 200 ms late; the input side is all there at once. The runtime
    /// must pause partitions, keep what is in flight under its marks, and still deliver everything.
    @Test func slowOutputPausesPartitionsAndBoundsWhatIsInFlight() throws {
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let cluster = try EmbeddedKafkaCluster(brokers: 2, logger: logger)
        let input = "bp-in-\(UInt32.random(in: 0...UInt32.max))"
        let output = "bp-out-\(UInt32.random(in: 0...UInt32.max))"
        try cluster.createTopic(input, partitions: 4)
        try cluster.createTopic(output, partitions: 4)
        // Input partitions live on broker 1, outputs on broker 2, whose responses are slow.
        for partition in Int32(0)..<4 {
            try cluster.setPartitionLeader(topic: input, partition: partition, broker: 1)
            try cluster.setPartitionLeader(topic: output, partition: partition, broker: 2)
        }
        let total = 60_000
        let loader = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: logger
        ) { _ in }
        let topic = try loader.topic(input)
        let payload = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        for index in 0..<total {
            try loader.send(to: topic, partition: Int32(index % 4), key: nil, value: payload)
        }
        try loader.flush()
        try cluster.setRoundTripDelay(broker: 2, .milliseconds(200))

        var configuration = RuntimeConfiguration(
            inputTopics: [input],
            consumer: KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: "bp"),
            producer: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]))
        configuration.laneHighWatermark = 2_000
        configuration.laneLowWatermark = 500
        configuration.processHighWatermark = 6_000
        configuration.processLowWatermark = 3_000
        configuration.maxPollMessages = 500
        let runtime = try PipelineRuntime(
            configuration: configuration, processors: CopyFactory(output: output),
            logger: logger)
        let memoryBefore = residentBytes()
        try runtime.start()
        var peakInFlight = 0
        var peakMemory = memoryBefore
        let deadline = ContinuousClock.now + .seconds(120)
        while runtime.counters.outputsDelivered.load(ordering: .relaxed) < total, ContinuousClock.now < deadline {
            peakInFlight = max(peakInFlight, runtime.counters.inFlight.load(ordering: .relaxed))
            peakMemory = max(peakMemory, residentBytes())
            Thread.sleep(forTimeInterval: 0.005)
        }
        runtime.requestStop()
        #expect(runtime.waitUntilStopped() == .stopped)
        #expect(runtime.counters.outputsDelivered.load(ordering: .relaxed) == total)
        #expect(runtime.counters.pauses.load(ordering: .relaxed) > 0)
        #expect(runtime.counters.resumes.load(ordering: .relaxed) > 0)
        // The process bound is kept by not polling while over the high mark, so it can be passed by one poll's
        // worth; a batch a lane is still working on counts both as queued and as unacknowledged outputs, which
        // adds up to one more batch per lane. Anything above this means the poll loop ignored the mark.
        let partitions = 4
        let bound = configuration.processHighWatermark + configuration.maxPollMessages * (1 + partitions)
        #expect(peakInFlight <= bound, "peak in flight \(peakInFlight), bound \(bound)")
        // Resident memory is printed for the record only: other suites run in this process at the same time, so
        // its growth is not this runtime's alone and cannot be asserted on without flaking.
        let growth = peakMemory - memoryBefore
        print(
            "backpressure: peak in flight \(peakInFlight), pauses \(runtime.counters.pauses.load(ordering: .relaxed)), "
                + "memory growth \(growth >> 20) MiB")
    }
}
