/// One keyed, event-time window of a topology and the aggregates it keeps.
///
/// Times and durations are Int64 milliseconds. See `docs/windows.md` for the exact semantics of each kind.
public struct WindowDefinition: Sendable, Hashable {
    /// The shape of a window.
    public enum Kind: Sendable, Hashable {
        /// Fixed, non-overlapping windows `[k·size, (k+1)·size)`.
        case tumbling(size: Int64)
        /// Overlapping windows `[k·advance, k·advance + size)`; `size` must be a multiple of `advance`.
        /// Kept as panes of width `advance`; an event updates one pane.
        case hopping(size: Int64, advance: Int64)
        /// The lookback `(t − size, t]` as of each event at time `t`, exact, from the key's buffered events.
        case sliding(size: Int64)
        /// Activity sessions: events closer than `gap` belong to one session `[first, last + gap)`.
        case session(gap: Int64)
    }

    /// The window's name; outputs are named `name.aggregate`.
    public var name: String
    /// Name of the key this window is grouped by (for example `card_id`). Windows that name the same key
    /// share one keyspace: one key table, one key cap, one changelog record per key.
    public var key: String
    /// The window's shape.
    public var kind: Kind
    /// How far, in ms, event time may run behind the partition's maximum before an event is late.
    /// Default: 0.
    public var allowedLateness: Int64
    /// The aggregates kept per window; at least one.
    public var aggregates: [Aggregate]
    /// Whether a window is handed back, with its final values, once the watermark passes its end.
    /// Not available for sliding windows, which have no end of their own. Default: false.
    public var emitsOnClose: Bool
    /// Sliding windows only: most events buffered per key. When a key holds more, the one with the
    /// oldest time (earliest arrival among equal times) is dropped and counted as truncated. Default: 4,096.
    public var maxEventsPerKey: Int

    /// A window; see the properties for units and defaults.
    public init(
        name: String,
        key: String,
        kind: Kind,
        allowedLateness: Int64 = 0,
        aggregates: [Aggregate],
        emitsOnClose: Bool = false,
        maxEventsPerKey: Int = 4096
    ) {
        self.name = name
        self.key = key
        self.kind = kind
        self.allowedLateness = allowedLateness
        self.aggregates = aggregates
        self.emitsOnClose = emitsOnClose
        self.maxEventsPerKey = maxEventsPerKey
    }
}

/// A named aggregate of a window.
public struct Aggregate: Sendable, Hashable {
    /// Sample variance divides by `n − 1` (NaN below two values); population variance by `n`
    /// (NaN for no value).
    public enum VarianceKind: String, Sendable, Hashable {
        case sample
        case population
    }

    /// What is computed. Inputs are named; the engine turns names into buffer indices once, at setup.
    /// A value input holds a Double per event, NaN when missing; missing values are skipped.
    public enum Function: Sendable, Hashable {
        /// Number of events.
        case count
        /// Number of events whose value input is present (not NaN).
        case countValues(input: String)
        /// Sum of present values; 0 when there are none.
        case sum(input: String)
        /// Mean of present values; NaN when there are none.
        case mean(input: String)
        /// Smallest present value; NaN when there are none.
        case min(input: String)
        /// Largest present value; NaN when there are none.
        case max(input: String)
        /// Variance of present values (Welford per pane, Chan et al. to merge).
        case variance(input: String, kind: VarianceKind)
        /// Square root of `variance`.
        case standardDeviation(input: String, kind: VarianceKind)
        /// Present value with the smallest event time; among equal times, the earliest to arrive.
        case first(input: String)
        /// Present value with the largest event time; among equal times, the latest to arrive.
        case last(input: String)
        /// Number of events whose predicate input is true.
        case countIf(predicate: String)
        /// Estimated number of distinct hash inputs (HyperLogLog, `precision` 4...18).
        case distinctCount(hash: String, precision: Int)
        /// Value at quantile `q` of the present, finite values (DDSketch, relative accuracy α).
        case quantile(input: String, q: Double, relativeAccuracy: Double, maxBins: Int)

        /// Distinct count with precision 14 (relative standard error 0.81 %).
        public static func distinctCount(hash: String) -> Function { .distinctCount(hash: hash, precision: 14) }

        /// Quantile with α = 0.01 and 2,048 bins per sign.
        public static func quantile(input: String, q: Double) -> Function {
            .quantile(input: input, q: q, relativeAccuracy: 0.01, maxBins: 2048)
        }
    }

    /// The aggregate's name within its window.
    public var name: String
    /// What it computes.
    public var function: Function

    /// An aggregate named `name` (output `window.name`) computing `function`.
    public init(_ name: String, _ function: Function) {
        self.name = name
        self.function = function
    }
}

/// The engine's setup for one partition.
public struct WindowEngineConfiguration: Sendable, Hashable {
    /// The windows, in output order.
    public var windows: [WindowDefinition]
    /// Most live keys per keyspace (distinct `WindowDefinition.key`). Inserting a key beyond it evicts
    /// the least recently updated key (by arrival of its last accepted event) and drops its windows
    /// without emitting them. Default: 1,000,000.
    public var maxKeys: Int
    /// After this long in ms without an event (wall clock, as seen by `WindowEngine.advance(wallClockNow:)`),
    /// event time follows the wall clock so that an idle partition's windows close; nil never does.
    /// Default: 60,000.
    public var idleTimeout: Int64?

    /// Whether the engine keeps the changed keys and tombstones that `WindowEngine.flushChanges` hands
    /// out. They are kept until the next flush, so a lane that writes no changelog turns this off; with it
    /// on, flushing regularly (with every offset commit) is what bounds them. Default: true.
    public var recordsChanges: Bool

    /// A configuration; see the properties for units and defaults.
    public init(
        windows: [WindowDefinition], maxKeys: Int = 1_000_000, idleTimeout: Int64? = 60_000,
        recordsChanges: Bool = true
    ) {
        self.windows = windows
        self.maxKeys = maxKeys
        self.idleTimeout = idleTimeout
        self.recordsChanges = recordsChanges
    }
}
