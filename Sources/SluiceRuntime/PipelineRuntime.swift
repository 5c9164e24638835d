import Dispatch
import Foundation
public import Logging
public import SluiceCore
public import SluiceKafka
import Synchronization

/// Runs an operator chain over Kafka: one consumer poll loop on its own queue, one lane per assigned
/// partition, an idempotent producer whose delivery reports release offsets for commit (and a second one for
/// state records, when the processors keep state).
///
/// Guarantees: per-partition order; a partition's offset is stored and committed only after every output
/// of the events before it was acknowledged (at-least-once); memory bounded by pausing partitions whose
/// lane has too much in flight; on revoke and on shutdown, lanes drain and commit before partitions leave.
public final class PipelineRuntime: @unchecked Sendable {
    // @unchecked: `lanes` and `lifecycle`'s poll-side fields are touched only on the poll queue (the rebalance
    // handlers run there too, inside `poll` and `close`); shared state is atomic or behind a Mutex.
    /// The lifecycle of a runtime; it moves only forward.
    public enum State: Equatable, Sendable {
        case idle
        case running
        case draining
        case stopped
        case failed(String)
    }

    /// Counters for monitoring and tests.
    public let counters = RuntimeCounters()

    private let configuration: RuntimeConfiguration
    private let factory: any EventProcessorFactory
    private let logger: Logger
    /// The producer of the lanes' outputs.
    private let producer: KafkaProducer
    /// The producer of state records (changelogs), when a sink holds state; see ``SinkDescriptor/holdsState``.
    private let stateProducer: KafkaProducer?
    /// The producer of side outputs, made by the first ``recordWriter(for:)``.
    private let sideProducer = Mutex<KafkaProducer?>(nil)
    private let consumer: KafkaConsumer
    private let sinkTopics: [LaneSink]
    private let slots: LaneSlots
    private let failure: RuntimeFailure
    private let state = Mutex<State>(.idle)
    private let stopRequested = Atomic<Bool>(false)
    private let restoring = Atomic<Bool>(false)
    private let stopped = DispatchSemaphore(value: 0)
    private let pollQueue = DispatchQueue(label: "sluice.poll", qos: .userInitiated)
    private var lanes: [KafkaTopicPartition: Lane] = [:] {
        didSet { owned.withLock { $0 = lanes.keys.sorted { ($0.topic, $0.partition) < ($1.topic, $1.partition) } } }
    }
    /// The keys of `lanes`, readable from any thread.
    private let owned = Mutex<[KafkaTopicPartition]>([])

    /// Creates the Kafka clients; nothing is consumed until ``start()``.
    public init(
        configuration: RuntimeConfiguration, processors: any EventProcessorFactory,
        logger: Logger = Logger(label: "sluice.runtime")
    ) throws {
        self.configuration = configuration
        self.factory = processors
        self.logger = logger
        guard configuration.maxLanes <= LaneSlots.maxCount else {
            throw KafkaError(
                .configuration, message: "maxLanes \(configuration.maxLanes) is more than \(LaneSlots.maxCount)")
        }
        let slots = LaneSlots(count: configuration.maxLanes, checkpointsPerLane: configuration.checkpointsPerLane)
        let failure = RuntimeFailure()
        let counters = self.counters
        self.slots = slots
        self.failure = failure
        let acknowledge: @Sendable (KafkaDeliveryReport) -> Void = { report in
            // Side outputs (shadow records, alerts) are not tied to input offsets and never fail the pipeline.
            if ProducerRecordWriter.isUntracked(report.context) {
                if report.error == nil {
                    counters.sideOutputsDelivered.add(1, ordering: .relaxed)
                    counters.countDelivered(output: LaneSlots.output(of: report.context))
                } else {
                    counters.sideOutputsFailed.add(1, ordering: .relaxed)
                }
                return
            }
            // The failure is recorded before the acknowledgement, so a lane that sees the checkpoint complete
            // also sees the failure and stores no offset past it.
            if let error = report.error {
                counters.outputsFailed.add(1, ordering: .relaxed)
                failure.record("an output could not be delivered: \(error)")
            } else {
                counters.outputsDelivered.add(1, ordering: .relaxed)
                counters.countDelivered(output: LaneSlots.output(of: report.context))
            }
            let (slot, checkpoint) = LaneSlots.unpack(report.context)
            slots.tracker(slot)?.acknowledge(checkpoint)
        }
        let producer = try KafkaProducer(configuration: configuration.producer, logger: logger, onDelivery: acknowledge)
        self.producer = producer
        var stateSettings = configuration.producer
        stateSettings.clientID += "-state"
        let stateProducer =
            try processors.sinks.contains(where: \.holdsState)
            ? KafkaProducer(configuration: stateSettings, logger: logger, onDelivery: acknowledge) : nil
        self.stateProducer = stateProducer
        sinkTopics = try processors.sinks.map { sink in
            let through = sink.holdsState ? stateProducer ?? producer : producer
            return LaneSink(
                name: sink.name, producer: through, topic: try through.topic(sink.topic),
                output: counters.outputIndex(topic: sink.topic))
        }
        let bridge = RebalanceBridge()
        consumer = try KafkaConsumer(
            configuration: configuration.consumer,
            rebalanceHandler: KafkaRebalanceHandler(
                onAssign: { _, partitions in bridge.runtime?.partitionsAssigned(partitions) ?? [:] },
                onRevoke: { _, partitions, isLost in bridge.runtime?.partitionsRevoked(partitions, isLost: isLost) }),
            logger: logger)
        bridge.runtime = self
    }

    /// Which producer sends each sink, by sink name: `outputs` (the lanes' producer) or `state` (the producer of
    /// state records).
    var producerRoleBySink: [String: String] {
        Dictionary(sinkTopics.map { ($0.name, $0.producer === producer ? "outputs" : "state") }) { first, _ in first }
    }

    /// The current lifecycle state.
    public var currentState: State { state.withLock { $0 } }

    /// Whether the runtime is running with partitions assigned and no state being restored: ready to serve.
    public var isReady: Bool {
        currentState == .running && !restoring.load(ordering: .relaxed)
            && counters.partitionsAssigned.load(ordering: .relaxed)
                > counters.partitionsRevoked.load(ordering: .relaxed)
    }

    /// The partitions this process owns now (each has a lane), in topic and partition order.
    public var assignedPartitions: [KafkaTopicPartition] { owned.withLock { $0 } }

    /// Consumer lag per partition from librdkafka's latest statistics (every few seconds; may still name a
    /// partition that was revoked since).
    public var consumerLag: [KafkaTopicPartition: Int64] { consumer.consumerLag }

    /// A writer for records that go beside the lanes (shadow records, alerts) to `sinks`, outside offset
    /// tracking: their delivery is counted, never waited for. They go through a producer of their own that
    /// lingers longer (50 ms) than the lanes' producer and whose threads run at idle priority, so a shadow's
    /// record per event travels in few large requests, does not queue in front of the predictions and takes
    /// only CPU the lanes leave.
    public func recordWriter(for sinks: [SinkDescriptor]) throws -> any RecordWriter {
        let producer = try sideProducer.withLock { existing in
            if let existing { return existing }
            var settings = configuration.producer
            settings.linger = max(settings.linger, .milliseconds(50))
            settings.clientID += "-side"
            settings.runsAtIdlePriority = true
            let counters = self.counters
            let made = try KafkaProducer(configuration: settings, logger: logger) { report in
                if report.error == nil {
                    counters.sideOutputsDelivered.add(1, ordering: .relaxed)
                    counters.countDelivered(output: LaneSlots.output(of: report.context))
                } else {
                    counters.sideOutputsFailed.add(1, ordering: .relaxed)
                }
            }
            existing = made
            return made
        }
        return try ProducerRecordWriter(producer: producer, sinks: sinks, counters: counters, logger: logger)
    }

    /// Subscribes and starts the poll loop.
    public func start() throws {
        try state.withLock { state in
            guard state == .idle else { throw KafkaError(.consume, message: "the runtime was already started") }
            state = .running
        }
        try consumer.subscribe(topics: configuration.inputTopics)
        logger.info("consuming \(configuration.inputTopics) as group '\(configuration.consumer.groupID)'")
        pollQueue.async { self.pollLoop() }
    }

    /// Asks the runtime to drain, commit and stop; returns at once. Safe to call from a signal handler's queue.
    public func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
    }

    /// Waits until the runtime has stopped (after ``requestStop()`` or a failure) and returns its final state.
    @discardableResult
    public func waitUntilStopped() -> State {
        stopped.wait()
        stopped.signal()
        return currentState
    }

    private func pollLoop() {
        var lastTick = ContinuousClock.now
        while !stopRequested.load(ordering: .relaxed), !failure.hasFailed {
            waitForRoom()
            let result = consumer.poll(maxMessages: configuration.maxPollMessages, timeout: .milliseconds(50))
            for error in result.errors { logger.warning("\(error)") }
            for batch in result.batches {
                guard let lane = lanes[batch.topicPartition] else {
                    failure.record("received messages of \(batch.topicPartition), which has no lane")
                    break
                }
                counters.eventsConsumed.add(batch.count, ordering: .relaxed)
                lane.submit(batch)
            }
            applyBackpressure()
            let now = ContinuousClock.now
            if now - lastTick >= configuration.tickInterval {
                lastTick = now
                let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
                for lane in lanes.values { lane.tick(wallClock: wallClock) }
            }
        }
        shutDown()
    }

    /// Pauses a partition whose lane has too much in flight and resumes it under the low mark. Runs on the
    /// poll queue after each poll. The process-wide bound is kept by ``waitForRoom()`` instead: pausing every
    /// partition would make librdkafka drop and refetch everything it prefetched.
    private func applyBackpressure() {
        var total = 0
        for lane in lanes.values {
            let inFlight = lane.inFlight
            total += inFlight
            if !lane.isPaused, inFlight > configuration.laneHighWatermark {
                do {
                    try consumer.pause([lane.topicPartition])
                    lane.isPaused = true
                    counters.pauses.add(1, ordering: .relaxed)
                } catch {
                    logger.warning("could not pause \(lane.topicPartition): \(error)")
                }
            } else if lane.isPaused, inFlight < configuration.laneLowWatermark {
                do {
                    try consumer.resume([lane.topicPartition])
                    lane.isPaused = false
                    counters.resumes.add(1, ordering: .relaxed)
                } catch {
                    logger.warning("could not resume \(lane.topicPartition): \(error)")
                }
            }
        }
        counters.inFlight.store(total, ordering: .relaxed)
    }

    /// While all lanes together hold more than the process high mark, stops taking messages from librdkafka
    /// (which then stops fetching once its own prefetch queue is full) until they are back under the low
    /// mark. Lanes keep draining meanwhile, so polls resume within milliseconds.
    private func waitForRoom() {
        guard counters.inFlight.load(ordering: .relaxed) > configuration.processHighWatermark else { return }
        counters.throttles.add(1, ordering: .relaxed)
        while !stopRequested.load(ordering: .relaxed), !failure.hasFailed {
            let total = lanes.values.reduce(0) { $0 + $1.inFlight }
            counters.inFlight.store(total, ordering: .relaxed)
            if total < configuration.processLowWatermark { return }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    /// Drains every lane, commits, leaves the group and flushes the producer. Runs on the poll queue.
    private func shutDown() {
        state.withLock { if $0 == .running { $0 = .draining } }
        logger.info("draining \(lanes.count) lanes")
        releaseLanes(Array(lanes.keys), commit: true)
        consumer.close()
        // Every lane output is acknowledged by now (lanes drained); what may remain are side outputs (shadow
        // records, alerts), which must not hold up or fail a shutdown.
        if let side = sideProducer.withLock({ $0 }) {
            do {
                try side.flush(timeout: .seconds(5))
            } catch {
                logger.warning("\(side.outstandingMessages) side outputs undelivered at shutdown are dropped: \(error)")
                side.purge()
            }
            try? side.close(timeout: .seconds(5))
        }
        for lanesProducer in [producer, stateProducer].compactMap({ $0 }) {
            do {
                try lanesProducer.close(timeout: configuration.drainTimeout)
            } catch {
                failure.record("could not flush outputs on shutdown: \(error)")
            }
        }
        state.withLock { state in
            if let message = failure.message {
                state = .failed(message)
            } else {
                state = .stopped
            }
        }
        logger.info("stopped: \(currentState)")
        stopped.signal()
    }

    /// Called inside the consumer's rebalance callback, on the poll queue: makes each partition's lane and, for
    /// stateful processors, restores the partition's state from its changelog before any event arrives.
    /// Returns where partitions must start when their restored state is ahead of the committed offset.
    private func partitionsAssigned(_ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64] {
        var starts: [KafkaTopicPartition: Int64] = [:]
        restoring.store(true, ordering: .relaxed)
        defer { restoring.store(false, ordering: .relaxed) }
        for partition in partitions where lanes[partition] == nil {
            guard let (slot, tracker) = slots.take() else {
                failure.record("more than \(configuration.maxLanes) partitions assigned; raise maxLanes")
                return starts
            }
            do {
                let processor = try factory.makeProcessor(topic: partition.topic, partition: partition.partition)
                if let stateful = processor as? any StatefulEventProcessor {
                    if let start = try restore(stateful, partition: partition) { starts[partition] = start }
                }
                lanes[partition] = Lane(
                    topicPartition: partition, slot: slot, acknowledgements: tracker, processor: processor,
                    sinks: sinkTopics, consumer: consumer, counters: counters, failure: failure,
                    drainTimeout: configuration.drainTimeout)
                counters.partitionsAssigned.add(1, ordering: .relaxed)
            } catch {
                slots.giveBack(slot)
                failure.record("could not set up \(partition): \(error)")
            }
        }
        return starts
    }

    /// Restores a partition's state; returns the offset to start at when the state covers more than the
    /// group has committed (its last flush was acknowledged but the commit after it did not happen).
    private func restore(_ processor: any StatefulEventProcessor, partition: KafkaTopicPartition) throws -> Int64? {
        let changelog = KafkaTopicPartition(
            topic: factory.sinks[processor.changelogSink].topic,
            partition: partition.partition)
        let restorer = ChangelogRestorer(
            bootstrapServers: configuration.consumer.bootstrapServers,
            properties: configuration.consumer.properties, logger: logger)
        let outcome = try restorer.restore(processor, changelog: changelog)
        counters.restoredRecords.add(outcome.records, ordering: .relaxed)
        counters.restoreMicroseconds.add(Int(outcome.seconds * 1e6), ordering: .relaxed)
        let seconds = String(format: "%.2f", outcome.seconds)
        logger.info(
            "restored \(partition) from \(changelog): \(outcome.records) records, \(outcome.bytes) bytes in \(seconds) s; state covers input before \(outcome.position ?? 0)"
        )
        guard let position = outcome.position else { return nil }
        let committed = try consumer.committedPositions([partition])[partition] ?? 0
        return position > committed ? position : nil
    }

    /// Called inside the consumer's rebalance callback (or close), on the poll queue.
    private func partitionsRevoked(_ partitions: [KafkaTopicPartition], isLost: Bool) {
        releaseLanes(partitions, commit: !isLost)
    }

    /// Drains the lanes of `partitions` and, when `commit` is set, commits their final positions synchronously.
    private func releaseLanes(_ partitions: [KafkaTopicPartition], commit: Bool) {
        var positions: [KafkaTopicPartition: Int64] = [:]
        for partition in partitions {
            guard let lane = lanes.removeValue(forKey: partition) else { continue }
            let (position, isDrained) = lane.drain(timeout: configuration.drainTimeout)
            if let position { positions[partition] = position }
            if isDrained {
                slots.giveBack(lane.slot)
            } else {
                // Its slot stays taken: a late delivery report must not reach a lane that reuses it.
                failure.record("\(partition): outputs still unacknowledged after \(configuration.drainTimeout)")
            }
            counters.partitionsRevoked.add(1, ordering: .relaxed)
        }
        guard commit, !positions.isEmpty, !failure.hasFailed else { return }
        do {
            try consumer.commit(positions, rebalanceRetry: .seconds(10))
            counters.commits.add(1, ordering: .relaxed)
            logger.info("committed \(positions)")
        } catch {
            logger.warning("commit on release failed (events after the last commit will be read again): \(error)")
        }
    }
}

/// Lets the consumer's rebalance handler reach the runtime that owns the consumer.
private final class RebalanceBridge: @unchecked Sendable {
    // @unchecked: written once during the runtime's init, before the consumer can call back.
    weak var runtime: PipelineRuntime?
}
