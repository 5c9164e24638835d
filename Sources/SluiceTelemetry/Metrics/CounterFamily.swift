/// A counter metric and its series, one per set of label values. Made by ``MetricRegistry/counter(_:help:labelNames:)``.
public final class CounterFamily: Sendable {
    /// The metric's name, e.g. `sluice_events_consumed_total`.
    public let name: String
    /// The names of the labels, in the order ``labels(_:)-(String...)`` takes their values.
    public let labelNames: [String]
    let table: SeriesTable<MetricCounter>

    init(name: String, labelNames: [String], table: SeriesTable<MetricCounter>) {
        self.name = name
        self.labelNames = labelNames
        self.table = table
    }

    /// The series for these label values (one per label name, in order), made on first use. Takes a lock and
    /// hashes the values: call it once and keep the counter, not once per event.
    public func labels(_ values: String...) -> MetricCounter {
        labels(values)
    }

    /// The series for these label values (one per label name, in order), made on first use.
    public func labels(_ values: [String]) -> MetricCounter {
        let pairs = LabelPair.zip(names: labelNames, values: values, family: name)
        return table.series(for: pairs) {
            MetricCounter(prefix: PrometheusText.seriesPrefix(name: name, labels: pairs), labels: pairs)
        }
    }

    /// Stops exporting the series with these label values (a handle still held keeps counting, unexported).
    @discardableResult
    public func remove(_ values: String...) -> Bool {
        table.remove(LabelPair.zip(names: labelNames, values: values, family: name))
    }
}
