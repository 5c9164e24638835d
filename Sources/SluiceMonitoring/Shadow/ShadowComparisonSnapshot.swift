/// Every statistic of one ``ShadowComparison`` at one moment, for metrics, the status API and the
/// dashboard. A statistic with no data to be computed from is nil (left out of the JSON). See
/// `docs/shadow.md` for the definitions.
public struct ShadowComparisonSnapshot: Sendable, Hashable, Codable {
    /// The same statistics over one population of events.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Events recorded (in the window: at most `windowEvents`).
        public var eventCount: Int
        /// Events whose primary and shadow scores were both finite: the population of the
        /// difference and rank statistics.
        public var scoredPairCount: Int
        /// Fraction of events whose two decisions were equal.
        public var decisionAgreementRate: Double?
        /// Mean of `|primary − shadow|`.
        public var meanAbsoluteDifference: Double?
        /// 99th percentile of `|primary − shadow|`, numpy's linear definition. Exact in the window;
        /// since start within ``ShadowComparisonSnapshot/sketchRelativeAccuracy`` of exact.
        public var p99AbsoluteDifference: Double?
        /// Spearman rank correlation of the two scores (average ranks for ties). Window only; nil
        /// since start, and nil when either score is constant.
        public var spearmanCorrelation: Double?
        /// The primary model's score distribution.
        public var primaryScores: ScoreHistogram
        /// The shadow model's score distribution.
        public var shadowScores: ScoreHistogram
        /// Median shadow latency, ns. Exact in the window; a sketch value since start.
        public var latencyP50Nanoseconds: Double?
        /// 99th percentile of shadow latency, ns. Exact in the window; a sketch value since start.
        public var latencyP99Nanoseconds: Double?

        public init(
            eventCount: Int, scoredPairCount: Int, decisionAgreementRate: Double?, meanAbsoluteDifference: Double?,
            p99AbsoluteDifference: Double?, spearmanCorrelation: Double?, primaryScores: ScoreHistogram,
            shadowScores: ScoreHistogram, latencyP50Nanoseconds: Double?, latencyP99Nanoseconds: Double?
        ) {
            self.eventCount = eventCount
            self.scoredPairCount = scoredPairCount
            self.decisionAgreementRate = decisionAgreementRate
            self.meanAbsoluteDifference = meanAbsoluteDifference
            self.p99AbsoluteDifference = p99AbsoluteDifference
            self.spearmanCorrelation = spearmanCorrelation
            self.primaryScores = primaryScores
            self.shadowScores = shadowScores
            self.latencyP50Nanoseconds = latencyP50Nanoseconds
            self.latencyP99Nanoseconds = latencyP99Nanoseconds
        }
    }

    public var primaryModel: String
    public var shadowModel: String
    /// Capacity of the sliding window, events.
    public var windowCapacity: Int
    /// The last `windowCapacity` events (fewer until that many have been recorded).
    public var window: Statistics
    /// Every event since the comparison was created.
    public var sinceStart: Statistics
    /// Relative error bound of the since-start p99 difference and latency quantiles: 2^−7 ≈ 0.78 %.
    public var sketchRelativeAccuracy: Double

    public init(
        primaryModel: String, shadowModel: String, windowCapacity: Int, window: Statistics, sinceStart: Statistics,
        sketchRelativeAccuracy: Double
    ) {
        self.primaryModel = primaryModel
        self.shadowModel = shadowModel
        self.windowCapacity = windowCapacity
        self.window = window
        self.sinceStart = sinceStart
        self.sketchRelativeAccuracy = sketchRelativeAccuracy
    }
}

/// Counts of scores in equal-width bins, ready to draw: bin `i` spans `edges[i]…edges[i+1]`
/// (`numpy.histogram`'s edges and rule: left-closed, the last bin closed on both sides).
public struct ScoreHistogram: Sendable, Hashable, Codable {
    /// `counts.count + 1` bin edges, ascending.
    public var edges: [Double]
    public var counts: [Int]
    /// Scores below the first edge (−∞ included).
    public var below: Int
    /// Scores above the last edge (+∞ included).
    public var above: Int
    /// NaN scores.
    public var missing: Int

    public init(edges: [Double], counts: [Int], below: Int, above: Int, missing: Int) {
        self.edges = edges
        self.counts = counts
        self.below = below
        self.above = above
        self.missing = missing
    }
}
