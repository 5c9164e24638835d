import Dispatch
import Foundation
import SluiceCore
import SluiceKafka
import Synchronization

/// The lane of one assigned partition: a serial queue that runs the partition's operator chain over its
/// batches in offset order, sends outputs tagged with the batch's checkpoint, and stores the partition's
/// offset once every output of the batches before it is acknowledged.
final class Lane: @unchecked Sendable {
    // @unchecked: everything mutable is touched only on `queue`, except `queuedMessages` (atomic) and
    // `isPaused` (poll thread only).
    let topicPartition: KafkaTopicPartition
    let slot: Int
    let acknowledgements: LaneAcknowledgements
    /// Messages handed to the lane and not yet processed.
    let queuedMessages = Atomic<Int>(0)
    /// Whether the partition is paused for backpressure (poll thread only).
    var isPaused = false

    private let queue: DispatchQueue
    private let processor: any EventProcessor
    /// The processor again when it keeps durable state; nil for stateless ones.
    private let stateful: (any StatefulEventProcessor)?
    private let drainTimeout: Duration
    /// The position every flushed state change covers: a stateful lane commits only up to here.
    private var durablePosition: Int64? = nil
    /// When the lane last flushed its state. Starts at a point spread by partition over one flush interval, so
    /// that the lanes of a process flush at different moments instead of all writing their changelogs in one
    /// burst that outputs would queue behind.
    private var lastFlushWallClock: Int64?
    /// A flush whose state records are written (in checkpoint `throughCheckpoint`) and whose progress record
    /// waits for them and every earlier output to be acknowledged.
    private var pendingFlush: (position: Int64, throughCheckpoint: Int)?
    private let emitter: LaneEmitter
    /// The end-to-end latencies of the batch being finished, before they go to `counters`.
    private let latencies: LatencyObservations
    private let consumer: KafkaConsumer
    private let counters: RuntimeCounters
    private let failure: RuntimeFailure
    /// The next offset to read after everything processed so far.
    private var processedPosition: Int64? = nil
    /// The last position stored for commit.
    private var storedPosition: Int64? = nil

    init(
        topicPartition: KafkaTopicPartition, slot: Int, acknowledgements: LaneAcknowledgements,
        processor: any EventProcessor, sinks: [LaneSink],
        consumer: KafkaConsumer, counters: RuntimeCounters, failure: RuntimeFailure, drainTimeout: Duration
    ) {
        self.stateful = processor as? any StatefulEventProcessor
        self.drainTimeout = drainTimeout
        self.topicPartition = topicPartition
        self.slot = slot
        self.acknowledgements = acknowledgements
        self.processor = processor
        self.consumer = consumer
        self.counters = counters
        self.failure = failure
        emitter = LaneEmitter(sinks: sinks, acknowledgements: acknowledgements, slot: slot)
        latencies = LatencyObservations(for: counters.endToEndLatency)
        // Lanes share the global pool (about one thread per core) instead of each getting a thread.
        queue = DispatchQueue(label: "sluice.lane.\(topicPartition)", target: .global(qos: .userInitiated))
    }

    /// Messages queued plus outputs unacknowledged: what backpressure bounds.
    var inFlight: Int {
        queuedMessages.load(ordering: .relaxed) + acknowledgements.outstandingOutputs.load(ordering: .relaxed)
    }

    /// Hands a batch to the lane (one queue hop per batch).
    func submit(_ batch: KafkaMessageBatch) {
        queuedMessages.add(batch.count, ordering: .relaxed)
        queue.async { self.process(batch) }
    }

    /// Runs the processor's timers on the lane, writes its state to the changelog when it is due, and stores
    /// what became committable meanwhile.
    func tick(wallClock: Int64) {
        queue.async {
            self.runInCheckpoint { try self.processor.tick(wallClock: wallClock, emitter: self.emitter) }
            if let stateful = self.stateful,
                wallClock - self.flushClock(now: wallClock, stateful) >= stateful.stateFlushInterval
            {
                self.lastFlushWallClock = wallClock
                self.flushState()
            }
            self.storeCompleted()
            self.advanceFlush()
        }
    }

    /// The wall clock of the last flush; the first time, a moment within the last interval chosen by partition.
    private func flushClock(now: Int64, _ stateful: any StatefulEventProcessor) -> Int64 {
        if let lastFlushWallClock { return lastFlushWallClock }
        let interval = max(stateful.stateFlushInterval, 1)
        let phase = (Int64(topicPartition.partition) &* 7919) % interval
        lastFlushWallClock = now - phase
        return now - phase
    }

    /// Between flushes a stateful lane commits nothing beyond the last complete flush, so restored state and
    /// committed offsets always agree. Runs on the lane's queue.
    ///
    /// Starts a flush without stopping the lane: writes the state changes since the last flush now (as of the
    /// processed position), and leaves the progress record that makes them count to ``advanceFlush()``, once
    /// every output before them and they themselves are acknowledged. No new flush starts before that.
    private func flushState() {
        guard let stateful, pendingFlush == nil, let position = processedPosition, position != durablePosition,
            !failure.hasFailed
        else { return }
        var checkpoint = -1
        runInCheckpoint {
            checkpoint = emitter.checkpoint
            try stateful.flushChanges(partition: topicPartition.partition, emitter: emitter)
        }
        pendingFlush = (position, checkpoint)
        advanceFlush()
    }

    /// Writes the pending flush's progress record once every checkpoint up to its state records is complete; the
    /// checkpoint holding the progress record makes its position committable.
    private func advanceFlush() {
        guard let stateful, let pending = pendingFlush, !failure.hasFailed else { return }
        storeCompleted()
        guard acknowledgements.oldest > pending.throughCheckpoint else { return }
        pendingFlush = nil
        runInCheckpoint {
            try stateful.writeProgress(
                position: pending.position, partition: topicPartition.partition, emitter: emitter)
            durablePosition = pending.position
        }
    }

    /// Flushes everything and waits for it (on drain: revoke and shutdown): finishes a pending flush, writes the
    /// changes since, and stores the position they cover.
    private func flushStateAndWait() {
        guard let stateful, !failure.hasFailed else { return }
        if pendingFlush != nil {
            guard waitForAcknowledgements() else { return }
            advanceFlush()
        }
        guard let position = processedPosition, position != durablePosition else { return }
        guard waitForAcknowledgements() else { return }
        runInCheckpoint {
            try stateful.flushChanges(partition: topicPartition.partition, emitter: emitter)
            try stateful.writeProgress(position: position, partition: topicPartition.partition, emitter: emitter)
            durablePosition = position
        }
        guard waitForAcknowledgements(), !failure.hasFailed else { return }
        do {
            try consumer.store([topicPartition: position])
        } catch {
            // The partition may already be unassigned during a rebalance; the revoke commit covers it.
        }
        storedPosition = position
    }

    /// Waits (on the lane's queue) until every output sent so far is acknowledged; records a failure and
    /// returns false if that takes longer than the drain timeout.
    private func waitForAcknowledgements() -> Bool {
        let deadline = ContinuousClock.now + drainTimeout
        while true {
            _ = acknowledgements.collectCompleted()
            if acknowledgements.isDrained { return true }
            if ContinuousClock.now >= deadline {
                failure.record("\(topicPartition): outputs unacknowledged after \(drainTimeout) while flushing state")
                return false
            }
            Thread.sleep(forTimeInterval: 0.0005)
        }
    }

    /// Finishes everything queued, lets the processor flush, waits for every output to be acknowledged
    /// (up to `timeout`), and returns the position to commit, if the lane processed anything.
    /// Returns with `isDrained` false when the wait timed out.
    func drain(timeout: Duration) -> (position: Int64?, isDrained: Bool) {
        queue.sync {
            runInCheckpoint { try processor.prepareToRelease(emitter: emitter) }
            flushStateAndWait()
        }
        let deadline = ContinuousClock.now + timeout
        while true {
            let drained = queue.sync { () -> Bool in
                storeCompleted()
                return acknowledgements.isDrained
            }
            if drained || ContinuousClock.now >= deadline {
                return (queue.sync { storedPosition }, drained)
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
    }

    private func process(_ batch: KafkaMessageBatch) {
        defer { queuedMessages.subtract(batch.count, ordering: .relaxed) }
        let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
        guard !failure.hasFailed else { return }
        let topic = topicPartition.topic
        let partition = topicPartition.partition
        runInCheckpoint {
            for message in batch {
                let record = InputRecord(
                    key: message.key, value: message.value, timestamp: message.timestamp?.milliseconds,
                    source: SourcePosition(topic: topic, partition: partition, offset: message.offset))
                try processor.process(record, emitter: emitter)
            }
            if let last = batch.lastOffset { processedPosition = last + 1 }
            try processor.endBatch(wallClock: wallClock, emitter: emitter)
        }
        recordLatencies(batch)
        counters.eventsProcessed.add(batch.count, ordering: .relaxed)
        storeCompleted()
        advanceFlush()
    }

    /// Adds, for each message of `batch` with a timestamp, the time from that timestamp to now — every output of
    /// the batch is with the producer — to the end-to-end latency histogram.
    private func recordLatencies(_ batch: KafkaMessageBatch) {
        let now = Int64(Date().timeIntervalSince1970 * 1e6)
        for message in batch {
            guard let timestamp = message.timestamp?.milliseconds else { continue }
            latencies.record(microseconds: Int(truncatingIfNeeded: now &- timestamp &* 1000))
        }
        counters.endToEndLatency.add(latencies)
    }

    /// Runs `work` with its outputs counted against a new checkpoint whose position is what the lane has
    /// processed when `work` ends.
    private func runInCheckpoint(_ work: () throws -> Void) {
        while !acknowledgements.hasRoom {
            // Every checkpoint is waiting for the broker: wait for acknowledgements (backpressure pauses
            // the partition long before this in normal operation).
            storeCompleted()
            if !acknowledgements.hasRoom { Thread.sleep(forTimeInterval: 0.0002) }
        }
        let checkpoint = acknowledgements.open()
        emitter.checkpoint = checkpoint
        emitter.sentCount = 0
        do {
            try work()
        } catch {
            failure.record("\(topicPartition): the operator chain failed: \(error)")
        }
        counters.outputsSent.add(emitter.sentCount, ordering: .relaxed)
        // A stateful lane's batches become committable only up to what its flushed state covers.
        let position = stateful == nil ? processedPosition : durablePosition
        acknowledgements.close(checkpoint, position: position ?? -1)
    }

    /// Stores the newest position whose batches' outputs are all acknowledged, unless the pipeline failed.
    private func storeCompleted() {
        guard let position = acknowledgements.collectCompleted(), position >= 0, position != storedPosition,
            !failure.hasFailed
        else { return }
        do {
            try consumer.store([topicPartition: position])
            storedPosition = position
        } catch {
            // The partition may already be unassigned during a rebalance; the revoke commit covers it.
            storedPosition = position
        }
    }
}

/// Where a lane's sink goes: the producer that sends it, its topic handle in that producer, and the index of its
/// topic in the runtime's output counters.
struct LaneSink {
    var name: String
    var producer: KafkaProducer
    var topic: KafkaTopic
    var output: Int
}

/// The emitter of one lane: sends to Kafka with the lane's slot and current checkpoint as context.
final class LaneEmitter: OutputEmitter {
    private let sinks: [LaneSink]
    private let acknowledgements: LaneAcknowledgements
    private let slot: Int
    var checkpoint = 0
    var sentCount = 0

    init(sinks: [LaneSink], acknowledgements: LaneAcknowledgements, slot: Int) {
        self.sinks = sinks
        self.acknowledgements = acknowledgements
        self.slot = slot
    }

    func emit(to sink: Int, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, partition: Int32?)
        throws(OutputError)
    {
        acknowledgements.addOutput(checkpoint)
        do {
            try sinks[sink].producer.send(
                to: sinks[sink].topic, partition: partition, key: key, value: value,
                context: LaneSlots.context(slot: slot, checkpoint: checkpoint, output: sinks[sink].output))
            sentCount += 1
        } catch {
            acknowledgements.cancelOutput(checkpoint)
            throw OutputError(sink: sinks[sink].name, message: error.description)
        }
    }
}

/// The first fatal failure of a runtime; once set, lanes stop processing and storing offsets.
final class RuntimeFailure: Sendable {
    private let flag = Atomic<Bool>(false)
    private let reason = Mutex<String?>(nil)

    var hasFailed: Bool { flag.load(ordering: .acquiring) }
    var message: String? { reason.withLock { $0 } }

    func record(_ message: String) {
        reason.withLock { if $0 == nil { $0 = message } }
        flag.store(true, ordering: .releasing)
    }
}
