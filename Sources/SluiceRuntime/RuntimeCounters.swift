public import Synchronization

/// Process-wide counters of the runtime; lanes add once per batch, the delivery queue once per report.
public final class RuntimeCounters: Sendable {
    /// Input events taken from Kafka.
    public let eventsConsumed = Atomic<Int>(0)
    /// Input events that went through the operator chain.
    public let eventsProcessed = Atomic<Int>(0)
    /// Outputs handed to the producer.
    public let outputsSent = Atomic<Int>(0)
    /// Outputs the broker acknowledged.
    public let outputsDelivered = Atomic<Int>(0)
    /// Outputs that failed for good (after librdkafka's own retries).
    public let outputsFailed = Atomic<Int>(0)
    /// Side outputs (shadow records, alerts) acknowledged and failed; they never hold back or fail the pipeline.
    public let sideOutputsDelivered = Atomic<Int>(0)
    public let sideOutputsFailed = Atomic<Int>(0)
    /// Offset commits made by the runtime (on revoke and shutdown; background commits are librdkafka's).
    public let commits = Atomic<Int>(0)
    /// Times a lane paused its partition because too much was in flight.
    public let pauses = Atomic<Int>(0)
    /// Times the poll loop stopped taking messages because all lanes together held too much.
    public let throttles = Atomic<Int>(0)
    /// Times a paused partition was resumed.
    public let resumes = Atomic<Int>(0)
    /// Messages queued in lanes plus outputs unacknowledged, over all lanes, as of the last poll.
    public let inFlight = Atomic<Int>(0)
    /// Changelog records read while restoring partitions' state.
    public let restoredRecords = Atomic<Int>(0)
    /// Time spent restoring state, in microseconds.
    public let restoreMicroseconds = Atomic<Int>(0)

    /// Time spent restoring state, in seconds.
    public var restoreSeconds: Double { Double(restoreMicroseconds.load(ordering: .relaxed)) / 1e6 }

    /// Partitions assigned and revoked.
    public let partitionsAssigned = Atomic<Int>(0)
    public let partitionsRevoked = Atomic<Int>(0)

    /// For each input event with a Kafka timestamp, the time from that timestamp to the end of the lane batch that
    /// handed all its outputs to the producer (the wall clock then, minus the timestamp). Lanes add a batch at a
    /// time.
    public let endToEndLatency = LatencyHistogram()

    /// Most output topics counted apart in ``deliveredByTopic``; outputs to more are not counted there.
    static let maxOutputTopics = 256
    /// Records acknowledged per output topic, by index in `outputTopics`; the last counter gathers topics beyond
    /// `maxOutputTopics`.
    private let deliveredByOutput = AtomicCounters(count: RuntimeCounters.maxOutputTopics + 1)
    private let outputTopics = Mutex<[String]>([])

    /// The index of `topic` among the output topics, given once per topic (when a lane's emitter or a side
    /// writer is made); delivery reports carry it in their context.
    func outputIndex(topic: String) -> Int {
        outputTopics.withLock { topics in
            if let index = topics.firstIndex(of: topic) { return index }
            guard topics.count < Self.maxOutputTopics else { return Self.maxOutputTopics }
            topics.append(topic)
            return topics.count - 1
        }
    }

    /// Counts one record the broker acknowledged, to output topic `output`.
    @inline(__always)
    func countDelivered(output: Int) {
        deliveredByOutput.add(1, at: min(output, Self.maxOutputTopics))
    }

    /// Records the broker acknowledged so far, by output topic: lane outputs (predictions, dead letters, events,
    /// windows, feature logs, changelog) and side outputs (shadow records, alerts) alike.
    public var deliveredByTopic: [String: Int] {
        let topics = outputTopics.withLock { $0 }
        var result: [String: Int] = [:]
        for (index, topic) in topics.enumerated() { result[topic] = deliveredByOutput.load(index) }
        return result
    }

    public init() {}
}
