/// The pipeline's metric families, registered once, with a typed accessor for each. docs/metrics.md lists them.
///
/// Accessors that take label values (`eventsConsumed(topic:)`) look the series up under a lock: resolve each
/// handle once — when a lane starts, a model loads, a partition is assigned — and keep it. Updating a kept
/// handle is one relaxed atomic operation: `increment(by:)` on a counter, `set(_:)` on a gauge,
/// `observe(_:)` on a histogram (plus a compare-and-swap for its sum).
///
/// ```swift
/// let metrics = SluiceMetrics()                        // registers every family in MetricRegistry.shared
/// let consumed = metrics.eventsConsumed(topic: "transactions")
/// let decode = metrics.stageLatency(stage: "decode")
/// // per batch:
/// consumed.increment(by: batch.count)
/// decode.observe(elapsedSeconds / Double(batch.count), count: batch.count)
/// ```
public final class SluiceMetrics: Sendable {
    /// Upper bounds for per-stage and per-model latency, in seconds: 1 µs to 100 ms.
    public static let stageLatencyBuckets: [Double] = [
        0.000_001, 0.000_002_5, 0.000_005, 0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001,
        0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1,
    ]

    /// Upper bounds for end-to-end latency (an input event's Kafka timestamp → its outputs handed to the producer),
    /// in seconds: 100 µs to 10 s. The runtime's lanes bucket with the same bounds
    /// (`LatencyHistogram.endToEndUpperBounds`).
    public static let endToEndLatencyBuckets: [Double] = [
        0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
    ]

    /// Where the families live (and what ``TelemetryServer`` renders at `/metrics`).
    public let registry: MetricRegistry

    private let eventsConsumedFamily: CounterFamily
    private let eventsProducedFamily: CounterFamily
    private let stageLatencyFamily: HistogramFamily
    private let consumerLagFamily: GaugeFamily
    private let deadLettersFamily: CounterFamily
    private let lateEventsFamily: CounterFamily
    private let windowKeysFamily: GaugeFamily
    private let windowEvictionsFamily: CounterFamily
    private let modelLatencyFamily: HistogramFamily
    private let modelInfoFamily: GaugeFamily
    private let shadowSkippedFamily: CounterFamily
    private let shadowAgreementFamily: GaugeFamily
    private let driftStatisticFamily: GaugeFamily
    private let driftAlertsFamily: CounterFamily

    /// Time from an input event's Kafka timestamp to the end of the lane batch that handed its outputs to the
    /// producer, in seconds.
    public let endToEndLatency: MetricHistogram
    /// Offset commits the runtime made.
    public let commits: MetricCounter
    /// Consumer-group rebalances this member went through (each assignment or revocation).
    public let rebalances: MetricCounter
    /// Events taken from Kafka whose outputs are not yet all acknowledged.
    public let inflightEvents: MetricGauge
    /// Partitions currently assigned to this member.
    public let partitionsAssigned: MetricGauge

    /// Registers every family in `registry` (again: the same families come back), and the process metrics
    /// unless `includesProcessMetrics` is false.
    public init(registry: MetricRegistry = .shared, includesProcessMetrics: Bool = true) {
        self.registry = registry
        eventsConsumedFamily = registry.counter(
            "sluice_events_consumed_total", help: "Events consumed from Kafka, by input topic.",
            labelNames: ["topic"])
        eventsProducedFamily = registry.counter(
            "sluice_events_produced_total",
            help: "Records produced to Kafka and acknowledged by the broker, by output topic.",
            labelNames: ["topic"])
        stageLatencyFamily = registry.histogram(
            "sluice_stage_latency_seconds",
            help: "Time one event spends in a pipeline stage, in seconds: each second's mean, once per event.",
            labelNames: ["stage"], buckets: Self.stageLatencyBuckets)
        endToEndLatency = registry.histogram(
            "sluice_end_to_end_latency_seconds",
            help: "Time from an input event's Kafka timestamp to its outputs being handed to the producer, in seconds.",
            buckets: Self.endToEndLatencyBuckets
        ).labels()
        consumerLagFamily = registry.gauge(
            "sluice_consumer_lag", help: "Messages between the partition's high watermark and the consumer position.",
            labelNames: ["topic", "partition"])
        deadLettersFamily = registry.counter(
            "sluice_dead_letters_total", help: "Events sent to the dead-letter topic, by reason.",
            labelNames: ["reason"])
        lateEventsFamily = registry.counter(
            "sluice_late_events_total", help: "Events that arrived after their window closed (past allowed lateness).",
            labelNames: ["window"])
        windowKeysFamily = registry.gauge(
            "sluice_window_keys", help: "Keys currently holding state in a window.", labelNames: ["window"])
        windowEvictionsFamily = registry.counter(
            "sluice_window_evictions_total",
            help: "Keys whose state in a window was dropped because the partition reached state.max_keys.",
            labelNames: ["window"])
        modelLatencyFamily = registry.histogram(
            "sluice_model_latency_seconds", help: "Time to score one feature vector with a model, in seconds.",
            labelNames: ["model"], buckets: Self.stageLatencyBuckets)
        modelInfoFamily = registry.gauge(
            "sluice_model_info", help: "Loaded models: always 1, with the model's version and role as labels.",
            labelNames: ["model", "version", "role"])
        shadowSkippedFamily = registry.counter(
            "sluice_shadow_skipped_total",
            help: "Events a shadow model did not score because its bounded queue was full.", labelNames: ["model"])
        shadowAgreementFamily = registry.gauge(
            "sluice_shadow_agreement_ratio",
            help: "Share of recent events on which a shadow model agrees with the primary (0 to 1).",
            labelNames: ["model"])
        driftStatisticFamily = registry.gauge(
            "sluice_drift_statistic",
            help: "Latest drift statistic of a feature or score against the training reference.",
            labelNames: ["model", "feature", "statistic"])
        driftAlertsFamily = registry.counter(
            "sluice_drift_alerts_total", help: "Drift alerts raised, by severity.", labelNames: ["severity"])
        commits = registry.counter("sluice_commits_total", help: "Offset commits made by the runtime.").labels()
        rebalances = registry.counter(
            "sluice_rebalances_total", help: "Consumer-group rebalances (assignments and revocations)."
        ).labels()
        inflightEvents = registry.gauge(
            "sluice_inflight_events", help: "Events consumed whose outputs are not yet all acknowledged."
        ).labels()
        partitionsAssigned = registry.gauge(
            "sluice_partitions_assigned", help: "Partitions currently assigned to this member."
        ).labels()
        if includesProcessMetrics {
            registry.registerProcessMetrics()
        }
    }

    // MARK: Events

    /// `sluice_events_consumed_total{topic}`: add the batch size once per batch.
    public func eventsConsumed(topic: String) -> MetricCounter {
        eventsConsumedFamily.labels(topic)
    }

    /// `sluice_events_produced_total{topic}`: add the records the broker acknowledged for `topic`.
    public func eventsProduced(topic: String) -> MetricCounter {
        eventsProducedFamily.labels(topic)
    }

    /// `sluice_dead_letters_total{reason}`: one per event sent to the dead-letter topic.
    public func deadLetters(reason: String) -> MetricCounter {
        deadLettersFamily.labels(reason)
    }

    // MARK: Latency

    /// `sluice_stage_latency_seconds{stage}` (decode, validate, window, features, score, produce, shadow,
    /// monitor): observe seconds per event, e.g. a batch's time divided by its size with `count:` the size.
    public func stageLatency(stage: String) -> MetricHistogram {
        stageLatencyFamily.labels(stage)
    }

    // MARK: Consumer

    /// `sluice_consumer_lag{topic,partition}`: set from librdkafka's statistics.
    public func consumerLag(topic: String, partition: Int32) -> MetricGauge {
        consumerLagFamily.labels(topic, String(partition))
    }

    /// Stops exporting the lag of a partition this member no longer owns (on revoke).
    public func removeConsumerLag(topic: String, partition: Int32) {
        consumerLagFamily.remove(topic, String(partition))
    }

    // MARK: Windows

    /// `sluice_late_events_total{window}`.
    public func lateEvents(window: String) -> MetricCounter {
        lateEventsFamily.labels(window)
    }

    /// `sluice_window_keys{window}`: set to the keys with state after each batch or on a timer.
    public func windowKeys(window: String) -> MetricGauge {
        windowKeysFamily.labels(window)
    }

    /// `sluice_window_evictions_total{window}`.
    public func windowEvictions(window: String) -> MetricCounter {
        windowEvictionsFamily.labels(window)
    }

    // MARK: Models

    /// `sluice_model_latency_seconds{model}`: seconds to score one vector.
    public func modelLatency(model: String) -> MetricHistogram {
        modelLatencyFamily.labels(model)
    }

    /// Sets `sluice_model_info{model,version,role} 1` for `model` and drops its other versions and roles (after
    /// a reload or a promotion). Roles: `primary`, `shadow`.
    public func setModelInfo(model: String, version: String, role: String) {
        // The new series first, then the old ones: a scrape in between sees the model, never no model.
        modelInfoFamily.labels(model, version, role).set(1)
        let current = [LabelPair("model", model), LabelPair("version", version), LabelPair("role", role)]
        modelInfoFamily.table.removeAll { labels in
            labels != current && labels.contains(LabelPair("model", model))
        }
    }

    /// Stops exporting `sluice_model_info` for `model` (unloaded).
    public func removeModelInfo(model: String) {
        modelInfoFamily.removeAll(where: "model", is: model)
    }

    /// `sluice_shadow_skipped_total{model}`: events dropped because the shadow's queue was full.
    public func shadowSkipped(model: String) -> MetricCounter {
        shadowSkippedFamily.labels(model)
    }

    /// `sluice_shadow_agreement_ratio{model}`: set to the recent agreement with the primary, 0…1.
    public func shadowAgreement(model: String) -> MetricGauge {
        shadowAgreementFamily.labels(model)
    }

    // MARK: Drift

    /// `sluice_drift_statistic{model,feature,statistic}`: the latest value of a drift statistic (`psi`, `ks`,
    /// `chi2`, …) for a feature (or `score`) of `model`.
    public func driftStatistic(model: String, feature: String, statistic: String) -> MetricGauge {
        driftStatisticFamily.labels(model, feature, statistic)
    }

    /// `sluice_drift_alerts_total{severity}` (`warn`, `alert`).
    public func driftAlerts(severity: String) -> MetricCounter {
        driftAlertsFamily.labels(severity)
    }
}
