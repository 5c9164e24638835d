import SluiceRuntime
import SluiceTelemetry
import Synchronization

/// Copies the reference tables' and lookups' counters into their metric families; called with the other
/// samples, once a second.
final class TableMetricsSampler: Sendable {
    private let metrics: TableMetrics
    private let pipeline: TopologyPipeline
    /// What was already added to each counter, by series name.
    private let previous = Mutex<[String: Int]>([:])

    init(metrics: TableMetrics, pipeline: TopologyPipeline) {
        self.metrics = metrics
        self.pipeline = pipeline
    }

    func sample() {
        previous.withLock { totals in
            func add(_ counter: MetricCounter, _ name: String, _ value: Int) {
                let before = totals[name, default: 0]
                if value > before { counter.increment(by: value - before) }
                totals[name] = value
            }
            for (name, table) in pipeline.tables {
                metrics.rows(table: name).set(table.rowCount.load(ordering: .relaxed))
                metrics.bytes(table: name).set(table.byteCount.load(ordering: .relaxed))
                let newest = table.newestRecordMilliseconds.load(ordering: .relaxed)
                if newest > 0 {
                    metrics.newestRecordTimestamp(table: name).set(Double(newest) / 1000)
                    metrics.updateDelay(table: name).set(
                        Double(table.lastApplyDelayMilliseconds.load(ordering: .relaxed)) / 1000)
                }
                add(metrics.updates(table: name), "updates/\(name)", table.changesApplied.load(ordering: .relaxed))
                let refused =
                    table.changesRefused.load(ordering: .relaxed) + table.recordsRejected.load(ordering: .relaxed)
                add(metrics.refused(table: name), "refused/\(name)", refused)
            }
            for lookup in pipeline.lookupCounters {
                add(
                    metrics.lookups(lookup: lookup.name, result: "hit"), "hit/\(lookup.name)",
                    lookup.hits.load(ordering: .relaxed))
                add(
                    metrics.lookups(lookup: lookup.name, result: "miss"), "miss/\(lookup.name)",
                    lookup.misses.load(ordering: .relaxed))
            }
        }
    }
}
