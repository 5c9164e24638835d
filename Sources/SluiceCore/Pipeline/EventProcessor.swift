/// The operator chain of one partition: it owns that partition's state and sees its events in order.
///
/// A processor is used by one lane only (one serial queue): it needs no locks. The runtime and
/// `sluice replay` drive the same processors, so streaming and offline results agree.
public protocol EventProcessor: AnyObject {
    /// Processes one event, sending any outputs through `emitter`. Throwing stops the pipeline: reserve it
    /// for failures that must not be skipped; bad events are dead-lettered, not thrown.
    func process(_ record: InputRecord, emitter: any OutputEmitter) throws

    /// Called after each batch of events (in replay, after each event), with the wall-clock time in
    /// milliseconds since the epoch.
    func endBatch(wallClock: Int64, emitter: any OutputEmitter) throws

    /// Called on the lane periodically (and when idle) with the wall-clock time in milliseconds since the
    /// epoch, for time-driven work such as closing windows of an idle partition.
    func tick(wallClock: Int64, emitter: any OutputEmitter) throws

    /// Called before the partition leaves this process (revoke or shutdown): flush what must be durable.
    func prepareToRelease(emitter: any OutputEmitter) throws
}

extension EventProcessor {
    public func endBatch(wallClock: Int64, emitter: any OutputEmitter) throws {}
    public func tick(wallClock: Int64, emitter: any OutputEmitter) throws {}
    public func prepareToRelease(emitter: any OutputEmitter) throws {}
}

/// Makes the processor of each partition and names the sinks processors write to.
public protocol EventProcessorFactory: Sendable {
    /// The outputs processors may emit to, by index.
    var sinks: [SinkDescriptor] { get }

    /// A fresh processor for `partition` of `topic`, called when the partition is assigned to this process.
    func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor
}

/// A processor whose state (windows) must survive a crash or a move to another process: the runtime restores
/// it from a changelog topic before the partition's first event, and has it write its changes there
/// periodically, committing input offsets only up to what the changelog covers.
public protocol StatefulEventProcessor: EventProcessor {
    /// The sink state records go to. Its topic must have at least as many partitions as the source: a
    /// partition's state lives in the changelog partition of the same number.
    var changelogSink: Int { get }

    /// How often the runtime asks for ``flushState(position:partition:emitter:)``, in milliseconds.
    var stateFlushInterval: Int64 { get }

    /// Applies one changelog record, in log order, before any event is processed. A nil value is a tombstone.
    func restoreRecord(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) throws

    /// Ends the restore; returns the input position (next offset to read) the restored state corresponds to,
    /// or nil when the changelog held no complete flush.
    func finishRestore() throws -> Int64?

    /// Writes every state change since the last flush to the changelog sink's `partition`, and remembers what
    /// the state's progress (watermarks) is now, for the ``writeProgress(position:partition:emitter:)`` that
    /// follows. The records count only once that progress record is written after them.
    func flushChanges(partition: Int32, emitter: any OutputEmitter) throws

    /// Writes the record saying that the state flushed by the last ``flushChanges(partition:emitter:)`` reflects
    /// every event before `position`. The runtime calls it only when every output before the flush and the
    /// flushed records themselves are acknowledged, and commits past `position` only once this record is; it
    /// starts no other flush in between, so the records between two progress records are one flush.
    func writeProgress(position: Int64, partition: Int32, emitter: any OutputEmitter) throws
}
