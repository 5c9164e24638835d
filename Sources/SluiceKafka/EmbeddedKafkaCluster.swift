internal import CRDKafka
public import Logging

/// A Kafka cluster in this process: librdkafka's mock cluster, real Kafka protocol on loopback.
///
/// Brokers listen on random loopback ports; any Kafka client can use ``bootstrapServers``. Facts of
/// librdkafka 2.0.2's mock cluster: topics are created here (its admin API cannot), topics produced to
/// while unknown are auto-created with 4 partitions, and each partition keeps only about the last 5 MB.
public final class EmbeddedKafkaCluster: @unchecked Sendable {
    // @unchecked: the mock cluster runs on its own thread and its control functions are thread-safe;
    // this class holds only immutable references to it.
    private let owner: RDKafkaHandle
    private let cluster: OpaquePointer
    private let target: ClusterCallbackTarget

    /// The number of brokers, with ids 1 through `brokerCount`.
    public let brokerCount: Int

    /// The bootstrap servers, `127.0.0.1:port,...`.
    public let bootstrapServers: String

    /// Starts a cluster of `brokers` brokers on loopback.
    public init(brokers: Int = 1, logger: Logger = Logger(label: "sluice.kafka.cluster")) throws(KafkaError) {
        guard brokers >= 1 else { throw KafkaError(.cluster, message: "a cluster needs at least one broker") }
        let target = ClusterCallbackTarget(logger: logger)
        // The mock cluster borrows a client handle for its configuration and logging; it makes no connections.
        owner = try RDKafkaHandle(
            RD_KAFKA_PRODUCER, properties: [("client.id", "sluice-embedded-cluster")],
            callbackTarget: target
        ) { _ in }
        guard let cluster = rd_kafka_mock_cluster_new(owner.pointer, Int32(brokers)) else {
            throw KafkaError(.cluster, message: "librdkafka could not start a mock cluster of \(brokers) brokers")
        }
        self.cluster = cluster
        self.target = target
        brokerCount = brokers
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
    }

    /// The longest a fetch waits for data on this cluster (`fetch.wait.max.ms`): 1 ms. Apache Kafka answers a
    /// waiting fetch as soon as data arrives; this cluster answers a fetch that found no data only when the wait
    /// ends, so every millisecond of wait is a millisecond a new record can sit unread. Consumers of this cluster
    /// that care about latency use ``consumerConfiguration(groupID:)``, which sets it.
    public static let fetchWaitMax: Duration = .milliseconds(1)

    /// A consumer configuration for this cluster: its bootstrap servers, `groupID`, and ``fetchWaitMax``.
    public func consumerConfiguration(groupID: String) -> KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(bootstrapServers: [bootstrapServers], groupID: groupID)
        configuration.fetchWaitMax = Self.fetchWaitMax
        return configuration
    }

    /// Creates `name` with `partitions` partitions (replication factor at most the broker count).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        guard partitions >= 1 else {
            throw KafkaError(.cluster, message: "topic '\(name)': needs at least one partition, got \(partitions)")
        }
        guard (1...brokerCount).contains(replicationFactor) else {
            throw KafkaError(
                .cluster,
                message: "topic '\(name)': replication factor \(replicationFactor) "
                    + "must be between 1 and the broker count \(brokerCount)")
        }
        let code = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.cluster, rdError: code, context: "create topic '\(name)'")
        }
    }

    /// Takes broker `id` down: its connections close and it refuses new ones until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_down(cluster, id), "take broker \(id) down")
    }

    /// Brings broker `id` back up.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try check(rd_kafka_mock_broker_set_up(cluster, id), "bring broker \(id) up")
    }

    /// Delays every response of broker `id` by `delay` (0 removes the delay).
    public func setRoundTripDelay(broker id: Int32, _ delay: Duration) throws(KafkaError) {
        try check(
            rd_kafka_mock_broker_set_rtt(cluster, id, Int32(clamping: delay.wholeMilliseconds)),
            "set round-trip delay of broker \(id)")
    }

    /// Moves the leadership of `topic`'s `partition` to broker `id`.
    public func setPartitionLeader(topic: String, partition: Int32, broker id: Int32) throws(KafkaError) {
        try check(
            rd_kafka_mock_partition_set_leader(cluster, topic, partition, id),
            "move leader of \(topic)[\(partition)] to broker \(id)")
    }

    /// Makes the next `errors.count` requests of `api` (to any broker) fail, in order, with these codes.
    public func injectRequestErrors(_ api: KafkaAPI, _ errors: [KafkaErrorCode]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeBufferPointer { buffer in
            rd_kafka_mock_push_request_errors_array(cluster, api.rawValue, buffer.count, buffer.baseAddress)
        }
    }

    /// Removes errors injected for `api` that have not been used yet.
    public func clearRequestErrors(_ api: KafkaAPI) {
        rd_kafka_mock_clear_request_errors(cluster, api.rawValue)
    }

    /// Makes every request about `topic` fail with `error` until cleared with `nil`.
    public func setTopicError(_ topic: String, _ error: KafkaErrorCode?) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: error?.rawValue ?? 0))
    }

    private func check(_ code: rd_kafka_resp_err_t, _ action: String) throws(KafkaError) {
        guard code == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(.cluster, rdError: code, context: action) }
    }
}

/// Kafka protocol request types (API keys) that fault injection can target.
public struct KafkaAPI: RawRepresentable, Hashable, Sendable {
    public let rawValue: Int16

    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    public static let produce = KafkaAPI(rawValue: 0)
    public static let fetch = KafkaAPI(rawValue: 1)
    public static let listOffsets = KafkaAPI(rawValue: 2)
    public static let metadata = KafkaAPI(rawValue: 3)
    public static let offsetCommit = KafkaAPI(rawValue: 8)
    public static let offsetFetch = KafkaAPI(rawValue: 9)
    public static let findCoordinator = KafkaAPI(rawValue: 10)
    public static let joinGroup = KafkaAPI(rawValue: 11)
    public static let heartbeat = KafkaAPI(rawValue: 12)
    public static let syncGroup = KafkaAPI(rawValue: 14)
    public static let initProducerID = KafkaAPI(rawValue: 22)
    public static let addPartitionsToTransaction = KafkaAPI(rawValue: 24)
    public static let endTransaction = KafkaAPI(rawValue: 26)
}

private final class ClusterCallbackTarget: RDKafkaCallbackTarget, Sendable {
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }
}
