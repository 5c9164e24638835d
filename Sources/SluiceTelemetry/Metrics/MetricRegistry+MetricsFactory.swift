public import CoreMetrics
import Synchronization

/// swift-metrics' backend: labels become metric names (sanitized to `[a-zA-Z0-9_:]`), dimensions become labels.
///
/// - `Counter`, `FloatingPointCounter` → counter;
/// - `Gauge`, `Meter`, `Recorder(aggregate: false)` → gauge;
/// - `Recorder` (aggregating) → histogram with ``MetricRegistry/defaultRecorderBuckets``;
/// - `Timer` → histogram in seconds with ``MetricRegistry/defaultTimerBuckets``.
///
/// A label that is already a family of another type (or a histogram with other buckets) gets a working handle
/// that is not exported: swift-metrics' callers are anywhere in the process and must never stop it.
extension MetricRegistry: MetricsFactory {
    /// Buckets of histograms made for swift-metrics `Timer`s, in seconds: 10 µs to 10 s.
    public static let defaultTimerBuckets: [Double] = [
        0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
        0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Buckets of histograms made for aggregating swift-metrics `Recorder`s (Prometheus' client defaults).
    public static let defaultRecorderBuckets: [Double] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        makeFactoryCounter(label: label, dimensions: dimensions)
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler
    {
        makeFactoryCounter(label: label, dimensions: dimensions)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        makeFactoryGauge(label: label, dimensions: dimensions)
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool)
        -> any RecorderHandler
    {
        if aggregate {
            return makeFactoryHistogram(label: label, dimensions: dimensions, buckets: Self.defaultRecorderBuckets)
        }
        return makeFactoryGauge(label: label, dimensions: dimensions)
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        makeFactoryHistogram(label: label, dimensions: dimensions, buckets: Self.defaultTimerBuckets)
    }

    public func destroyCounter(_ handler: any CounterHandler) {
        destroy(handler)
    }

    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        destroy(handler)
    }

    public func destroyMeter(_ handler: any MeterHandler) {
        destroy(handler)
    }

    public func destroyRecorder(_ handler: any RecorderHandler) {
        destroy(handler)
    }

    public func destroyTimer(_ handler: any TimerHandler) {
        destroy(handler)
    }

    // MARK: Handles

    private func makeFactoryCounter(label: String, dimensions: [(String, String)]) -> MetricCounter {
        let name = PrometheusText.sanitizedMetricName(label)
        let labels = Self.labelPairs(dimensions)
        let make = { MetricCounter(prefix: PrometheusText.seriesPrefix(name: name, labels: labels), labels: labels) }
        let table = lenientTable(name: name) { storage -> SeriesTable<MetricCounter>? in
            if case .counter(let table) = storage { return table }
            return nil
        } make: {
            .counter(SeriesTable())
        }
        return table?.series(for: labels, make: make) ?? make()
    }

    private func makeFactoryGauge(label: String, dimensions: [(String, String)]) -> MetricGauge {
        let name = PrometheusText.sanitizedMetricName(label)
        let labels = Self.labelPairs(dimensions)
        let make = { MetricGauge(prefix: PrometheusText.seriesPrefix(name: name, labels: labels), labels: labels) }
        let table = lenientTable(name: name) { storage -> SeriesTable<MetricGauge>? in
            if case .gauge(let table) = storage { return table }
            return nil
        } make: {
            .gauge(SeriesTable())
        }
        return table?.series(for: labels, make: make) ?? make()
    }

    private func makeFactoryHistogram(label: String, dimensions: [(String, String)], buckets: [Double])
        -> MetricHistogram
    {
        let name = PrometheusText.sanitizedMetricName(label)
        let labels = Self.labelPairs(dimensions).filter { $0.name != "le" }
        let make = { MetricHistogram(name: name, labels: labels, upperBounds: buckets) }
        let table = lenientTable(name: name) { storage -> SeriesTable<MetricHistogram>? in
            if case .histogram(let table, let existing) = storage, existing == buckets { return table }
            return nil
        } make: {
            .histogram(SeriesTable(), buckets: buckets)
        }
        return table?.series(for: labels, make: make) ?? make()
    }

    /// Dimensions as labels: names sanitized, a repeated name kept once (its first value).
    private static func labelPairs(_ dimensions: [(String, String)]) -> [LabelPair] {
        var pairs: [LabelPair] = []
        for (name, value) in dimensions {
            var labelName = PrometheusText.sanitizedLabelName(name)
            if labelName.hasPrefix("__") { labelName = "x" + labelName }
            if !pairs.contains(where: { $0.name == labelName }) {
                pairs.append(LabelPair(labelName, value))
            }
        }
        return pairs
    }

    private func destroy(_ handler: AnyObject) {
        let families = familyStorages()
        for storage in families {
            switch (storage, handler) {
            case (.counter(let table), let counter as MetricCounter): table.remove(counter)
            case (.gauge(let table), let gauge as MetricGauge): table.remove(gauge)
            case (.histogram(let table, _), let histogram as MetricHistogram): table.remove(histogram)
            default: continue
            }
        }
    }
}

extension MetricRegistry {
    private static let bootstrapped = Mutex<MetricRegistry?>(nil)

    /// Makes this registry swift-metrics' backend for the whole process (`MetricsSystem.bootstrap`). Only
    /// the first call in a process bootstraps; later calls return false and change nothing. (Calling
    /// `MetricsSystem.bootstrap` directly as well stops the process: swift-metrics allows one bootstrap.)
    @discardableResult
    public func bootstrapMetricsSystem() -> Bool {
        Self.bootstrapped.withLock { current in
            guard current == nil else { return false }
            MetricsSystem.bootstrap(self)
            current = self
            return true
        }
    }
}
