/// A statistic a monitor computes per window (or a change detector that watches a stream), with the
/// name that alerts and metrics carry.
public enum DriftStatistic: String, Sendable, Hashable, Codable, CaseIterable {
    /// Population stability index over the profile's bins (numeric) or categories (categorical).
    case psi
    /// Two-sample Kolmogorov–Smirnov p-value (window sample against the reference sample).
    case ksPValue = "ks_p"
    /// Two-sample Kolmogorov–Smirnov statistic `D` (computed with the p-value; reported, not alerted on by default).
    case ksStatistic = "ks"
    /// Jensen–Shannon distance in base 2 over the same bins as PSI.
    case jensenShannon = "js"
    /// Wasserstein-1 distance divided by the reference standard deviation.
    case wasserstein
    /// Chi-square goodness-of-fit p-value over the profile's categories (categorical features).
    case chiSquarePValue = "chi2_p"
    /// ADWIN reported a change in a score stream.
    case adwin
    /// Page–Hinkley reported a change in a score stream.
    case pageHinkley = "page_hinkley"

    /// Whether small values are the bad ones (p-values) rather than large ones (distances).
    public var breachesBelowThreshold: Bool {
        switch self {
        case .ksPValue, .chiSquarePValue: true
        default: false
        }
    }
}

/// Warning and critical thresholds of one statistic.
public struct DriftThreshold: Sendable, Hashable, Codable {
    /// Value at which a window counts as a warning breach.
    public var warning: Double
    /// Value at which a window counts as a critical breach.
    public var critical: Double
    /// True for p-values: a window breaches when its value is *below* the threshold.
    public var breachesBelow: Bool

    public init(warning: Double, critical: Double, breachesBelow: Bool = false) {
        self.warning = warning
        self.critical = critical
        self.breachesBelow = breachesBelow
    }

    /// The severity of one window's value; nil when it breaches neither threshold or is NaN.
    public func severity(of value: Double) -> DriftAlert.Severity? {
        guard !value.isNaN else { return nil }
        if breachesBelow {
            if value < critical { return .critical }
            if value < warning { return .warning }
        } else {
            if value >= critical { return .critical }
            if value >= warning { return .warning }
        }
        return nil
    }

    /// The threshold a severity is measured against.
    public func value(for severity: DriftAlert.Severity) -> Double {
        severity == .critical ? critical : warning
    }

    /// PSI: 0.1 warning, 0.25 critical — the usual credit-scoring rule of thumb.
    public static let psi = DriftThreshold(warning: 0.1, critical: 0.25)
    /// KS p-value: below 0.01 warning, below 0.001 critical. Not the customary 0.05: every window is
    /// tested against the same stored reference sample, so a sample that happens to sit off the
    /// training distribution pushes every window's p-value down together; at 0.05 a stationary
    /// stream of one million events raised false warnings (measured in the tests, see `docs/drift.md`).
    public static let ksPValue = DriftThreshold(warning: 0.01, critical: 0.001, breachesBelow: true)
    /// Chi-square p-value: below 0.05 warning, below 0.001 critical.
    public static let chiSquarePValue = DriftThreshold(warning: 0.05, critical: 0.001, breachesBelow: true)
    /// Jensen–Shannon distance (base 2): 0.13 warning, 0.21 critical — the values it takes on ten
    /// decile bins when a normal feature's mean moves by 0.32σ and 0.51σ, where PSI reaches 0.1 and 0.25.
    public static let jensenShannon = DriftThreshold(warning: 0.13, critical: 0.21)
    /// Normalized Wasserstein-1: 0.32 warning, 0.51 critical — a mean shift of that many reference
    /// standard deviations moves W₁/σ by exactly that much, and PSI reaches 0.1 and 0.25 there.
    public static let wasserstein = DriftThreshold(warning: 0.32, critical: 0.51)

    /// The default thresholds of every windowed statistic (the KS statistic `D` has none).
    public static let defaults: [DriftStatistic: DriftThreshold] = [
        .psi: .psi, .ksPValue: .ksPValue, .chiSquarePValue: .chiSquarePValue,
        .jensenShannon: .jensenShannon, .wasserstein: .wasserstein,
    ]
}
