/// A gauge metric and its series, one per set of label values. Made by ``MetricRegistry/gauge(_:help:labelNames:)``.
public final class GaugeFamily: Sendable {
    /// The metric's name, e.g. `sluice_consumer_lag`.
    public let name: String
    /// The names of the labels, in the order ``labels(_:)-(String...)`` takes their values.
    public let labelNames: [String]
    let table: SeriesTable<MetricGauge>

    init(name: String, labelNames: [String], table: SeriesTable<MetricGauge>) {
        self.name = name
        self.labelNames = labelNames
        self.table = table
    }

    /// The series for these label values (one per label name, in order), made on first use. Takes a lock and
    /// hashes the values: call it once and keep the gauge, not once per event.
    public func labels(_ values: String...) -> MetricGauge {
        labels(values)
    }

    /// The series for these label values (one per label name, in order), made on first use.
    public func labels(_ values: [String]) -> MetricGauge {
        let pairs = LabelPair.zip(names: labelNames, values: values, family: name)
        return table.series(for: pairs) {
            MetricGauge(prefix: PrometheusText.seriesPrefix(name: name, labels: pairs), labels: pairs)
        }
    }

    /// Stops exporting the series with these label values (a handle still held keeps working, unexported).
    @discardableResult
    public func remove(_ values: String...) -> Bool {
        table.remove(LabelPair.zip(names: labelNames, values: values, family: name))
    }
}

extension GaugeFamily {
    /// Stops exporting every series whose value for label `name` is `value` (a model's old `model_info`).
    public func removeAll(where name: String, is value: String) {
        table.removeAll { pairs in pairs.contains { $0.name == name && $0.value == value } }
    }
}
