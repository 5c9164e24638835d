/// Where an input event came from: its topic, partition and offset.
public struct SourcePosition: Sendable, Hashable, CustomStringConvertible {
    /// The input topic.
    public var topic: String
    /// The partition within the topic.
    public var partition: Int32
    /// The event's offset within the partition.
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// One input event as the operator chain sees it. Its bytes are borrowed: valid only during the
/// ``EventProcessor/process(_:emitter:)`` call that receives it.
public struct InputRecord {
    /// The key bytes; nil when the event has no key.
    public var key: UnsafeRawBufferPointer?
    /// The value bytes; nil for a tombstone (a null value).
    public var value: UnsafeRawBufferPointer?
    /// The record timestamp in milliseconds since the epoch (Kafka's timestamp), if it has one.
    public var timestamp: Int64?
    /// Where the event came from.
    public var source: SourcePosition

    public init(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64?,
        source: SourcePosition
    ) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.source = source
    }
}
