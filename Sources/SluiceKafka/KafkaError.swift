internal import CRDKafka

/// An error from the Kafka layer: what went wrong, in librdkafka's own words where librdkafka said it.
public struct KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which operation failed; stable across releases, safe to switch on.
    public enum Operation: String, Sendable, Equatable {
        /// Building a client configuration: an unknown property or an invalid value.
        case configuration
        /// Creating a client handle.
        case client
        /// Enqueuing or delivering a produced message.
        case produce
        /// Subscribing, polling or receiving a consumed message.
        case consume
        /// Storing or committing offsets.
        case commit
        /// Assigning, revoking, pausing or resuming partitions.
        case assignment
        /// Creating or controlling the embedded cluster.
        case cluster
        /// Waiting for an operation that did not finish in time.
        case timeout
    }

    /// Which operation failed.
    public let operation: Operation
    /// librdkafka's error code, if librdkafka reported one (`rd_kafka_resp_err_t`).
    public let code: KafkaErrorCode?
    /// A message a user can act on; librdkafka's text where it gave one.
    public let message: String

    /// Creates an error; `code` is nil when the failure did not come from librdkafka.
    public init(_ operation: Operation, code: KafkaErrorCode? = nil, message: String) {
        self.operation = operation
        self.code = code
        self.message = message
    }

    /// An error for a librdkafka response code, with librdkafka's name and description of it.
    init(_ operation: Operation, rdError: rd_kafka_resp_err_t, context: String? = nil) {
        let code = KafkaErrorCode(rawValue: rdError.rawValue)
        let text = code.description
        self.init(operation, code: code, message: context.map { "\($0): \(text)" } ?? text)
    }

    /// An error for a `rd_kafka_error_t`, which it destroys.
    init(_ operation: Operation, consuming error: OpaquePointer, context: String? = nil) {
        let code = KafkaErrorCode(rawValue: rd_kafka_error_code(error).rawValue)
        let text = String(cString: rd_kafka_error_string(error))
        rd_kafka_error_destroy(error)
        self.init(operation, code: code, message: context.map { "\($0): \(text)" } ?? text)
    }

    public var description: String {
        if let code {
            return "Kafka \(operation.rawValue) failed [\(code.name)]: \(message)"
        }
        return "Kafka \(operation.rawValue) failed: \(message)"
    }
}

/// A librdkafka error code (`rd_kafka_resp_err_t`): negative values are local to the client,
/// non-negative ones are Kafka protocol errors returned by a broker.
public struct KafkaErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// librdkafka's symbolic name, such as `NOT_LEADER_FOR_PARTITION` or `_QUEUE_FULL`.
    public var name: String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue)))
    }

    /// librdkafka's human-readable description.
    public var description: String {
        String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: rawValue)))
    }

    /// Whether the code means success.
    public var isSuccess: Bool { rawValue == 0 }

    /// The local producer queue is full (`queue.buffering.max.messages` or `.kbytes`).
    public static let queueFull = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue)
    /// A message did not reach the broker before `message.timeout.ms`.
    public static let messageTimedOut = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue)
    /// A local timeout.
    public static let timedOut = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__TIMED_OUT.rawValue)
    /// The message is larger than the broker or producer accepts.
    public static let messageSizeTooLarge = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue)
    /// The broker does not host the partition's leader.
    public static let notLeaderForPartition = KafkaErrorCode(
        rawValue: RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION.rawValue)
    /// The broker did not answer in time.
    public static let requestTimedOut = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT.rawValue)
    /// The client is not authorized to write or read the topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(
        rawValue: RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED.rawValue)
    /// The broker rejected the record as invalid.
    public static let invalidRecord = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR_INVALID_RECORD.rawValue)
    /// The topic or partition does not exist.
    public static let unknownTopicOrPartition = KafkaErrorCode(
        rawValue: RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART.rawValue)
    /// The broker is not available.
    public static let brokerNotAvailable = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR_BROKER_NOT_AVAILABLE.rawValue)
    /// The consumer group is rebalancing; a commit was refused.
    public static let rebalanceInProgress = KafkaErrorCode(
        rawValue: RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS.rawValue)
    /// There was nothing to commit.
    public static let noOffset = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__NO_OFFSET.rawValue)
    /// A local state error (such as storing an offset for an unassigned partition).
    public static let state = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__STATE.rawValue)
    /// The client hit a fatal error and must be recreated.
    public static let fatal = KafkaErrorCode(rawValue: RD_KAFKA_RESP_ERR__FATAL.rawValue)
}
