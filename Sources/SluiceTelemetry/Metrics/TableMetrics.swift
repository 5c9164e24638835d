/// The metric families of reference tables and lookups (`tables:` and `lookups:` in a topology), registered in
/// the same registry as ``SluiceMetrics``. docs/metrics.md lists them.
public final class TableMetrics: Sendable {
    private let rowsFamily: GaugeFamily
    private let bytesFamily: GaugeFamily
    private let updatesFamily: CounterFamily
    private let refusedFamily: CounterFamily
    private let newestRecordFamily: GaugeFamily
    private let applyDelayFamily: GaugeFamily
    private let lookupsFamily: CounterFamily

    /// Registers the families in `registry` (again: the same families come back).
    public init(registry: MetricRegistry = .shared) {
        rowsFamily = registry.gauge(
            "sluice_table_rows", help: "Rows a reference table holds.", labelNames: ["table"])
        bytesFamily = registry.gauge(
            "sluice_table_bytes", help: "Memory a reference table's keys, values and index take, in bytes.",
            labelNames: ["table"])
        updatesFamily = registry.counter(
            "sluice_table_updates_total",
            help: "Changes (rows put and tombstones) applied to a reference table from its topic or file.",
            labelNames: ["table"])
        refusedFamily = registry.counter(
            "sluice_table_records_refused_total",
            help: "Records of a table's topic not applied: not a valid row, or over the table's limits.",
            labelNames: ["table"])
        newestRecordFamily = registry.gauge(
            "sluice_table_newest_record_timestamp_seconds",
            help: "When the newest record applied to a reference table was written (Kafka timestamp; a file "
                + "table's modification time), in seconds since the epoch.",
            labelNames: ["table"])
        applyDelayFamily = registry.gauge(
            "sluice_table_update_delay_seconds",
            help: "For a topic table's last applied batch: seconds from its newest record's timestamp until the "
                + "lanes could see it.",
            labelNames: ["table"])
        lookupsFamily = registry.counter(
            "sluice_lookups_total", help: "Lookups of a table by an event, by lookup and result (hit or miss).",
            labelNames: ["lookup", "result"])
    }

    /// `sluice_table_rows{table}`.
    public func rows(table: String) -> MetricGauge { rowsFamily.labels(table) }
    /// `sluice_table_bytes{table}`.
    public func bytes(table: String) -> MetricGauge { bytesFamily.labels(table) }
    /// `sluice_table_updates_total{table}`.
    public func updates(table: String) -> MetricCounter { updatesFamily.labels(table) }
    /// `sluice_table_records_refused_total{table}`.
    public func refused(table: String) -> MetricCounter { refusedFamily.labels(table) }
    /// `sluice_table_newest_record_timestamp_seconds{table}`.
    public func newestRecordTimestamp(table: String) -> MetricGauge { newestRecordFamily.labels(table) }
    /// `sluice_table_update_delay_seconds{table}`.
    public func updateDelay(table: String) -> MetricGauge { applyDelayFamily.labels(table) }
    /// `sluice_lookups_total{lookup, result}`; `result` is `hit` or `miss`.
    public func lookups(lookup: String, result: String) -> MetricCounter { lookupsFamily.labels(lookup, result) }
}
