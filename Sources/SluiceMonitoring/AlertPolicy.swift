/// Turns per-window statistic values into alerts, with hysteresis: one breaching window is noise,
/// `consecutiveWindows` in a row are an alert; `resolveWindows` clean windows in a row resolve it.
///
/// State is kept per (model, subject, feature, statistic). For each evaluated window:
/// - the window's severity is `critical`, `warning` or none, from the statistic's ``DriftThreshold``;
/// - an alert fires when `consecutiveWindows` windows in a row reach a severity (critical wins when
///   both streaks are long enough); a window with too little data (value NaN) neither extends nor
///   breaks a streak;
/// - while firing, an escalation from warning to critical fires at once; any other repeat waits for
///   `cooldownMs` of event time since the last firing alert for that key. After a resolve the same
///   cooldown holds back a new alert of the same or lower severity, so a flapping statistic pages at
///   most once per cooldown, while a more severe one fires at once;
/// - `resolveWindows` windows in a row under the warning threshold emit a `resolved` alert.
public struct AlertPolicy: Sendable {
    /// Policy settings.
    public struct Configuration: Sendable, Hashable {
        /// Breaching windows in a row before an alert fires. Default: 3 (see `docs/drift.md`: with a
        /// p-value threshold of 0.05 a stationary stream breaches three windows in a row with
        /// probability 1.25e-4, against 2.5e-3 for two).
        public var consecutiveWindows: Int
        /// Clean windows in a row before a firing alert resolves. Default: 3.
        public var resolveWindows: Int
        /// Least event time between two firing alerts of one key, except escalations, in ms.
        /// Default: 1,800,000 (30 minutes).
        public var cooldownMs: Int64

        public init(consecutiveWindows: Int = 3, resolveWindows: Int = 3, cooldownMs: Int64 = 1_800_000) {
            self.consecutiveWindows = consecutiveWindows
            self.resolveWindows = resolveWindows
            self.cooldownMs = cooldownMs
        }
    }

    /// What an alert is about.
    public struct Key: Sendable, Hashable {
        public var model: String
        public var subject: DriftAlert.Subject
        public var feature: String
        public var statistic: DriftStatistic

        public init(model: String, subject: DriftAlert.Subject, feature: String, statistic: DriftStatistic) {
            self.model = model
            self.subject = subject
            self.feature = feature
            self.statistic = statistic
        }
    }

    /// The window an evaluation belongs to.
    public struct Window: Sendable, Hashable {
        public var startMs: Int64
        public var endMs: Int64
        public var eventCount: Int

        public init(startMs: Int64, endMs: Int64, eventCount: Int) {
            self.startMs = startMs
            self.endMs = endMs
            self.eventCount = eventCount
        }
    }

    private struct KeyState: Sendable {
        var firing: DriftAlert.Severity?
        var warningStreak = 0
        var criticalStreak = 0
        var cleanStreak = 0
        var lastFiredMs: Int64?
        var lastFiredSeverity: DriftAlert.Severity?
    }

    public let configuration: Configuration
    /// Name of the topology, copied into every alert.
    public let topology: String
    /// Reference profile name and fingerprint, copied into every alert.
    public let referenceName: String
    public let referenceFingerprint: String
    private var states: [Key: KeyState] = [:]

    public init(
        topology: String,
        referenceName: String,
        referenceFingerprint: String,
        configuration: Configuration = Configuration()
    ) {
        precondition(configuration.consecutiveWindows >= 1 && configuration.resolveWindows >= 1)
        self.topology = topology
        self.referenceName = referenceName
        self.referenceFingerprint = referenceFingerprint
        self.configuration = configuration
    }

    /// The severity an alert for `key` is firing at, or nil.
    public func firingSeverity(of key: Key) -> DriftAlert.Severity? { states[key]?.firing }

    /// Feeds one window's value of one statistic; returns the alert it raises or resolves, if any.
    public mutating func evaluate(
        _ key: Key,
        value: Double,
        threshold: DriftThreshold,
        window: Window
    ) -> DriftAlert? {
        guard !value.isNaN else { return nil }
        var s = states[key] ?? KeyState()
        defer { states[key] = s }
        let severity = threshold.severity(of: value)
        s.warningStreak = severity != nil ? s.warningStreak + 1 : 0
        s.criticalStreak = severity == .critical ? s.criticalStreak + 1 : 0
        s.cleanStreak = severity == nil ? s.cleanStreak + 1 : 0

        let n = configuration.consecutiveWindows
        let target: DriftAlert.Severity? =
            s.criticalStreak >= n ? .critical : (s.warningStreak >= n ? .warning : nil)

        func alert(_ sev: DriftAlert.Severity, _ state: DriftAlert.State) -> DriftAlert {
            DriftAlert(
                topology: topology, model: key.model, subject: key.subject, feature: key.feature,
                statistic: key.statistic, value: value, threshold: threshold.value(for: sev),
                windowStartMs: window.startMs, windowEndMs: window.endMs, eventCount: window.eventCount,
                referenceName: referenceName, referenceFingerprint: referenceFingerprint, severity: sev, state: state)
        }
        let cooledDown = s.lastFiredMs.map { window.endMs - $0 >= configuration.cooldownMs } ?? true

        if let firing = s.firing {
            if s.cleanStreak >= configuration.resolveWindows {
                s.firing = nil
                return alert(firing, .resolved)
            }
            guard let target else { return nil }
            if target > firing || cooledDown {
                s.firing = target
                s.lastFiredMs = window.endMs
                s.lastFiredSeverity = target
                return alert(target, .firing)
            }
            return nil
        }
        guard let target else { return nil }
        if cooledDown || target > (s.lastFiredSeverity ?? .critical) {
            s.firing = target
            s.lastFiredMs = window.endMs
            s.lastFiredSeverity = target
            return alert(target, .firing)
        }
        return nil
    }

    /// Reports an event from a change detector (ADWIN, Page–Hinkley): it fires at once at `severity`,
    /// subject only to the cooldown, and never resolves (a detector has no "back under" state).
    public mutating func detectorFired(
        _ key: Key,
        value: Double,
        threshold: Double,
        severity: DriftAlert.Severity,
        window: Window
    ) -> DriftAlert? {
        var s = states[key] ?? KeyState()
        defer { states[key] = s }
        if let last = s.lastFiredMs, window.endMs - last < configuration.cooldownMs { return nil }
        s.lastFiredMs = window.endMs
        return DriftAlert(
            topology: topology, model: key.model, subject: key.subject, feature: key.feature,
            statistic: key.statistic, value: value, threshold: threshold, windowStartMs: window.startMs,
            windowEndMs: window.endMs, eventCount: window.eventCount, referenceName: referenceName,
            referenceFingerprint: referenceFingerprint, severity: severity, state: .firing)
    }
}
