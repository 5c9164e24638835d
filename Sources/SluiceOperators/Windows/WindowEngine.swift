/// Keyed event-time windows of one partition: the lane calls it once per event, reads the windows'
/// values as of that event from an output buffer, and forwards closed windows, late events and
/// changelog records. See `docs/windows.md` for the semantics and the calling pattern.
///
/// Not thread-safe and not `Sendable` by design: one engine belongs to one lane and is only touched
/// from that lane's serial queue, which is what lets it run without locks.
public final class WindowEngine {
    /// The configuration the engine was built from.
    public let configuration: WindowEngineConfiguration

    let windows: [WindowState]
    let keyspaces: [Keyspace]
    private let keyspaceOfWindow: [Int]

    /// Distinct key names, in keyspace order.
    public let keyspaceNames: [String]
    /// Value input names, in buffer order of `WindowEvent.values`.
    public let valueNames: [String]
    /// Predicate input names, in buffer order of `WindowEvent.predicates`.
    public let predicateNames: [String]
    /// Hash input names, in buffer order of `WindowEvent.hashes`.
    public let hashNames: [String]
    /// Output names `window.aggregate`, in buffer order of `outputValues`.
    public let outputNames: [String]
    private let outputIndexByName: [String: Int]

    private let outputs: UnsafeMutablePointer<Double>

    // Hot-path state: `@exclusivity(unchecked)` for the reason given on `SlotTable`.

    /// Windows closed by the last `process` or `advance` call (only windows with `emitsOnClose`).
    @exclusivity(unchecked) public private(set) var closedWindows = ClosedWindows()

    /// Largest event time seen, moved forward by idle time; every watermark is this minus a lateness.
    @exclusivity(unchecked) var eventClock: Int64 = .min
    @exclusivity(unchecked) var hasEventClock = false
    /// Counts accepted and late events alike; orders keys by recency.
    @exclusivity(unchecked) var sequence: UInt64 = 0
    @exclusivity(unchecked) private var eventsSinceAdvance = 0
    private var lastActivityWallClock: Int64?
    private var eventClockAtLastActivity: Int64 = .min
    /// Reused for encoding changelog records.
    private var encodeBuffer: [UInt8] = []
    /// Events refused because their time was outside ±2^53 ms.
    public private(set) var outOfRangeEvents = 0

    /// Largest accepted magnitude of an event time: 2^53 ms, about 285,000 years.
    public static let maximumEventTime: Int64 = 1 << 53
    /// Largest accepted window size, advance, gap, lateness or idle timeout: 2^40 ms, about 34 years.
    public static let maximumDuration: Int64 = 1 << 40

    /// Builds the engine, checking the configuration and resolving every name once.
    public init(configuration: WindowEngineConfiguration) throws(WindowError) {
        self.configuration = configuration
        try Self.validate(configuration)

        var keyspaceNames: [String] = []
        var valueNames: [String] = []
        var predicateNames: [String] = []
        var hashNames: [String] = []
        func intern(_ name: String, _ names: inout [String]) -> Int {
            if let index = names.firstIndex(of: name) { return index }
            names.append(name)
            return names.count - 1
        }

        var keyspaceOfWindow: [Int] = []
        for definition in configuration.windows { keyspaceOfWindow.append(intern(definition.key, &keyspaceNames)) }
        let rows = keyspaceNames.indices.map { keyspace in
            KeyRows(windowCount: keyspaceOfWindow.filter { $0 == keyspace }.count)
        }
        var windows: [WindowState] = []
        var outputNames: [String] = []
        for (index, definition) in configuration.windows.enumerated() {
            let keyspace = keyspaceOfWindow[index]
            let plan = try AccumulatorPlan(
                aggregates: definition.aggregates,
                window: definition.name,
                valueIndex: { intern($0, &valueNames) },
                predicateIndex: { intern($0, &predicateNames) },
                hashIndex: { intern($0, &hashNames) }
            )
            let column = keyspaceOfWindow[..<index].filter { $0 == keyspace }.count
            windows.append(
                WindowState(
                    index: index, definition: definition, plan: plan, outputBase: outputNames.count,
                    rows: rows[keyspace], column: column))
            for aggregate in definition.aggregates { outputNames.append("\(definition.name).\(aggregate.name)") }
        }
        var keyspaces: [Keyspace] = []
        for (index, name) in keyspaceNames.enumerated() {
            let members = windows.filter { keyspaceOfWindow[$0.index] == index }
            let description = members.map { window in
                let definition = configuration.windows[window.index]
                return "\(definition.name)|\(definition.kind)|\(window.plan.layoutDescription)"
            }.joined(separator: ";")
            keyspaces.append(
                Keyspace(
                    name: name, index: index, maxKeys: configuration.maxKeys,
                    recordsChanges: configuration.recordsChanges, rows: rows[index], windows: members,
                    fingerprint: CRC32.checksum("sluice-window-state|\(name)|\(description)")))
        }

        self.windows = windows
        self.keyspaces = keyspaces
        self.keyspaceOfWindow = keyspaceOfWindow
        self.keyspaceNames = keyspaceNames
        self.valueNames = valueNames
        self.predicateNames = predicateNames
        self.hashNames = hashNames
        self.outputNames = outputNames
        var byName: [String: Int] = [:]
        for (index, name) in outputNames.enumerated() { byName[name] = index }
        outputIndexByName = byName
        outputs = .allocate(capacity: max(outputNames.count, 1))
        outputs.initialize(repeating: .nan, count: max(outputNames.count, 1))
    }

    deinit {
        outputs.deallocate()
    }

    // MARK: - Setup look-ups

    /// A fresh input buffer sized for this engine.
    public func makeEvent() -> WindowEvent {
        WindowEvent(
            keyspaces: keyspaceNames.count, values: valueNames.count, predicates: predicateNames.count,
            hashes: hashNames.count)
    }

    /// Index of the keyspace keyed by `name` (a `WindowDefinition.key`).
    public func keyspaceIndex(named name: String) -> Int? { keyspaceNames.firstIndex(of: name) }
    /// Index of a value input in `WindowEvent.values`.
    public func valueIndex(named name: String) -> Int? { valueNames.firstIndex(of: name) }
    /// Index of a predicate input in `WindowEvent.predicates`.
    public func predicateIndex(named name: String) -> Int? { predicateNames.firstIndex(of: name) }
    /// Index of a hash input in `WindowEvent.hashes`.
    public func hashIndex(named name: String) -> Int? { hashNames.firstIndex(of: name) }
    /// Index of output `window.aggregate` (for example `card_10m.total`) in `outputValues`.
    public func outputIndex(named name: String) -> Int? { outputIndexByName[name] }
    /// Index of window `name` in the configuration.
    public func windowIndex(named name: String) -> Int? { configuration.windows.firstIndex { $0.name == name } }
    /// The keyspace window `window` belongs to.
    public func keyspace(ofWindow window: Int) -> Int { keyspaceOfWindow[window] }

    // MARK: - Events

    /// The windows' values as of the last processed event, by output index; NaN for windows the event
    /// was late for. The buffer lives as long as the engine and is overwritten by each `process`.
    public var outputValues: UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: outputs, count: outputNames.count)
    }

    /// The value of output `index` as of the last processed event.
    @inline(__always)
    public func output(_ index: Int) -> Double { outputs[index] }

    /// Processes one event: advances the event clock, closes the windows the new watermark passes,
    /// merges the event into every window it is not late for, and fills `outputValues`.
    public func process(_ event: WindowEvent) -> WindowProcessResult {
        closedWindows.removeAll()
        let time = event.eventTime
        guard time >= -Self.maximumEventTime && time <= Self.maximumEventTime else {
            outOfRangeEvents += 1
            for index in outputNames.indices { outputs[index] = .nan }
            return WindowProcessResult(lateWindows: [], isTimeOutOfRange: true, closedWindowCount: 0)
        }
        sequence += 1
        eventsSinceAdvance += 1
        if !hasEventClock || time > eventClock {
            eventClock = time
            hasEventClock = true
        }
        closeDueWindows()

        var late: UInt64 = 0
        for keyspace in keyspaces {
            event.keys[keyspace.index].withUnsafeBytes { key in
                late |= process(event, time: time, key: key, keyspace: keyspace)
            }
        }
        closedWindows.sort()
        return WindowProcessResult(
            lateWindows: WindowSet(rawValue: late), isTimeOutOfRange: false, closedWindowCount: closedWindows.count)
    }

    private func process(_ event: WindowEvent, time: Int64, key: UnsafeRawBufferPointer, keyspace: Keyspace) -> UInt64 {
        let hash = KeyHash.hash(key)
        var slot = keyspace.find(hash: hash, key: key)
        var late: UInt64 = 0
        var accepted: UInt64 = 0
        for window in keyspace.windows {
            let bit: UInt64 = 1 << UInt64(window.index)
            if window.isLate(slot: slot, time: time, watermark: eventClock - window.lateness) {
                late |= bit
                window.lateEvents += 1
                window.writeMissing(into: outputs + window.outputBase)
            } else {
                accepted |= bit
            }
        }
        guard accepted != 0 else { return late }
        keyspace.rebuildRecencyIfNeeded()
        if slot < 0 { slot = keyspace.insert(hash: hash, key: key) }
        keyspace.touch(slot, sequence: sequence)
        for window in keyspace.windows where accepted & (1 << UInt64(window.index)) != 0 {
            window.loadRaw(time: time, values: event.values, predicates: event.predicates, hashes: event.hashes)
            window.accept(
                slot: slot, time: time, watermark: eventClock - window.lateness, output: outputs + window.outputBase)
        }
        return late
    }

    // MARK: - Watermarks

    /// Call after each batch and on a timer (say every second) while the partition is idle.
    ///
    /// If events were processed since the previous call, `wallClockNow` is taken as the time of the
    /// partition's last activity. Otherwise, once `idleTimeout` ms have passed since that activity, the
    /// event clock becomes `clock at last activity + (wallClockNow − last activity)` — event time keeps
    /// pace with the wall clock — and the windows that this moves past close. Returns the number of
    /// closed windows now in `closedWindows`.
    @discardableResult
    public func advance(wallClockNow: Int64) -> Int {
        closedWindows.removeAll()
        if eventsSinceAdvance > 0 || lastActivityWallClock == nil {
            eventsSinceAdvance = 0
            lastActivityWallClock = wallClockNow
            eventClockAtLastActivity = eventClock
        } else if let idleTimeout = configuration.idleTimeout, let lastActivity = lastActivityWallClock, hasEventClock {
            let (elapsed, overflow) = wallClockNow.subtractingReportingOverflow(lastActivity)
            if !overflow && elapsed >= idleTimeout {
                let (candidate, overflow) = eventClockAtLastActivity.addingReportingOverflow(elapsed)
                let clock = overflow ? Self.maximumEventTime : min(candidate, Self.maximumEventTime)
                if clock > eventClock { eventClock = clock }
            }
        }
        if hasEventClock { closeDueWindows() }
        closedWindows.sort()
        return closedWindows.count
    }

    /// Window `window`'s current watermark (event clock − allowed lateness), nil before the first event.
    public func watermark(window: Int) -> Int64? {
        hasEventClock ? eventClock - windows[window].lateness : nil
    }

    /// The partition's event clock: the largest event time seen, or later after idle advancing.
    public var currentEventClock: Int64? { hasEventClock ? eventClock : nil }

    func closeDueWindows() {
        for window in windows {
            let watermark = eventClock - window.lateness
            let keyspace = keyspaces[keyspaceOfWindow[window.index]]
            while let slot = window.items.popDue(watermark) {
                guard window.close(slot: slot, watermark: watermark, keyspace: keyspace, into: &closedWindows) else {
                    continue
                }
                if keyspace.isEmpty(slot) {
                    for member in keyspace.windows { member.slotFreed(slot) }
                    keyspace.remove(slot)
                } else {
                    keyspace.markDirty(slot)
                }
            }
        }
    }

    func takeEncodeBuffer() -> [UInt8] {
        var buffer: [UInt8] = []
        swap(&buffer, &encodeBuffer)
        return buffer
    }

    func returnEncodeBuffer(_ buffer: [UInt8]) { encodeBuffer = buffer }

    // MARK: - Statistics

    /// Keys holding state in window `window` now: a stored count, cheap enough to read after every batch.
    public func liveKeys(window: Int) -> Int { windows[window].liveKeys }

    /// Keys whose state in window `window` was dropped because their keyspace reached `maxKeys`, since the engine
    /// was made. A key evicted from a keyspace counts once for each of its windows it held state in.
    public func evictedKeys(window: Int) -> Int { windows[window].evictedKeys }

    /// Counters and sizes of window `window`.
    public func statistics(window: Int) -> WindowStatistics {
        let state = windows[window]
        let keyspace = keyspaces[keyspaceOfWindow[window]]
        return WindowStatistics(
            liveKeys: state.liveKeys,
            liveItems: state.items.itemCount,
            lateEvents: state.lateEvents,
            closedWindows: state.closedWindowCount,
            truncatedEvents: state.truncatedEvents,
            approximateBytes: state.approximateBytes,
            keyspaceLiveKeys: keyspace.liveKeys,
            keyspaceEvictions: keyspace.evictions,
            keyspaceApproximateBytes: keyspace.approximateBytes
        )
    }

    // MARK: - Validation

    private static func validate(_ configuration: WindowEngineConfiguration) throws(WindowError) {
        let windows = configuration.windows
        guard !windows.isEmpty else { throw WindowError(.invalidDefinition, "no windows are defined") }
        guard windows.count <= 64 else {
            throw WindowError(.invalidDefinition, "\(windows.count) windows are defined; at most 64 fit one engine")
        }
        guard configuration.maxKeys >= 1 && configuration.maxKeys <= 1 << 30 else {
            throw WindowError(.invalidDefinition, "maxKeys \(configuration.maxKeys) is outside 1...2^30")
        }
        if let idle = configuration.idleTimeout, idle < 1 || idle > maximumDuration {
            throw WindowError(.invalidDefinition, "idleTimeout \(idle) ms is outside 1...2^40 ms")
        }
        var names = Set<String>()
        for window in windows {
            let name = window.name
            func fail(_ message: String) -> WindowError { WindowError(.invalidDefinition, message, window: name) }
            guard !name.isEmpty, !name.contains(".") else { throw fail("a window name must be non-empty without '.'") }
            guard names.insert(name).inserted else { throw fail("the name is used by another window") }
            guard !window.key.isEmpty else { throw fail("the key name is empty") }
            func checkDuration(_ value: Int64, _ what: String) throws(WindowError) {
                guard value >= 1 && value <= maximumDuration else {
                    throw fail("\(what) \(value) ms is outside 1...2^40 ms")
                }
            }
            switch window.kind {
            case .tumbling(let size):
                try checkDuration(size, "size")
            case .hopping(let size, let advance):
                try checkDuration(size, "size")
                try checkDuration(advance, "advance")
                guard advance <= size, size % advance == 0 else {
                    throw fail("hopping size \(size) ms must be a multiple of the advance \(advance) ms")
                }
            case .sliding(let size):
                try checkDuration(size, "size")
                guard !window.emitsOnClose else {
                    throw fail("a sliding window is read as of each event and has no end to emit at; use hopping")
                }
                guard window.maxEventsPerKey >= 1 && window.maxEventsPerKey <= 1 << 24 else {
                    throw fail("maxEventsPerKey \(window.maxEventsPerKey) is outside 1...2^24")
                }
            case .session(let gap):
                try checkDuration(gap, "gap")
            }
            guard window.allowedLateness >= 0 && window.allowedLateness <= maximumDuration else {
                throw fail("allowed lateness \(window.allowedLateness) ms is outside 0...2^40 ms")
            }
            guard !window.aggregates.isEmpty else { throw fail("a window needs at least one aggregate") }
            var aggregateNames = Set<String>()
            for aggregate in window.aggregates {
                guard !aggregate.name.isEmpty, aggregateNames.insert(aggregate.name).inserted else {
                    throw fail("aggregate name '\(aggregate.name)' is empty or repeated")
                }
            }
        }
    }
}

/// Counters and sizes of one window in one partition.
public struct WindowStatistics: Sendable, Hashable {
    /// Keys holding state in this window.
    public var liveKeys: Int
    /// Panes (tumbling, hopping), sessions, or buffered events (sliding) held.
    public var liveItems: Int
    /// Events that were late for this window since the engine was made.
    public var lateEvents: Int
    /// Windows emitted on close since the engine was made.
    public var closedWindows: Int
    /// Sliding only: events dropped because a key held more than `maxEventsPerKey`.
    public var truncatedEvents: Int
    /// Heap bytes of this window's items, sketches, per-key arrays and heap, approximately.
    public var approximateBytes: Int
    /// Live keys of the window's keyspace (shared with the other windows of the same key).
    public var keyspaceLiveKeys: Int
    /// Keys the keyspace evicted to respect `maxKeys`.
    public var keyspaceEvictions: Int
    /// Heap bytes of the keyspace's key table, key bytes and recency list, approximately.
    public var keyspaceApproximateBytes: Int
}
