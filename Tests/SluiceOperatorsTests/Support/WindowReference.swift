@testable import SluiceOperators

/// One event of a test stream.
struct TestEvent: Hashable {
    var key: [UInt8]
    var time: Int64
    /// Value inputs by name ("x", "y"), NaN when missing.
    var x: Double
    var y: Double
    var p: Bool
    var h: UInt64
}

enum TestStep: Hashable {
    case event(TestEvent)
    case advance(wallClock: Int64)
}

/// An event as it entered a window, with its arrival number (ties in time are broken by arrival).
struct Contribution: Hashable {
    var event: TestEvent
    var arrival: Int
}

struct ReferenceClosed: Hashable {
    var window: Int
    var key: [UInt8]
    var start: Int64
    var end: Int64
    var contents: [Contribution]
}

enum ReferenceOutcome {
    case late
    case accepted([Contribution])
}

struct ReferenceStep {
    /// Per window; nil for an advance step.
    var outcomes: [ReferenceOutcome]?
    var closed: [ReferenceClosed]
}

/// A brute-force restatement of the window semantics of docs/windows.md, written without panes,
/// heaps or buffers: each window's contents are lists of the raw events that entered it.
///
/// - tumbling/hopping: the windows containing t are [s, s + size) for s = ⌊t/a⌋·a − k·a; a window is
///   open while the watermark is below its end; an event joins every open window containing it and is
///   late when there is none; the read window is the open one with the smallest end.
/// - sliding: late when t < watermark; the read is every accepted event of the key with time in (t − size, t].
/// - session: the open events of a key are split where consecutive times differ by ≥ gap; a session is
///   [first, last + gap) and closes when the watermark reaches its end; an event is late when the session
///   it would form with the open events ends at or before the watermark.
final class WindowReference {
    struct OpenWindow: Hashable {
        var key: [UInt8]
        var end: Int64
    }

    let definitions: [WindowDefinition]
    let idleTimeout: Int64?
    private var clock: Int64?
    private var arrival = 0
    private var eventsSinceAdvance = 0
    private var lastActivity: Int64?
    private var clockAtActivity: Int64 = .min

    private var openWindows: [[OpenWindow: [Contribution]]]
    private var accepted: [[[UInt8]: [Contribution]]]
    private var openSessionEvents: [[[UInt8]: [Contribution]]]

    init(configuration: WindowEngineConfiguration) {
        definitions = configuration.windows
        idleTimeout = configuration.idleTimeout
        openWindows = Array(repeating: [:], count: definitions.count)
        accepted = Array(repeating: [:], count: definitions.count)
        openSessionEvents = Array(repeating: [:], count: definitions.count)
    }

    func watermark(_ window: Int) -> Int64? { clock.map { $0 - definitions[window].allowedLateness } }

    func step(_ step: TestStep) -> ReferenceStep {
        switch step {
        case .event(let event):
            arrival += 1
            eventsSinceAdvance += 1
            clock = max(clock ?? .min, event.time)
            var closed = closeAll()
            var outcomes: [ReferenceOutcome] = []
            for window in definitions.indices {
                outcomes.append(offer(event, to: window))
            }
            closed.sort(by: Self.emissionOrder)
            return ReferenceStep(outcomes: outcomes, closed: closed)
        case .advance(let now):
            if eventsSinceAdvance > 0 || lastActivity == nil {
                eventsSinceAdvance = 0
                lastActivity = now
                clockAtActivity = clock ?? .min
            } else if let idleTimeout, let lastActivity, let current = clock, now - lastActivity >= idleTimeout {
                clock = max(current, clockAtActivity + (now - lastActivity))
            }
            var closed = clock == nil ? [] : closeAll()
            closed.sort(by: Self.emissionOrder)
            return ReferenceStep(outcomes: nil, closed: closed)
        }
    }

    static func emissionOrder(_ a: ReferenceClosed, _ b: ReferenceClosed) -> Bool {
        if a.end != b.end { return a.end < b.end }
        if a.window != b.window { return a.window < b.window }
        if a.key != b.key { return a.key.lexicographicallyPrecedes(b.key) }
        return a.start < b.start
    }

    private func closeAll() -> [ReferenceClosed] {
        var closed: [ReferenceClosed] = []
        for window in definitions.indices {
            let definition = definitions[window]
            let watermark = watermark(window)!
            switch definition.kind {
            case .tumbling(let size), .hopping(let size, _):
                for (open, contents) in openWindows[window] where open.end <= watermark {
                    if definition.emitsOnClose {
                        closed.append(
                            ReferenceClosed(
                                window: window, key: open.key, start: open.end - size, end: open.end,
                                contents: sorted(contents)))
                    }
                    openWindows[window][open] = nil
                }
            case .sliding:
                break
            case .session(let gap):
                for (key, events) in openSessionEvents[window] {
                    var remaining: [Contribution] = []
                    for session in sessions(of: events, gap: gap) {
                        let end = session.last!.event.time + gap
                        if end <= watermark {
                            if definition.emitsOnClose {
                                closed.append(
                                    ReferenceClosed(
                                        window: window, key: key, start: session.first!.event.time, end: end,
                                        contents: session))
                            }
                        } else {
                            remaining += session
                        }
                    }
                    openSessionEvents[window][key] = remaining.isEmpty ? nil : remaining
                }
            }
        }
        return closed
    }

    private func offer(_ event: TestEvent, to window: Int) -> ReferenceOutcome {
        let definition = definitions[window]
        let watermark = watermark(window)!
        let contribution = Contribution(event: event, arrival: arrival)
        let t = event.time
        switch definition.kind {
        case .tumbling(let size), .hopping(let size, _):
            let advance: Int64
            if case .hopping(_, let a) = definition.kind { advance = a } else { advance = size }
            let lastStart = floorDiv(t, advance) * advance
            var openEnds: [Int64] = []
            var start = lastStart
            while start + size > t {
                if start + size > watermark { openEnds.append(start + size) }
                start -= advance
            }
            guard let readEnd = openEnds.min() else { return .late }
            for end in openEnds {
                openWindows[window][OpenWindow(key: event.key, end: end), default: []].append(contribution)
            }
            accepted[window][event.key, default: []].append(contribution)
            return .accepted(sorted(openWindows[window][OpenWindow(key: event.key, end: readEnd)]!))
        case .sliding(let size):
            guard watermark < t + 1 else { return .late }
            accepted[window][event.key, default: []].append(contribution)
            let contents = accepted[window][event.key]!.filter { $0.event.time > t - size && $0.event.time <= t }
            return .accepted(sorted(contents))
        case .session(let gap):
            let candidate = (openSessionEvents[window][event.key] ?? []) + [contribution]
            let session = sessions(of: candidate, gap: gap).first {
                $0.contains { $0.arrival == contribution.arrival }
            }!
            guard session.last!.event.time + gap > watermark else { return .late }
            openSessionEvents[window][event.key] = candidate
            return .accepted(session)
        }
    }

    private func sessions(of events: [Contribution], gap: Int64) -> [[Contribution]] {
        var result: [[Contribution]] = []
        for contribution in sorted(events) {
            if let last = result.last?.last, contribution.event.time - last.event.time < gap {
                result[result.count - 1].append(contribution)
            } else {
                result.append([contribution])
            }
        }
        return result
    }

    private func sorted(_ contents: [Contribution]) -> [Contribution] {
        contents.sorted { ($0.event.time, $0.arrival) < ($1.event.time, $1.arrival) }
    }

    private func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }
}
