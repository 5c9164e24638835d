/// A named output of a pipeline (predictions, dead letters, ...) and the topic it is written to.
public struct SinkDescriptor: Sendable, Hashable {
    /// The sink's role, such as `predictions` or `dead_letter`; also the file name stem in replay.
    public var name: String
    /// The Kafka topic the sink writes to.
    public var topic: String
    /// Whether the sink takes state records (a changelog). The runtime sends those through a producer of their
    /// own: a state flush writes thousands of records at once, and on a shared connection they would queue in
    /// front of the outputs produced right after them.
    public var holdsState: Bool

    public init(name: String, topic: String, holdsState: Bool = false) {
        self.name = name
        self.topic = topic
        self.holdsState = holdsState
    }
}

/// Where an ``EventProcessor`` sends its outputs. The runtime's emitter produces to Kafka with the input
/// event's identity attached, so the input offset is committed only after the output is acknowledged;
/// the replay emitter appends to files.
public protocol OutputEmitter: AnyObject {
    /// Sends one record to the sink at `sink` (an index into the processor's ``EventProcessorFactory/sinks``),
    /// to `partition` of its topic or, when nil, to the partition its key hashes to. A nil value is a
    /// tombstone. The bytes are copied before this returns. Throws when the record cannot be accepted at all
    /// (for example, larger than the output topic allows).
    func emit(to sink: Int, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, partition: Int32?)
        throws(OutputError)
}

extension OutputEmitter {
    /// Sends one record to the sink at `sink`, partitioned by its key.
    public func emit(to sink: Int, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) throws(OutputError) {
        try emit(to: sink, key: key, value: value, partition: nil)
    }
}

/// Why an output could not be accepted.
public struct OutputError: Error, Sendable, CustomStringConvertible {
    /// The sink the output was meant for.
    public var sink: String
    /// What went wrong.
    public var message: String

    public init(sink: String, message: String) {
        self.sink = sink
        self.message = message
    }

    public var description: String { "output to sink '\(sink)' refused: \(message)" }
}
