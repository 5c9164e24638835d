/// Joins late-arriving labels with the scores the primary and shadow models gave the same events, and
/// keeps every model's live quality from the joined pairs.
///
/// Per scored event the owner calls ``remember(eventID:eventTimeMs:scores:nowMs:)`` with the event's
/// id bytes and every model's score; per label consumed from the labels topic,
/// ``label(eventID:outcome:nowMs:)``. Either side may come first:
/// - a label whose event is waiting is joined at once: the (score, label) pair goes to each model's
///   quality accumulator and the event is forgotten;
/// - a label whose event is not (yet) known waits, and is joined when `remember` brings the event;
/// - an entry on either side waits at most `horizonMilliseconds` of the caller's clock (`nowMs`,
///   processing time, made non-decreasing: a smaller value counts as the largest seen) and at most
///   `maximumPendingEvents` / `maximumPendingLabels` entries wait; past either limit the oldest goes
///   first. Every outcome is counted (``LabelJoinerSnapshot/Counters``).
///
/// A join forgets the event, so a second label for it finds nothing and waits until it expires
/// (counted in `expiredLabels`); a second label while the first still waits counts in
/// `duplicateLabels`. An event remembered again while still waiting counts in `duplicateEvents`; one
/// remembered again after its join waits anew (at-least-once replays do this) and expires unless
/// another label comes.
///
/// `remember` and `label` allocate nothing: ids are hashed and compared as bytes in two
/// fixed-capacity open-addressing tables (``EventIDTable``), scores and labels go into preallocated
/// arrays. ``snapshot()`` computes the window metrics exactly (sorting, O(M log M) per model).
/// Memory is fixed at creation. A joiner belongs to one queue (one thread at a time); it is
/// deliberately not `Sendable`: serialize `remember`, `label` and `snapshot` on that queue.
public final class LabelJoiner {
    /// What ``remember(eventID:eventTimeMs:scores:nowMs:)`` did with an event.
    public enum RememberOutcome: Sendable, Hashable {
        /// Stored to wait for its label.
        case remembered
        /// Its label was waiting: joined and recorded.
        case joined
        /// The id is already waiting; the first stays.
        case duplicate
        /// The id is empty or longer than `maximumEventIDBytes`.
        case rejected
    }

    /// What ``label(eventID:outcome:nowMs:)`` did with a label.
    public enum LabelOutcome: Sendable, Hashable {
        /// Its event was waiting: joined and recorded.
        case joined
        /// Stored to wait for its event.
        case held
        /// A label for the id is already waiting; the first stays.
        case duplicate
        /// Not 0 or 1 for a classifier, or not finite.
        case invalid
        /// The id is empty or longer than `maximumEventIDBytes`.
        case rejected
    }

    private struct State {
        var counters = LabelJoinerSnapshot.Counters()
        var clock = Int64.min
        var labelDelay = CompensatedSum()
    }

    public let configuration: LabelJoinerConfiguration
    private let modelCount: Int
    private let horizon: Int64
    private let isClassification: Bool
    private let state: UnsafeMutablePointer<State>
    private let events: EventIDTable
    private let labels: EventIDTable
    /// `modelCount` scores per event slot.
    private let eventScores: UnsafeMutablePointer<Double>
    private let eventTimes: UnsafeMutablePointer<Int64>
    private let labelValues: UnsafeMutablePointer<Double>
    private let quality: [ModelQualityAccumulator]

    public init(configuration: LabelJoinerConfiguration) throws(MonitoringError) {
        try configuration.validate()
        self.configuration = configuration
        let models = configuration.models
        modelCount = models.count
        horizon = configuration.horizonMilliseconds
        isClassification = configuration.task == .binaryClassification
        state = .allocate(capacity: 1)
        state.initialize(to: State())
        events = EventIDTable(
            capacity: configuration.maximumPendingEvents, keyWidth: configuration.maximumEventIDBytes)
        labels = EventIDTable(
            capacity: configuration.maximumPendingLabels, keyWidth: configuration.maximumEventIDBytes)
        eventScores = .allocate(capacity: configuration.maximumPendingEvents * models.count)
        eventScores.initialize(repeating: 0, count: configuration.maximumPendingEvents * models.count)
        eventTimes = .allocate(capacity: configuration.maximumPendingEvents)
        eventTimes.initialize(repeating: 0, count: configuration.maximumPendingEvents)
        labelValues = .allocate(capacity: configuration.maximumPendingLabels)
        labelValues.initialize(repeating: 0, count: configuration.maximumPendingLabels)
        quality = models.enumerated().map { k, name in
            ModelQualityAccumulator(model: name, isPrimary: k == 0, configuration: configuration)
        }
    }

    deinit {
        state.deinitialize(count: 1)
        state.deallocate()
        events.deallocate()
        labels.deallocate()
        eventScores.deallocate()
        eventTimes.deallocate()
        labelValues.deallocate()
    }

    /// Bytes allocated for pending events and labels (the quality windows add 16 bytes per labeled
    /// event per model).
    public var allocatedBytes: Int {
        events.allocatedBytes + labels.allocatedBytes
            + configuration.maximumPendingEvents * (modelCount * 8 + 8) + configuration.maximumPendingLabels * 8
    }

    // MARK: Hot path

    /// Remembers one scored event, or joins it with its waiting label.
    ///
    /// - Parameters:
    ///   - eventID: the event id's bytes (1…`maximumEventIDBytes`), as they appear in the labels topic.
    ///   - eventTimeMs: the event's time, ms since the epoch (used for the label delay only).
    ///   - scores: one score per model, the primary's first, then the shadows' in configuration
    ///     order; NaN for a model that did not score the event.
    ///   - nowMs: the caller's clock, ms (processing time; see ``LabelJoinerConfiguration/horizonMilliseconds``).
    @discardableResult
    public func remember(
        eventID: UnsafeRawBufferPointer, eventTimeMs: Int64, scores: UnsafeBufferPointer<Double>, nowMs: Int64
    ) -> RememberOutcome {
        precondition(scores.count == modelCount, "LabelJoiner.remember: one score per model, primary first")
        let s = state
        let now = advance(nowMs)
        s.pointee.counters.eventsReceived &+= 1
        guard eventID.count > 0, eventID.count <= events.keyWidth else {
            s.pointee.counters.rejectedEventIDs &+= 1
            return .rejected
        }
        let hash = EventIDHash.hash(eventID)
        if labels.count > 0 {
            let waiting = labels.find(eventID, hash: hash)
            if waiting >= 0 {
                let value = labelValues[waiting]
                s.pointee.labelDelay.add(Double(labels.time(ofSlot: waiting)) - Double(eventTimeMs))
                labels.remove(slot: waiting)
                for m in 0..<modelCount { quality[m].record(score: scores[m], label: value) }
                s.pointee.counters.joinedOnScore &+= 1
                return .joined
            }
        }
        if events.find(eventID, hash: hash) >= 0 {
            s.pointee.counters.duplicateEvents &+= 1
            return .duplicate
        }
        if events.isFull {
            events.remove(slot: events.oldest)
            s.pointee.counters.evictedEvents &+= 1
        }
        let slot = events.insert(eventID, hash: hash, time: now)
        (eventScores + slot &* modelCount).update(from: scores.baseAddress!, count: modelCount)
        eventTimes[slot] = eventTimeMs
        s.pointee.counters.eventsRemembered &+= 1
        return .remembered
    }

    /// Takes one label: joins it with its waiting event, or holds it for the event.
    ///
    /// - Parameters:
    ///   - eventID: the id bytes of the event the label is for.
    ///   - outcome: 0 or 1 for a classifier (1 the positive class); the true value for a regressor.
    ///   - nowMs: the caller's clock, ms: the label's arrival.
    @discardableResult
    public func label(eventID: UnsafeRawBufferPointer, outcome: Double, nowMs: Int64) -> LabelOutcome {
        let s = state
        let now = advance(nowMs)
        s.pointee.counters.labelsReceived &+= 1
        guard eventID.count > 0, eventID.count <= labels.keyWidth else {
            s.pointee.counters.rejectedLabelIDs &+= 1
            return .rejected
        }
        guard isClassification ? (outcome == 0 || outcome == 1) : outcome.isFinite else {
            s.pointee.counters.invalidLabels &+= 1
            return .invalid
        }
        let hash = EventIDHash.hash(eventID)
        let waiting = events.find(eventID, hash: hash)
        if waiting >= 0 {
            let scores = eventScores + waiting &* modelCount
            for m in 0..<modelCount { quality[m].record(score: scores[m], label: outcome) }
            s.pointee.labelDelay.add(Double(now) - Double(eventTimes[waiting]))
            events.remove(slot: waiting)
            s.pointee.counters.joinedOnLabel &+= 1
            return .joined
        }
        if labels.find(eventID, hash: hash) >= 0 {
            s.pointee.counters.duplicateLabels &+= 1
            return .duplicate
        }
        if labels.isFull {
            labels.remove(slot: labels.oldest)
            s.pointee.counters.evictedLabels &+= 1
        }
        let slot = labels.insert(eventID, hash: hash, time: now)
        labelValues[slot] = outcome
        s.pointee.counters.labelsHeld &+= 1
        return .held
    }

    /// Moves the clock to `nowMs` (if later) and expires what waited a full horizon, without an event
    /// or label: call it when idle so that counts and memory do not wait for the next message.
    public func expire(nowMs: Int64) { _ = advance(nowMs) }

    /// The clock after `nowMs`, with everything stored at or before `clock − horizon` expired.
    @inline(__always)
    private func advance(_ nowMs: Int64) -> Int64 {
        let s = state
        if nowMs > s.pointee.clock { s.pointee.clock = nowMs }
        let now = s.pointee.clock
        while events.count > 0, Self.hasExpired(events.time(ofSlot: events.oldest), now: now, horizon: horizon) {
            events.remove(slot: events.oldest)
            s.pointee.counters.expiredEvents &+= 1
        }
        while labels.count > 0, Self.hasExpired(labels.time(ofSlot: labels.oldest), now: now, horizon: horizon) {
            labels.remove(slot: labels.oldest)
            s.pointee.counters.expiredLabels &+= 1
        }
        return now
    }

    /// An entry stored at `t` lives while `now < t + horizon`; `t ≤ now`, so the age is never negative
    /// and only a clock that leapt across most of the Int64 range overflows it (then it has expired).
    @inline(__always)
    private static func hasExpired(_ t: Int64, now: Int64, horizon: Int64) -> Bool {
        let (age, overflow) = now.subtractingReportingOverflow(t)
        return overflow || age >= horizon
    }

    // MARK: Conveniences that allocate nothing for contiguous storage

    /// ``remember(eventID:eventTimeMs:scores:nowMs:)`` with the id as a string's UTF-8 bytes.
    @discardableResult
    public func remember(eventID: String, eventTimeMs: Int64, scores: [Double], nowMs: Int64) -> RememberOutcome {
        var id = eventID
        return id.withUTF8 { bytes in
            scores.withUnsafeBufferPointer {
                remember(eventID: UnsafeRawBufferPointer(bytes), eventTimeMs: eventTimeMs, scores: $0, nowMs: nowMs)
            }
        }
    }

    /// ``remember(eventID:eventTimeMs:scores:nowMs:)`` with the id as bytes.
    @discardableResult
    public func remember(eventID: [UInt8], eventTimeMs: Int64, scores: [Double], nowMs: Int64) -> RememberOutcome {
        eventID.withUnsafeBytes { bytes in
            scores.withUnsafeBufferPointer {
                remember(eventID: bytes, eventTimeMs: eventTimeMs, scores: $0, nowMs: nowMs)
            }
        }
    }

    /// ``label(eventID:outcome:nowMs:)`` with the id as a string's UTF-8 bytes.
    @discardableResult
    public func label(eventID: String, outcome: Double, nowMs: Int64) -> LabelOutcome {
        var id = eventID
        return id.withUTF8 { label(eventID: UnsafeRawBufferPointer($0), outcome: outcome, nowMs: nowMs) }
    }

    /// ``label(eventID:outcome:nowMs:)`` with the id as bytes.
    @discardableResult
    public func label(eventID: [UInt8], outcome: Double, nowMs: Int64) -> LabelOutcome {
        eventID.withUnsafeBytes { label(eventID: $0, outcome: outcome, nowMs: nowMs) }
    }

    // MARK: Reading

    /// The counters now (cheap: no statistics computed).
    public var counters: LabelJoinerSnapshot.Counters {
        var c = state.pointee.counters
        c.pendingEvents = events.count
        c.pendingLabels = labels.count
        return c
    }

    /// Counters and every model's quality. Costs O(M log M) per model for the exact window metrics
    /// (M = `windowLabels`) and allocates its scratch space; call it about once a second.
    public func snapshot() -> LabelJoinerSnapshot {
        let c = counters
        let joined = c.joined
        return LabelJoinerSnapshot(
            counters: c,
            meanLabelDelayMilliseconds: joined > 0 ? state.pointee.labelDelay.value / Double(joined) : nil,
            models: quality.map { $0.snapshot() })
    }
}
