/// A set of window definitions, by index in `WindowEngineConfiguration.windows` (at most 64).
public struct WindowSet: OptionSet, Sendable, Hashable {
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// The set holding window `index`.
    public init(window index: Int) { rawValue = 1 << UInt64(index) }

    /// Whether window `index` is in the set.
    public func contains(window index: Int) -> Bool { rawValue & (1 << UInt64(index)) != 0 }

    /// Number of windows in the set.
    public var count: Int { rawValue.nonzeroBitCount }
}

/// What `WindowEngine.process(_:)` did with one event.
public struct WindowProcessResult: Sendable, Hashable {
    /// Windows for which the event was late: not merged, outputs NaN. The lane counts these and drops or
    /// dead-letters the event as the topology says.
    public var lateWindows: WindowSet
    /// The event time was outside ±2^53 ms: nothing was merged and every output is NaN.
    public var isTimeOutOfRange: Bool
    /// Windows closed by this call, now in `WindowEngine.closedWindows`.
    public var closedWindowCount: Int

    /// Whether the event was late for at least one window.
    public var isLate: Bool { lateWindows.rawValue != 0 }
}
