/// A histogram metric and its series, one per set of label values; every series has the same buckets.
/// Made by ``MetricRegistry/histogram(_:help:labelNames:buckets:)``.
public final class HistogramFamily: Sendable {
    /// The metric's name, e.g. `sluice_stage_latency_seconds`.
    public let name: String
    /// The names of the labels, in the order ``labels(_:)-(String...)`` takes their values.
    public let labelNames: [String]
    /// The buckets' upper bounds, ascending, without +Inf.
    public let buckets: [Double]
    let table: SeriesTable<MetricHistogram>

    init(name: String, labelNames: [String], buckets: [Double], table: SeriesTable<MetricHistogram>) {
        self.name = name
        self.labelNames = labelNames
        self.buckets = buckets
        self.table = table
    }

    /// The series for these label values (one per label name, in order), made on first use. Takes a lock and
    /// hashes the values: call it once and keep the histogram, not once per event.
    public func labels(_ values: String...) -> MetricHistogram {
        labels(values)
    }

    /// The series for these label values (one per label name, in order), made on first use.
    public func labels(_ values: [String]) -> MetricHistogram {
        let pairs = LabelPair.zip(names: labelNames, values: values, family: name)
        return table.series(for: pairs) { MetricHistogram(name: name, labels: pairs, upperBounds: buckets) }
    }

    /// Stops exporting the series with these label values.
    @discardableResult
    public func remove(_ values: String...) -> Bool {
        table.remove(LabelPair.zip(names: labelNames, values: values, family: name))
    }
}
