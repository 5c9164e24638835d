internal import CRDKafka
import Foundation
public import Logging
import Synchronization

/// What the application does when the group moves partitions. Both closures run synchronously inside
/// librdkafka's rebalance callback, on the thread that called ``KafkaConsumer/poll(maxMessages:timeout:)``
/// (or ``KafkaConsumer/close()``):
/// - `onAssign` runs before any message of the new partitions is delivered;
/// - `onRevoke` runs before the partitions are given up, so it can finish their work and commit.
public struct KafkaRebalanceHandler: Sendable {
    /// Called with partitions newly assigned to this member; returns the offset to start each partition at where
    /// it should not start at the group's committed offset (for example, after restoring state that is ahead
    /// of it). Partitions not in the result start at the committed offset.
    public var onAssign:
        @Sendable (_ consumer: KafkaConsumer, _ partitions: [KafkaTopicPartition]) -> [KafkaTopicPartition: Int64]
    /// Called with partitions about to leave this member. `isLost` is true when the group already gave
    /// them to another member (session timed out): committing them then would fail or overwrite theirs.
    public var onRevoke:
        @Sendable (_ consumer: KafkaConsumer, _ partitions: [KafkaTopicPartition], _ isLost: Bool) -> Void

    public init(
        onAssign:
            @escaping @Sendable (_ consumer: KafkaConsumer, _ partitions: [KafkaTopicPartition])
            -> [KafkaTopicPartition: Int64],
        onRevoke:
            @escaping @Sendable (
                _ consumer: KafkaConsumer, _ partitions: [KafkaTopicPartition],
                _ isLost: Bool
            ) -> Void
    ) {
        self.onAssign = onAssign
        self.onRevoke = onRevoke
    }
}

/// What one poll returned: messages grouped by partition, and errors the consumer reported.
public struct KafkaPollResult: Sendable {
    /// One batch per partition that had messages, in the order their first message arrived.
    public var batches: [KafkaMessageBatch]
    /// Consumer errors delivered in place of messages (such as an unknown topic).
    public var errors: [KafkaError]

    /// How many messages the poll returned, over all partitions.
    public var messageCount: Int { batches.reduce(0) { $0 + $1.count } }
}

/// A Kafka group consumer over librdkafka with explicit offset storage and a synchronous rebalance hook.
///
/// One thread polls (``poll(maxMessages:timeout:)``); the rebalance handler runs on that thread.
/// Offsets are stored by the application (``store(_:)``) once a message's outputs are safe; only stored
/// offsets are committed, in the background every `autoCommitInterval` and on ``commit(_:)``.
public final class KafkaConsumer: @unchecked Sendable {
    // @unchecked: librdkafka's consumer handle is thread-safe for everything but polling, and polling
    // (with its reusable buffers) is documented as single-threaded. Other mutable state is in Mutexes.
    let client: RDKafkaHandle
    private let callbackTarget: ConsumerCallbackTarget
    private let consumerQueue: OpaquePointer
    private let logger: Logger
    private let state = Mutex<LifecycleState>(.idle)
    private var pollBuffer: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    private var pollBufferCapacity: Int
    private var topicNames: [OpaquePointer: String] = [:]

    private enum LifecycleState {
        case idle
        case subscribed([String])
        case closed
    }

    /// Creates a consumer; nothing is fetched until ``subscribe(topics:)``.
    public init(
        configuration: KafkaConsumerConfiguration, rebalanceHandler: KafkaRebalanceHandler? = nil,
        logger: Logger = Logger(label: "sluice.kafka.consumer")
    ) throws(KafkaError) {
        let target = ConsumerCallbackTarget(
            logger: logger, rebalanceHandler: rebalanceHandler,
            isConfiguredCooperative: configuration.rebalanceProtocol == .cooperative)
        let client = try RDKafkaHandle(
            RD_KAFKA_CONSUMER, properties: configuration.librdkafkaProperties,
            callbackTarget: target
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, handleRebalance)
            rd_kafka_conf_set_stats_cb(conf, receiveStatistics)
        }
        // Everything the client reports (rebalances, statistics, errors) arrives on the consumer queue,
        // so one poll loop serves it all.
        rd_kafka_poll_set_consumer(client.pointer)
        self.client = client
        self.callbackTarget = target
        self.consumerQueue = rd_kafka_queue_get_consumer(client.pointer)
        self.logger = logger
        pollBufferCapacity = 1024
        pollBuffer = .allocate(capacity: pollBufferCapacity)
        target.consumer = self
    }

    deinit {
        let wasOpen = state.withLock { state in
            defer { state = .closed }
            if case .closed = state { return false }
            return true
        }
        if wasOpen { rd_kafka_consumer_close(client.pointer) }
        rd_kafka_queue_destroy(consumerQueue)
        pollBuffer.deallocate()
    }

    /// Joins the group for `topics`; partitions arrive through the rebalance handler and polls.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = makePartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_subscribe(client.pointer, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consume, rdError: code, context: "subscribe to \(topics)")
        }
        state.withLock { $0 = .subscribed(topics) }
    }

    /// Reads `partitions` outside any group from the given offsets (no subscription, no commits): for restoring
    /// state from a changelog.
    public func assign(_ starts: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        let list = makePartitionList(Array(starts.keys), offsets: starts)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_assign(client.pointer, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.assignment, rdError: code, context: "assign \(starts)")
        }
        state.withLock { $0 = .subscribed([]) }
    }

    /// The low and high watermarks of a partition (first offset kept, next offset to be written), asked of the
    /// broker.
    public func watermarks(_ partition: KafkaTopicPartition, timeout: Duration = .seconds(10))
        throws(KafkaError) -> (low: Int64, high: Int64)
    {
        var low: Int64 = -1
        var high: Int64 = -1
        let code = rd_kafka_query_watermark_offsets(
            client.pointer, partition.topic, partition.partition, &low, &high,
            Int32(clamping: timeout.wholeMilliseconds))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consume, rdError: code, context: "watermarks of \(partition)")
        }
        return (low, high)
    }

    /// How many partitions `topic` has, asked of the broker; an unknown topic is an error naming it.
    public func partitionCount(of topic: String, timeout: Duration = .seconds(10)) throws(KafkaError) -> Int {
        let handle = rd_kafka_topic_new(client.pointer, topic, nil)
        defer { rd_kafka_topic_destroy(handle) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let code = rd_kafka_metadata(client.pointer, 0, handle, &metadata, Int32(clamping: timeout.wholeMilliseconds))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(.consume, rdError: code, context: "metadata of topic '\(topic)'")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt > 0 else {
            throw KafkaError(.consume, message: "the broker returned no metadata for topic '\(topic)'")
        }
        let entry = metadata.pointee.topics[0]
        guard entry.err == RD_KAFKA_RESP_ERR_NO_ERROR, entry.partition_cnt > 0 else {
            throw KafkaError(.consume, rdError: entry.err, context: "topic '\(topic)'")
        }
        return Int(entry.partition_cnt)
    }

    /// Waits up to `timeout` for a first message, then returns it with whatever else is already fetched,
    /// up to `maxMessages`, grouped by partition: batches grow with load without adding latency when idle.
    /// Rebalance handlers and statistics run inside this call. Call from one thread only.
    public func poll(maxMessages: Int = 1024, timeout: Duration = .milliseconds(100)) -> KafkaPollResult {
        let maxMessages = max(maxMessages, 1)
        if maxMessages > pollBufferCapacity {
            pollBuffer.deallocate()
            pollBufferCapacity = maxMessages
            pollBuffer = .allocate(capacity: maxMessages)
        }
        var received = rd_kafka_consume_batch_queue(consumerQueue, 0, pollBuffer, maxMessages)
        if received == 0, timeout > .zero {
            // librdkafka's batch call waits for a full batch; wait for one message only, then take the rest.
            received = rd_kafka_consume_batch_queue(
                consumerQueue, Int32(clamping: timeout.wholeMilliseconds),
                pollBuffer, 1)
            if received == 1, maxMessages > 1 {
                received += max(rd_kafka_consume_batch_queue(consumerQueue, 0, pollBuffer + 1, maxMessages - 1), 0)
            }
        }
        guard received > 0 else { return KafkaPollResult(batches: [], errors: []) }

        var groups: [(topic: OpaquePointer?, partition: Int32, messages: [UnsafeMutablePointer<rd_kafka_message_t>])] =
            []
        var errors: [KafkaError] = []
        for index in 0..<received {
            guard let message = pollBuffer[index] else { continue }
            let record = message.pointee
            if record.err != RD_KAFKA_RESP_ERR_NO_ERROR {
                errors.append(consumerError(message))
                rd_kafka_message_destroy(message)
                continue
            }
            if let group = groups.firstIndex(where: { $0.topic == record.rkt && $0.partition == record.partition }) {
                groups[group].messages.append(message)
            } else {
                var messages: [UnsafeMutablePointer<rd_kafka_message_t>] = []
                messages.reserveCapacity(received)
                messages.append(message)
                groups.append((record.rkt, record.partition, messages))
            }
        }
        let batches = groups.map { group in
            KafkaMessageBatch(
                topicPartition: KafkaTopicPartition(topic: topicName(group.topic), partition: group.partition),
                messages: group.messages)
        }
        return KafkaPollResult(batches: batches, errors: errors)
    }

    /// Stores the position of each partition for the next commit: the offset of the next message to
    /// read, that is the last fully processed offset plus one.
    public func store(_ positions: [KafkaTopicPartition: Int64]) throws(KafkaError) {
        guard !positions.isEmpty else { return }
        let list = makePartitionList(Array(positions.keys), offsets: positions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_offsets_store(client.pointer, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.commit, rdError: code, context: "store offsets \(positions)")
        }
        if let failure = firstPartitionError(list) {
            throw KafkaError(.commit, rdError: failure.code, context: "store offset of \(failure.partition)")
        }
    }

    /// Commits synchronously: the given positions, or every stored position when `positions` is nil.
    /// Having nothing to commit is not an error.
    ///
    /// While the group re-forms, a broker may refuse commits (`REBALANCE_IN_PROGRESS`); the commit is then
    /// retried every 50 ms for up to `rebalanceRetry` (librdkafka rejoins on its own thread meanwhile,
    /// so this is safe inside a rebalance handler). Default: no retry.
    public func commit(_ positions: [KafkaTopicPartition: Int64]? = nil, rebalanceRetry: Duration = .zero)
        throws(KafkaError)
    {
        let deadline = ContinuousClock.now + rebalanceRetry
        while true {
            do {
                return try commitOnce(positions)
            } catch  where error.code == .rebalanceInProgress && ContinuousClock.now < deadline {
                logger.info("commit refused while the group rebalances; retrying")
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    private func commitOnce(_ positions: [KafkaTopicPartition: Int64]?) throws(KafkaError) {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        if let positions {
            guard !positions.isEmpty else { return }
            list = makePartitionList(Array(positions.keys), offsets: positions)
        }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        let code = rd_kafka_commit(client.pointer, list, 0)
        if code == RD_KAFKA_RESP_ERR_NO_ERROR || code == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
        throw KafkaError(.commit, rdError: code, context: "commit")
    }

    /// The group's committed positions for `partitions`, asked of the broker; a partition with no
    /// committed offset is absent from the result.
    public func committedPositions(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10))
        throws(KafkaError) -> [KafkaTopicPartition: Int64]
    {
        let list = makePartitionList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code = rd_kafka_committed(client.pointer, list, Int32(clamping: timeout.wholeMilliseconds))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.commit, rdError: code, context: "read committed offsets")
        }
        return readOffsets(list).filter { $0.value >= 0 }
    }

    /// Stops fetching `partitions`; messages already delivered are unaffected, fetching restarts after the
    /// last message the application received when they are resumed.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: true)
    }

    /// Resumes fetching partitions paused by ``pause(_:)``.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try changePause(partitions, pause: false)
    }

    /// The partitions currently assigned to this member.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>? = nil
        let code = rd_kafka_assignment(client.pointer, &list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR, let list else {
            throw KafkaError(.assignment, rdError: code, context: "read assignment")
        }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return readPartitions(list)
    }

    /// Consumer lag per assigned partition (high watermark minus committed position), from the most
    /// recent librdkafka statistics; empty until the first statistics arrive or when they are off.
    public var consumerLag: [KafkaTopicPartition: Int64] {
        callbackTarget.lag.withLock { $0 }
    }

    /// Leaves the group: the rebalance handler's `onRevoke` runs for the remaining partitions, then the
    /// consumer stops. Call from the polling thread once the poll loop has ended. Safe to call twice.
    public func close() {
        let wasOpen = state.withLock { state in
            defer { state = .closed }
            if case .closed = state { return false }
            return true
        }
        if wasOpen {
            rd_kafka_consumer_close(client.pointer)
        }
    }

    private func changePause(_ partitions: [KafkaTopicPartition], pause: Bool) throws(KafkaError) {
        guard !partitions.isEmpty else { return }
        let list = makePartitionList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let code =
            pause ? rd_kafka_pause_partitions(client.pointer, list) : rd_kafka_resume_partitions(client.pointer, list)
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(
                .assignment, rdError: code, context: pause ? "pause \(partitions)" : "resume \(partitions)")
        }
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let name = topicNames[topic] { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        return name
    }

    private func consumerError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError {
        let record = message.pointee
        let where_ = record.rkt.map { "\(String(cString: rd_kafka_topic_name($0)))[\(record.partition)]" } ?? "consumer"
        let detail = String(cString: rd_kafka_message_errstr(message))
        let error = KafkaError(
            .consume, code: KafkaErrorCode(rawValue: record.err.rawValue),
            message: "\(where_): \(detail)")
        logger.info("\(error)")
        return error
    }
}

/// What librdkafka's consumer callbacks reach through the client's opaque pointer.
private final class ConsumerCallbackTarget: RDKafkaCallbackTarget, @unchecked Sendable {
    // @unchecked: `consumer` is written once, right after the consumer is created and before any
    // callback can run; `lag` is behind a Mutex.
    let logger: Logger
    let rebalanceHandler: KafkaRebalanceHandler?
    weak var consumer: KafkaConsumer?
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
    /// Whether the configuration asks for cooperative rebalancing: what a rebalance callback assumes when
    /// librdkafka no longer names the group's protocol (a member removed from the group, closing).
    let isConfiguredCooperative: Bool

    init(logger: Logger, rebalanceHandler: KafkaRebalanceHandler?, isConfiguredCooperative: Bool) {
        self.logger = logger
        self.rebalanceHandler = rebalanceHandler
        self.isConfiguredCooperative = isConfiguredCooperative
    }
}

/// Called by librdkafka inside a consumer poll (or close), on the polling thread.
private func handleRebalance(
    _ handle: OpaquePointer?, _ reason: rd_kafka_resp_err_t,
    _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let handle, let opaque else { return }
    let target = Unmanaged<ConsumerCallbackTarget>.fromOpaque(opaque).takeUnretainedValue()
    // librdkafka answers NULL once the member is no longer in a group (removed by the coordinator, or closing).
    let isCooperative =
        rd_kafka_rebalance_protocol(handle).map { String(cString: $0) == "COOPERATIVE" }
        ?? target.isConfiguredCooperative
    let moved = partitions.map(readPartitions) ?? []
    switch reason {
    case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
        target.logger.info("assigned \(moved)")
        if let consumer = target.consumer, let starts = target.rebalanceHandler?.onAssign(consumer, moved),
            let partitions, !starts.isEmpty
        {
            let entries = UnsafeMutableBufferPointer(
                start: partitions.pointee.elems, count: Int(partitions.pointee.cnt))
            for index in entries.indices {
                let key = KafkaTopicPartition(
                    topic: String(cString: entries[index].topic),
                    partition: entries[index].partition)
                if let start = starts[key] { entries[index].offset = start }
            }
            target.logger.info("starting \(starts) where the application asked")
        }
        if isCooperative {
            if let error = rd_kafka_incremental_assign(handle, partitions) {
                target.logger.error("\(KafkaError(.assignment, consuming: error, context: "assign \(moved)"))")
            }
        } else {
            rd_kafka_assign(handle, partitions)
        }
    case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
        let isLost = rd_kafka_assignment_lost(handle) != 0
        target.logger.info("revoking \(moved)\(isLost ? " (lost)" : "")")
        if let consumer = target.consumer { target.rebalanceHandler?.onRevoke(consumer, moved, isLost) }
        if isCooperative {
            if let error = rd_kafka_incremental_unassign(handle, partitions) {
                target.logger.error("\(KafkaError(.assignment, consuming: error, context: "unassign \(moved)"))")
            }
        } else {
            rd_kafka_assign(handle, nil)
        }
    default:
        target.logger.error("rebalance failed: \(KafkaErrorCode(rawValue: reason.rawValue).description)")
        rd_kafka_assign(handle, nil)
    }
}

/// Called by librdkafka inside a consumer poll with a statistics JSON document (which it frees after).
private func receiveStatistics(
    _ handle: OpaquePointer?, _ json: UnsafeMutablePointer<CChar>?, _ length: Int,
    _ opaque: UnsafeMutableRawPointer?
) -> Int32 {
    guard let json, let opaque else { return 0 }
    let target = Unmanaged<ConsumerCallbackTarget>.fromOpaque(opaque).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: json, count: length)
    if let lag = KafkaStatistics.consumerLag(fromJSON: bytes) {
        target.lag.withLock { $0 = lag }
    }
    return 0
}
