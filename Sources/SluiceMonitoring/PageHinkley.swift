/// The Page–Hinkley test for a change in the mean, as River 0.26.1's `river.drift.PageHinkley`:
/// cumulative deviations from the running mean with a forgetting factor, one-sided or both ways.
public struct PageHinkley: ChangeDetector {
    /// Which direction of change to detect (River's `mode`).
    public enum Mode: String, Sendable, Hashable, Codable {
        case up
        case down
        case both
    }

    /// Parameters, with River's names and defaults.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Updates before the test may report. Default: 30.
        public var minInstances: Int
        /// Magnitude of change tolerated (subtracted from, or added to, every deviation). Default: 0.005.
        public var delta: Double
        /// Detection threshold λ on the cumulative deviation. Default: 50.
        public var threshold: Double
        /// Forgetting factor applied to the cumulative sums. Default: 1 - 0.0001.
        public var alpha: Double
        /// Direction of change to detect. Default: both.
        public var mode: Mode

        public init(
            minInstances: Int = 30,
            delta: Double = 0.005,
            threshold: Double = 50.0,
            alpha: Double = 1 - 0.0001,
            mode: Mode = .both
        ) {
            self.minInstances = minInstances
            self.delta = delta
            self.threshold = threshold
            self.alpha = alpha
            self.mode = mode
        }
    }

    public let configuration: Configuration
    private var count = 0.0
    private var mean = 0.0
    private var sumIncrease = 0.0
    private var sumDecrease = 0.0
    private var minIncrease = Double.infinity
    private var maxDecrease = -1.0
    public private(set) var isDriftDetected = false

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    public mutating func reset() {
        count = 0
        mean = 0
        sumIncrease = 0
        sumDecrease = 0
        minIncrease = .infinity
        maxDecrease = -1
        isDriftDetected = false
    }

    public mutating func update(_ value: Double) {
        if isDriftDetected { reset() }
        // river.stats.Mean with unit weights.
        count += 1
        mean += (1 / count) * (value - mean)
        let deviation = value - mean
        sumIncrease = configuration.alpha * sumIncrease + deviation - configuration.delta
        sumDecrease = configuration.alpha * sumDecrease + deviation + configuration.delta
        if sumIncrease < minIncrease { minIncrease = sumIncrease }
        if sumDecrease > maxDecrease { maxDecrease = sumDecrease }
        if count >= Double(configuration.minInstances) {
            let testIncrease = sumIncrease - minIncrease
            let testDecrease = maxDecrease - sumDecrease
            switch configuration.mode {
            case .up: isDriftDetected = testIncrease > configuration.threshold
            case .down: isDriftDetected = testDecrease > configuration.threshold
            case .both:
                isDriftDetected = testIncrease > configuration.threshold || testDecrease > configuration.threshold
            }
        }
    }
}
