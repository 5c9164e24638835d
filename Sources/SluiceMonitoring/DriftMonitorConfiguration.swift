/// What a ``DriftMonitor`` watches, how it cuts windows, and what it computes.
public struct DriftMonitorConfiguration: Sendable {
    /// A change detector run on every score value, in addition to the windowed statistics.
    public enum ScoreDetector: Sendable, Hashable {
        case none
        case adwin(ADWIN.Configuration)
        case pageHinkley(PageHinkley.Configuration)
    }

    /// Topology name, copied into alerts.
    public var topology: String
    /// Model whose feature vector the monitored features belong to, copied into feature alerts.
    public var model: String
    /// Numeric features to monitor; each must be in the profile's `numeric`. Default: none.
    public var numericFeatures: [String]
    /// Categorical features to monitor; each must be in the profile's `categorical`. Default: none.
    public var categoricalFeatures: [String]
    /// Models whose score distributions to monitor; each must be in the profile's `scores`. Default: none.
    public var scoreModels: [String]
    /// A window closes after this many events (0: no count limit). Default: 10,000.
    public var windowEvents: Int
    /// A window closes at the first event whose event time is this many ms after the window's first
    /// event (that event is the window's last; 0: no time limit). Default: 0.
    public var windowMilliseconds: Int64
    /// Values kept per numeric feature and window for KS and Wasserstein: all of them up to this
    /// count, a uniform reservoir sample beyond. Default: 1,000.
    public var sampleCapacity: Int
    /// A window in which a feature has fewer non-null values than this is not evaluated for it (its
    /// statistics are NaN and do not count towards alerts). Default: 200.
    public var minimumSampleSize: Int
    /// Statistics computed per window (those without a threshold are reported, not alerted on).
    /// Default: PSI, KS p-value, Jensen–Shannon, normalized Wasserstein, chi-square p-value.
    public var statistics: Set<DriftStatistic>
    /// Thresholds per statistic. Default: ``DriftThreshold/defaults``.
    public var thresholds: [DriftStatistic: DriftThreshold]
    /// KS p-value method. Default: asymptotic (scipy's `method='asymp'`), which costs microseconds where
    /// the exact path costs milliseconds per feature at these sample sizes (see `docs/drift.md`).
    public var ksMethod: DriftStatistics.KSMethod
    /// Floor for empty bins in PSI and for expected proportions in chi-square. Default: 1e-4.
    public var psiEpsilon: Double
    /// Change detector on score streams. Default: none.
    public var scoreDetector: ScoreDetector
    /// Seed of the per-window reservoirs (SplitMix64). Default: 7.
    public var sampleSeed: UInt64

    public init(
        topology: String,
        model: String,
        numericFeatures: [String] = [],
        categoricalFeatures: [String] = [],
        scoreModels: [String] = [],
        windowEvents: Int = 10_000,
        windowMilliseconds: Int64 = 0,
        sampleCapacity: Int = 1_000,
        minimumSampleSize: Int = 200,
        statistics: Set<DriftStatistic> = [.psi, .ksPValue, .jensenShannon, .wasserstein, .chiSquarePValue],
        thresholds: [DriftStatistic: DriftThreshold] = DriftThreshold.defaults,
        ksMethod: DriftStatistics.KSMethod = .asymptotic,
        psiEpsilon: Double = DriftStatistics.defaultPSIEpsilon,
        scoreDetector: ScoreDetector = .none,
        sampleSeed: UInt64 = 7
    ) {
        self.topology = topology
        self.model = model
        self.numericFeatures = numericFeatures
        self.categoricalFeatures = categoricalFeatures
        self.scoreModels = scoreModels
        self.windowEvents = windowEvents
        self.windowMilliseconds = windowMilliseconds
        self.sampleCapacity = sampleCapacity
        self.minimumSampleSize = minimumSampleSize
        self.statistics = statistics
        self.thresholds = thresholds
        self.ksMethod = ksMethod
        self.psiEpsilon = psiEpsilon
        self.scoreDetector = scoreDetector
        self.sampleSeed = sampleSeed
    }

    func validate() throws(MonitoringError) {
        guard windowEvents > 0 || windowMilliseconds > 0 else {
            throw MonitoringError(.invalidConfiguration, "set windowEvents or windowMilliseconds (or both) above 0")
        }
        guard windowEvents >= 0, windowMilliseconds >= 0, sampleCapacity >= 1, minimumSampleSize >= 1 else {
            throw MonitoringError(
                .invalidConfiguration,
                "window sizes must not be negative; sampleCapacity and minimumSampleSize at least 1")
        }
        guard psiEpsilon > 0, psiEpsilon < 1 else {
            throw MonitoringError(.invalidConfiguration, "psiEpsilon must lie in (0, 1)")
        }
    }
}
