import Synchronization

/// Every metric family of the process and the collectors that compute samples at scrape time; renders them
/// in the Prometheus text format. It is also swift-metrics' backend (``bootstrapMetricsSystem()``), so a
/// `Counter`, `Gauge`, `Timer` or `Recorder` made anywhere in the process shows up in the same rendering.
///
/// Families render sorted by name, their series sorted by labels, then the collectors' families in the order
/// they were registered. A family with no series yet still renders its HELP and TYPE lines.
public final class MetricRegistry: Sendable {
    enum Storage {
        case counter(SeriesTable<MetricCounter>)
        case gauge(SeriesTable<MetricGauge>)
        case histogram(SeriesTable<MetricHistogram>, buckets: [Double])

        var type: MetricType {
            switch self {
            case .counter: .counter
            case .gauge: .gauge
            case .histogram: .histogram
            }
        }
    }

    struct Family {
        var help: String
        var storage: Storage
    }

    private struct State {
        var families: [String: Family] = [:]
        var sortedNames: [String] = []
        var collectors: [any MetricCollector] = []
    }

    private let state = Mutex(State())
    /// The size of the last rendering, to reserve the next one's buffer in one allocation.
    private let lastRenderedSize = Atomic<Int>(4096)
    let processMetricsRegistered = Atomic<Bool>(false)

    /// The registry ``SluiceMetrics`` and the telemetry server use unless given another.
    public static let shared = MetricRegistry()

    /// An empty registry (tests, or a second exposition).
    public init() {}

    // MARK: Typed families

    /// The counter family `name`, registered on first call. By convention the name ends in `_total`.
    /// Registering the same name again returns the same series; registering it as another type is a
    /// programming error and stops the process (at startup, where families are registered).
    public func counter(_ name: String, help: String, labelNames: [String] = []) -> CounterFamily {
        let table = typedTable(name: name, help: help, labelNames: labelNames, type: .counter) { storage in
            if case .counter(let table) = storage { return table }
            return nil
        } make: {
            .counter(SeriesTable())
        }
        return CounterFamily(name: name, labelNames: labelNames, table: table)
    }

    /// The gauge family `name`, registered on first call (see ``counter(_:help:labelNames:)``).
    public func gauge(_ name: String, help: String, labelNames: [String] = []) -> GaugeFamily {
        let table = typedTable(name: name, help: help, labelNames: labelNames, type: .gauge) { storage in
            if case .gauge(let table) = storage { return table }
            return nil
        } make: {
            .gauge(SeriesTable())
        }
        return GaugeFamily(name: name, labelNames: labelNames, table: table)
    }

    /// The histogram family `name` with these bucket upper bounds (ascending, finite; +Inf is implied),
    /// registered on first call. Registering it again with other buckets is a programming error.
    public func histogram(_ name: String, help: String, labelNames: [String] = [], buckets: [Double])
        -> HistogramFamily
    {
        precondition(
            !buckets.isEmpty && buckets.allSatisfy(\.isFinite) && zip(buckets, buckets.dropFirst()).allSatisfy(<),
            "histogram \(name): buckets must be finite and strictly ascending")
        precondition(!labelNames.contains("le"), "histogram \(name): `le` is the bucket label")
        let table = typedTable(name: name, help: help, labelNames: labelNames, type: .histogram) { storage in
            if case .histogram(let table, let existing) = storage {
                precondition(existing == buckets, "histogram \(name) is registered with other buckets")
                return table
            }
            return nil
        } make: {
            .histogram(SeriesTable(), buckets: buckets)
        }
        return HistogramFamily(name: name, labelNames: labelNames, buckets: buckets, table: table)
    }

    private func typedTable<Series>(
        name: String, help: String, labelNames: [String], type: MetricType,
        existing: (Storage) -> SeriesTable<Series>?, make: () -> Storage
    ) -> SeriesTable<Series> {
        precondition(PrometheusText.sanitizedMetricName(name) == name, "\(name) is not a valid metric name")
        for label in labelNames {
            precondition(
                PrometheusText.sanitizedLabelName(label) == label && !label.hasPrefix("__"),
                "\(name): \(label) is not a valid label name")
        }
        precondition(Set(labelNames).count == labelNames.count, "\(name): label names repeat")
        return state.withLock { state in
            if let family = state.families[name] {
                guard let table = existing(family.storage) else {
                    preconditionFailure("\(name) is already registered as a \(family.storage.type.rawValue)")
                }
                if family.help.isEmpty {
                    state.families[name]?.help = help
                }
                return table
            }
            let storage = make()
            state.families[name] = Family(help: help, storage: storage)
            state.sortedNames.insert(name, at: state.sortedNames.firstIndex { $0 > name } ?? state.sortedNames.count)
            return existing(storage)!
        }
    }

    /// The storage of `name` if it is of the kind `existing` accepts, registering it (without help) when new;
    /// nil when the name is taken by another type. For swift-metrics, which must never stop the process.
    func lenientTable<Series>(
        name: String, existing: (Storage) -> SeriesTable<Series>?, make: () -> Storage
    ) -> SeriesTable<Series>? {
        state.withLock { state in
            if let family = state.families[name] {
                return existing(family.storage)
            }
            let storage = make()
            state.families[name] = Family(help: "", storage: storage)
            state.sortedNames.insert(name, at: state.sortedNames.firstIndex { $0 > name } ?? state.sortedNames.count)
            return existing(storage)
        }
    }

    /// Every family's storage (for swift-metrics' `destroy`, which names no family).
    func familyStorages() -> [Storage] {
        state.withLock { $0.families.values.map(\.storage) }
    }

    // MARK: Collectors

    /// Adds a collector whose families are rendered after the registry's own, at every scrape.
    public func register(_ collector: any MetricCollector) {
        state.withLock { $0.collectors.append(collector) }
    }

    // MARK: Rendering

    /// The whole exposition, as UTF-8 bytes.
    public func render() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(lastRenderedSize.load(ordering: .relaxed) + 1024)
        render(into: &bytes)
        lastRenderedSize.store(bytes.count, ordering: .relaxed)
        return bytes
    }

    /// Appends the whole exposition to `bytes`.
    public func render(into bytes: inout [UInt8]) {
        let (families, collectors) = state.withLock { state in
            (state.sortedNames.map { ($0, state.families[$0]!) }, state.collectors)
        }
        for (name, family) in families {
            PrometheusText.appendHeader(name: name, help: family.help, type: family.storage.type, to: &bytes)
            switch family.storage {
            case .counter(let table):
                for series in table.all() { series.render(into: &bytes) }
            case .gauge(let table):
                for series in table.all() { series.render(into: &bytes) }
            case .histogram(let table, _):
                for series in table.all() { series.render(into: &bytes) }
            }
        }
        var writer = MetricWriter(bytes: bytes)
        bytes = []
        for collector in collectors {
            collector.collect(into: &writer)
        }
        bytes = writer.bytes
    }

    /// The names of every registered family (not the collectors'), sorted.
    public var familyNames: [String] {
        state.withLock { $0.sortedNames }
    }
}

/// Computes samples when the registry renders: values that live elsewhere (the kernel's, librdkafka's).
public protocol MetricCollector: Sendable {
    /// Writes whole families: ``MetricWriter/family(_:help:type:)`` then its samples.
    func collect(into writer: inout MetricWriter)
}

/// Writes families and samples in the text format for a ``MetricCollector``.
public struct MetricWriter {
    var bytes: [UInt8]

    /// Starts a family: its HELP and TYPE lines.
    public mutating func family(_ name: String, help: String, type: MetricType) {
        PrometheusText.appendHeader(
            name: PrometheusText.sanitizedMetricName(name), help: help, type: type, to: &bytes)
    }

    /// One sample of the family just started (`name` may carry a suffix such as `_sum`).
    public mutating func sample(_ name: String, labels: [LabelPair] = [], value: Double) {
        let prefix = PrometheusText.seriesPrefix(name: PrometheusText.sanitizedMetricName(name), labels: labels)
        PrometheusText.appendSample(prefix: prefix, value: value, to: &bytes)
    }
}

extension LabelPair {
    /// Names and values paired; a count mismatch is a programming error.
    static func zip(names: [String], values: [String], family: String) -> [LabelPair] {
        precondition(
            names.count == values.count,
            "\(family) takes \(names.count) label values (\(names.joined(separator: ", "))), got \(values.count)")
        var pairs: [LabelPair] = []
        pairs.reserveCapacity(names.count)
        for index in names.indices {
            pairs.append(LabelPair(names[index], values[index]))
        }
        return pairs
    }
}
