/// A keyed event-time window declared under `windows:` in a topology.
public struct WindowSpecification: Sendable, Hashable {
    /// The window's name; its aggregates are read as `name.aggregate`.
    public var name: String
    /// The schema field the window is keyed by.
    public var keyField: String
    /// The window's shape, sizes in milliseconds.
    public var kind: WindowKind
    /// How far, in milliseconds, event time may run behind the partition's newest event before an event is
    /// late for this window. Default: 0.
    public var allowedLateness: Int64
    /// What happens to a late event. Default: dead-lettered.
    public var lateEvents: LateEventPolicy
    /// Whether closed windows are written to the `windows` sink. Default: false.
    public var emitsOnClose: Bool
    /// Sliding windows: most events kept per key. Default: 4,096.
    public var maxEventsPerKey: Int
    /// The aggregates, in declaration order.
    public var aggregates: [AggregateSpecification]
    /// Where the window was declared.
    public var location: FileLocation
}

/// The shape of a window; sizes in milliseconds.
public enum WindowKind: Sendable, Hashable {
    case tumbling(size: Int64)
    case hopping(size: Int64, advance: Int64)
    case sliding(size: Int64)
    case session(gap: Int64)
}

/// What a pipeline does with an event that is late for a window.
public enum LateEventPolicy: String, Sendable, CaseIterable {
    /// Send it to the dead-letter topic (reason `late_event`) and count it.
    case deadLetter = "dead_letter"
    /// Count it and go on; the event still flows through the rest of the pipeline, with this window's values
    /// missing (NaN).
    case drop
}

/// One aggregate of a window: `total: sum(amount)`.
public struct AggregateSpecification: Sendable, Hashable {
    /// The aggregate's name within its window.
    public var name: String
    /// What it computes.
    public var function: AggregateFunction
    /// Where it was declared.
    public var location: FileLocation
}

/// The aggregate functions a window can keep. Field arguments are schema field names.
public enum AggregateFunction: Sendable, Hashable {
    case count
    case countValues(field: String)
    case sum(field: String)
    case mean(field: String)
    case min(field: String)
    case max(field: String)
    case variance(field: String, population: Bool)
    case standardDeviation(field: String, population: Bool)
    case first(field: String)
    case last(field: String)
    /// Events for which the expression (a feature expression that yields a boolean) is true.
    case countIf(expression: String, offset: Int)
    case distinctCount(field: String)
    case quantile(field: String, q: Double)

    /// The schema field the aggregate reads, if it reads one.
    public var field: String? {
        switch self {
        case .count, .countIf: nil
        case .countValues(let field), .sum(let field), .mean(let field), .min(let field), .max(let field),
            .variance(let field, _), .standardDeviation(let field, _), .first(let field), .last(let field),
            .distinctCount(let field), .quantile(let field, _):
            field
        }
    }
}

/// How a partition's window state is kept and made durable (`state:` in a topology).
public struct StateSpecification: Sendable, Hashable {
    /// Most keys per partition and key field; beyond it the least recently updated key is evicted.
    /// Default: 1,000,000.
    public var maxKeys: Int = 1_000_000
    /// After this long without events, a partition's event time follows the wall clock so its windows close,
    /// in milliseconds; nil never. Default: 60 s.
    public var idleTimeout: Int64? = 60_000
    /// How often a lane writes its changed window state to the changelog (and may commit past it), in
    /// milliseconds. Each flush writes every key changed since the last one, so a shorter interval means more
    /// changelog traffic (with 100k active keys, a 1 s interval cost a third of the throughput) and a longer one
    /// means more input read again after a crash. Default: 10 s (Kafka Streams commits every 30 s).
    public var flushInterval: Int64 = 10_000

    public init() {}
}
