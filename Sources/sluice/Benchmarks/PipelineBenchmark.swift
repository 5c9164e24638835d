import Foundation
import Histogram
import SluiceCore
import SluiceKafka
import SluiceRuntime
import Synchronization

/// Measurements of a pipeline running on the runtime against the embedded cluster.
enum PipelineBenchmark {
    struct Throughput {
        var group: String
        var events: Int
        var seconds: Double
        var committedEvents: Int64
        var eventsPerSecond: Double { Double(events) / seconds }
    }

    /// Runs `processors` over `expected` preloaded events of `input`; measures from the first event consumed
    /// to the last output acknowledged, then stops the runtime (drain and commit) and reads the commits back.
    static func throughput(
        bootstrapServers: String, input: String, partitions: Int, expected: Int,
        processors: any EventProcessorFactory, prepare: (PipelineRuntime) throws -> Void = { _ in },
        isDone: ((RuntimeCounters) -> Bool)? = nil
    ) throws -> Throughput {
        let group = "bench-\(UInt32.random(in: 0...UInt32.max))"
        let configuration = RuntimeConfiguration(
            inputTopics: [input],
            consumer: KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: group),
            producer: KafkaProducerConfiguration(bootstrapServers: [bootstrapServers]))
        let runtime = try PipelineRuntime(
            configuration: configuration, processors: processors,
            logger: cliLogger(label: "sluice.bench"))
        try prepare(runtime)
        try runtime.start()
        let counters = runtime.counters
        guard wait(upTo: .seconds(60), until: { counters.eventsConsumed.load(ordering: .relaxed) > 0 }) else {
            throw BenchmarkError("no event consumed within 60 s")
        }
        let start = ContinuousClock.now
        let finished = wait(upTo: .seconds(600)) {
            isDone?(counters)
                ?? (counters.outputsDelivered.load(ordering: .relaxed) + counters.outputsFailed.load(ordering: .relaxed)
                    >= expected)
        }
        let seconds = (ContinuousClock.now - start).seconds
        printError(
            "  partition pauses \(counters.pauses.load(ordering: .relaxed)), poll throttles "
                + "\(counters.throttles.load(ordering: .relaxed))")
        runtime.requestStop()
        let state = runtime.waitUntilStopped()
        guard finished, state == .stopped else {
            throw BenchmarkError(
                "pipeline delivered \(counters.outputsDelivered.load(ordering: .relaxed)) of "
                    + "\(expected) outputs; final state \(state)")
        }
        let committed = try committedTotal(
            bootstrapServers: bootstrapServers, group: group, topic: input,
            partitions: partitions)
        return Throughput(group: group, events: expected, seconds: seconds, committedEvents: committed)
    }

    struct Restore {
        var records: Int
        var seconds: Double
    }

    /// Starts `processors` on an existing group whose state is in the changelog and measures how long the
    /// runtime takes to restore every partition's state and become ready.
    static func restore(
        bootstrapServers: String, group: String, input: String,
        processors: any EventProcessorFactory
    ) throws -> Restore {
        let runtime = try PipelineRuntime(
            configuration: RuntimeConfiguration(
                inputTopics: [input],
                consumer: KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: group),
                producer: KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])),
            processors: processors, logger: cliLogger(label: "sluice.bench"))
        try runtime.start()
        guard
            wait(
                upTo: .seconds(120),
                until: {
                    runtime.counters.restoredRecords.load(ordering: .relaxed) > 0 && runtime.isReady
                })
        else {
            throw BenchmarkError("the restarted pipeline did not restore and become ready within 120 s")
        }
        runtime.requestStop()
        runtime.waitUntilStopped()
        return Restore(
            records: runtime.counters.restoredRecords.load(ordering: .relaxed),
            seconds: runtime.counters.restoreSeconds)
    }

    /// End-to-end latency at a fixed input rate: each event carries its send time and goes to the partition
    /// its key hashes to (as a keyed topic's producer would send it); a separate consumer of the output topic
    /// records the time from send to the output being readable downstream. Without `processors` no pipeline
    /// runs and the consumer reads the input topic itself: the broker's own share. `linger` is the pipeline
    /// producer's `linger.ms`, `sourceLinger` the event source's (its wait is part of what is measured).
    static func latency(
        cluster: EmbeddedKafkaCluster, partitions: Int, rate: Int, duration: Duration, warmup: Duration,
        linger: Duration = .milliseconds(5), sourceLinger: Duration = .milliseconds(1),
        processors: ((_ input: String, _ output: String) throws -> any EventProcessorFactory)?,
        prepare: (PipelineRuntime) throws -> Void = { _ in },
        traffic: LatencyTraffic = .syntheticEvents
    ) throws
        -> LatencyMeasurement
    {
        let bootstrapServers = cluster.bootstrapServers
        let suffix = UInt32.random(in: 0...UInt32.max)
        let input = "latency-in-\(suffix)"
        let output = "latency-out-\(suffix)"
        try cluster.createTopic(input, partitions: partitions)
        var runtime: PipelineRuntime? = nil
        if let processors {
            try cluster.createTopic(output, partitions: partitions)
            let started = try PipelineRuntime(
                configuration: RuntimeConfiguration(
                    inputTopics: [input],
                    consumer: cluster.consumerConfiguration(groupID: "latency-\(suffix)"),
                    producer: {
                        var settings = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
                        settings.linger = linger
                        return settings
                    }()),
                processors: try processors(input, output), logger: cliLogger(label: "sluice.bench"))
            try prepare(started)
            try started.start()
            runtime = started
        }
        defer {
            runtime?.requestStop()
            runtime?.waitUntilStopped()
        }

        var measuringSettings = cluster.consumerConfiguration(groupID: "latency-measure-\(suffix)")
        measuringSettings.autoOffsetReset = .earliest
        let measuring = try KafkaConsumer(configuration: measuringSettings, logger: cliLogger(label: "sluice.bench"))
        try measuring.subscribe(topics: [runtime == nil ? input : output])

        let recording = Atomic<Bool>(false)
        let finished = Atomic<Bool>(false)
        let received = Atomic<Int>(0)
        let measurement = Mutex(LatencyMeasurement(splitAtProduce: runtime != nil))
        let wallMinusUptime = LatencySplit.wallMinusUptimeNanoseconds()
        let measuringDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            while !finished.load(ordering: .relaxed) {
                let result = measuring.poll(maxMessages: 4096, timeout: .milliseconds(20))
                let now = DispatchTime.now().uptimeNanoseconds
                let isRecording = recording.load(ordering: .relaxed)
                for batch in result.batches {
                    received.add(batch.count, ordering: .relaxed)
                    guard isRecording else { continue }
                    measurement.withLock { measurement in
                        for message in batch {
                            guard let value = message.value, let sent = traffic.sentNanoseconds(value) else {
                                continue
                            }
                            _ = measurement.endToEnd.record((now &- sent) / 1000)
                            guard measurement.splitAtProduce, let produced = message.timestamp?.milliseconds else {
                                continue
                            }
                            let split = LatencySplit(
                                sentUptime: sent, receivedUptime: now, producedWallMilliseconds: produced,
                                wallMinusUptime: wallMinusUptime)
                            _ = measurement.untilProduced.record(split.untilProduced)
                            _ = measurement.afterProduced.record(split.afterProduced)
                        }
                    }
                }
            }
            measuring.close()
            measuringDone.signal()
        }
        defer {
            finished.store(true, ordering: .relaxed)
            measuringDone.wait()
        }

        var generatorSettings = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])
        generatorSettings.linger = sourceLinger
        let generator = try KafkaProducer(configuration: generatorSettings, logger: cliLogger(label: "sluice.bench")) {
            _ in
        }
        let topic = try generator.topic(input)
        let makeEvent = traffic.makeGenerator()
        var value: [UInt8] = []
        var key: [UInt8] = []
        var totalSent = 0
        func send() throws {
            makeEvent(&value, &key, DispatchTime.now().uptimeNanoseconds)
            try generator.send(to: topic, key: key, value: value)
            totalSent += 1
        }
        // Wait until the pipeline and the measuring consumer both flow end to end.
        guard
            wait(
                upTo: .seconds(60),
                until: {
                    try? send()
                    return received.load(ordering: .relaxed) > 0
                })
        else {
            throw BenchmarkError("no output reached the measuring consumer within 60 s")
        }
        var sent = 0
        let start = ContinuousClock.now
        let end = start + warmup + duration
        while ContinuousClock.now < end {
            if !recording.load(ordering: .relaxed), ContinuousClock.now - start >= warmup {
                recording.store(true, ordering: .relaxed)
            }
            let due = Int((ContinuousClock.now - start).seconds * Double(rate))
            while sent < due {
                try send()
                sent += 1
            }
            Thread.sleep(forTimeInterval: 0.0005)
        }
        try generator.close()
        let everything = totalSent
        let caughtUp = wait(upTo: .seconds(30)) { received.load(ordering: .relaxed) >= everything }
        guard caughtUp else {
            throw BenchmarkError("only \(received.load(ordering: .relaxed)) of \(everything) latency events came out")
        }
        return measurement.withLock { $0 }
    }

    /// What a latency run measured, in microseconds: send → output readable downstream and, for a pipeline, the
    /// same time cut where the pipeline handed the output to its producer.
    struct LatencyMeasurement {
        var endToEnd = Self.histogram()
        /// Whether outputs are the pipeline's (their Kafka timestamp is its produce call); not for the broker alone,
        /// whose outputs are the generator's own records.
        var splitAtProduce: Bool
        /// Send → the pipeline's produce call: the input's way through the broker, the poll loop and the lane.
        var untilProduced = Self.histogram()
        /// The pipeline's produce call → readable downstream: linger, the broker, the downstream fetch.
        var afterProduced = Self.histogram()

        init(splitAtProduce: Bool) {
            self.splitAtProduce = splitAtProduce
        }

        private static func histogram() -> Histogram<UInt64> {
            Histogram<UInt64>(highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: .three)
        }
    }

    /// What a latency run sends, and how it reads each output's send time back.
    struct LatencyTraffic: Sendable {
        /// Makes a generator that writes the next event (stamped with the uptime in nanoseconds) and its key.
        var makeGenerator: @Sendable () -> (inout [UInt8], inout [UInt8], UInt64) -> Void
        /// The send time an output carries, in uptime nanoseconds.
        var sentNanoseconds: @Sendable (UnsafeRawBufferPointer) -> UInt64?

        /// The benchmark's own events, copied through by the passthrough pipeline with their `sent_ns` field.
        static let syntheticEvents = LatencyTraffic(
            makeGenerator: {
                var events = SyntheticEvents(seed: 7)
                return { value, key, now in events.next(into: &value, key: &key, sentNanoseconds: now) }
            },
            sentNanoseconds: { SyntheticEvents.sentNanoseconds(in: $0) })
    }

    /// The group's committed offsets of `topic`, summed over its partitions.
    static func committedTotal(bootstrapServers: String, group: String, topic: String, partitions: Int) throws
        -> Int64
    {
        let reader = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: group),
            logger: cliLogger(label: "sluice.bench"))
        let positions = try reader.committedPositions(
            (0..<partitions).map { KafkaTopicPartition(topic: topic, partition: Int32($0)) })
        reader.close()
        return positions.values.reduce(0, +)
    }

    /// Polls `condition` every half millisecond until it holds or `limit` passes.
    static func wait(upTo limit: Duration, until condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.0005)
        }
        return condition()
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
