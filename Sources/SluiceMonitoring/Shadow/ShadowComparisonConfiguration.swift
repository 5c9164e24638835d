/// What a ``ShadowComparison`` keeps and how it bins scores.
public struct ShadowComparisonConfiguration: Sendable, Hashable, Codable {
    /// The production model's name, copied into snapshots.
    public var primaryModel: String
    /// The shadow model's name, copied into snapshots.
    public var shadowModel: String
    /// Events in the sliding window: the window statistics are exact over the last this many
    /// events. Memory is 25 bytes per event. Default: 10,000.
    public var windowEvents: Int
    /// Lower edge of the score histograms. Default: 0.
    public var histogramLowerBound: Double
    /// Upper edge of the score histograms (the last bin includes it, as in numpy). Default: 1.
    public var histogramUpperBound: Double
    /// Equal-width bins of the score histograms. Default: 20.
    public var histogramBins: Int

    public init(
        primaryModel: String,
        shadowModel: String,
        windowEvents: Int = 10_000,
        histogramLowerBound: Double = 0,
        histogramUpperBound: Double = 1,
        histogramBins: Int = 20
    ) {
        self.primaryModel = primaryModel
        self.shadowModel = shadowModel
        self.windowEvents = windowEvents
        self.histogramLowerBound = histogramLowerBound
        self.histogramUpperBound = histogramUpperBound
        self.histogramBins = histogramBins
    }

    func validate() throws(MonitoringError) {
        let location = "shadow \(shadowModel)"
        guard windowEvents >= 1, windowEvents <= 1 << 24 else {
            throw MonitoringError(
                .invalidConfiguration, "windowEvents must lie in 1…16,777,216 (got \(windowEvents))",
                location: location)
        }
        guard histogramLowerBound.isFinite, histogramUpperBound.isFinite,
            histogramLowerBound < histogramUpperBound
        else {
            throw MonitoringError(
                .invalidConfiguration,
                "histogram bounds must be finite with lower < upper (got \(histogramLowerBound)…\(histogramUpperBound))",
                location: location)
        }
        guard histogramBins >= 1, histogramBins <= 10_000 else {
            throw MonitoringError(
                .invalidConfiguration, "histogramBins must lie in 1…10,000 (got \(histogramBins))", location: location)
        }
    }
}
