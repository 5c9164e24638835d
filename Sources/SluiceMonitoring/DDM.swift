/// The Drift Detection Method (Gama et al. 2004) on a stream of errors (1) and successes (0), as
/// River 0.26.1's `river.drift.binary.DDM`: it tracks the error rate `p` and its standard deviation
/// `s = sqrt(p(1-p)/n)`, remembers where `p + s` was lowest, and warns or reports drift when
/// `p + s` rises `warningThreshold` or `driftThreshold` of those standard deviations above it.
public struct DDM: ChangeDetector {
    /// Parameters, with River's names and defaults.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Updates before the test may report (it reports from update `warmStart + 1` on). Default: 30.
        public var warmStart: Int
        /// Standard deviations above the minimum for a warning. Default: 2.
        public var warningThreshold: Double
        /// Standard deviations above the minimum for drift. Default: 3.
        public var driftThreshold: Double

        public init(warmStart: Int = 30, warningThreshold: Double = 2.0, driftThreshold: Double = 3.0) {
            self.warmStart = warmStart
            self.warningThreshold = warningThreshold
            self.driftThreshold = driftThreshold
        }
    }

    public let configuration: Configuration
    private var count = 0.0
    private var errorRate = 0.0
    private var minimumRate = 0.0
    private var minimumDeviation = 0.0
    private var minimumSum = Double.infinity
    public private(set) var isDriftDetected = false
    /// Whether the last update put the detector in the warning zone (never together with drift).
    public private(set) var isWarningDetected = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func reset() {
        count = 0
        errorRate = 0
        minimumRate = 0
        minimumDeviation = 0
        minimumSum = .infinity
        isDriftDetected = false
        isWarningDetected = false
    }

    /// Feeds one outcome: `true` for an error.
    public mutating func update(error: Bool) {
        update(error ? 1 : 0)
    }

    /// Feeds one outcome: 1 for an error, 0 for a success.
    public mutating func update(_ value: Double) {
        if isDriftDetected { reset() }
        count += 1
        errorRate += (1 / count) * (value - errorRate)
        let p = errorRate
        let s = (p * (1 - p) / count).squareRoot()
        guard count > Double(configuration.warmStart) else { return }
        if p + s <= minimumSum {
            minimumRate = p
            minimumDeviation = s
            minimumSum = minimumRate + minimumDeviation
        }
        isWarningDetected = p + s > minimumRate + configuration.warningThreshold * minimumDeviation
        if p + s > minimumRate + configuration.driftThreshold * minimumDeviation {
            isDriftDetected = true
            isWarningDetected = false
        }
    }
}
