internal import CRDKafka

/// A topic and partition.
public struct KafkaTopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition number.
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)[\(partition)]" }
}

/// A record's timestamp, as Kafka gives it.
public enum KafkaTimestamp: Sendable, Equatable {
    /// Set by the producer (milliseconds since the epoch).
    case created(Int64)
    /// Set by the broker when it appended the record (milliseconds since the epoch).
    case logAppended(Int64)

    /// Milliseconds since the epoch, whoever set it.
    public var milliseconds: Int64 {
        switch self {
        case .created(let value), .logAppended(let value): value
        }
    }
}

/// A consumed record, seen in place inside its ``KafkaMessageBatch``.
///
/// A message borrows the batch's memory: its byte views are valid only while the batch is alive.
/// Copy what must outlive the batch.
public struct KafkaMessage {
    let pointer: UnsafeMutablePointer<rd_kafka_message_t>

    /// The partition it was read from.
    public var partition: Int32 { pointer.pointee.partition }

    /// Its offset in the partition.
    public var offset: Int64 { pointer.pointee.offset }

    /// The topic it was read from (allocates a String; prefer the batch's ``KafkaMessageBatch/topicPartition``).
    public var topic: String {
        pointer.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    }

    /// The value bytes; nil for a tombstone (a null value).
    public var value: UnsafeRawBufferPointer? {
        guard let payload = pointer.pointee.payload else { return nil }
        return UnsafeRawBufferPointer(start: payload, count: pointer.pointee.len)
    }

    /// The key bytes; nil when the record has no key.
    public var key: UnsafeRawBufferPointer? {
        guard let key = pointer.pointee.key else { return nil }
        return UnsafeRawBufferPointer(start: key, count: pointer.pointee.key_len)
    }

    /// The record's timestamp, if it has one.
    public var timestamp: KafkaTimestamp? {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let value = rd_kafka_message_timestamp(pointer, &type)
        switch type {
        case RD_KAFKA_TIMESTAMP_CREATE_TIME: return .created(value)
        case RD_KAFKA_TIMESTAMP_LOG_APPEND_TIME: return .logAppended(value)
        default: return nil
        }
    }

    /// All headers, in order (allocates; use ``header(named:)`` on a hot path).
    public var headers: [KafkaHeader] {
        var list: OpaquePointer? = nil
        guard rd_kafka_message_headers(pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        var result: [KafkaHeader] = []
        var index = 0
        var name: UnsafePointer<CChar>? = nil
        var value: UnsafeRawPointer? = nil
        var size = 0
        while rd_kafka_header_get_all(list, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(name: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// The value of the last header called `name`, if present (nil also when its value is null).
    public func header(named name: String) -> UnsafeRawBufferPointer? {
        var list: OpaquePointer? = nil
        guard rd_kafka_message_headers(pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return nil }
        var value: UnsafeRawPointer? = nil
        var size = 0
        guard rd_kafka_header_get_last(list, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR, let value else {
            return nil
        }
        return UnsafeRawBufferPointer(start: value, count: size)
    }
}

/// Messages of one partition, in offset order, owning their librdkafka memory until released.
///
/// A batch is handed whole from the poll loop to a lane: one hop per batch, not per message.
public final class KafkaMessageBatch: @unchecked Sendable {
    // @unchecked: a batch is owned by one queue at a time (the poll loop, then one lane); it is never
    // shared, only handed over.
    /// The partition every message of the batch comes from.
    public let topicPartition: KafkaTopicPartition
    private var messages: [UnsafeMutablePointer<rd_kafka_message_t>]

    init(topicPartition: KafkaTopicPartition, messages: [UnsafeMutablePointer<rd_kafka_message_t>]) {
        self.topicPartition = topicPartition
        self.messages = messages
    }

    deinit {
        for message in messages { rd_kafka_message_destroy(message) }
    }

    /// How many messages the batch holds.
    public var count: Int { messages.count }

    /// Whether the batch holds no message.
    public var isEmpty: Bool { messages.isEmpty }

    /// The message at `index` (0-based, in offset order).
    public subscript(index: Int) -> KafkaMessage {
        KafkaMessage(pointer: messages[index])
    }

    /// The offset of the last message, or nil for an empty batch.
    public var lastOffset: Int64? {
        messages.last.map { $0.pointee.offset }
    }

    /// Frees the messages now instead of when the batch is deinitialized.
    public func release() {
        for message in messages { rd_kafka_message_destroy(message) }
        messages.removeAll()
    }
}

extension KafkaMessageBatch: RandomAccessCollection {
    public var startIndex: Int { 0 }
    public var endIndex: Int { messages.count }
}
