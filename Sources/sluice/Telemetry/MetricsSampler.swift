import Foundation
import SluiceCore
import SluiceKafka
import SluiceRuntime
import SluiceTelemetry
import Synchronization

/// Copies the runtime's and pipeline's own counters into the metric families once a second, and builds the
/// status the dashboard shows. Lanes only ever add to plain atomics; this is the one place that reads them for
/// telemetry, so the event path pays nothing for it.
final class MetricsSampler: Sendable {
    private let metrics: SluiceMetrics
    private let runtime: PipelineRuntime
    private let pipeline: TopologyPipeline
    private let previous: Mutex<Totals>
    private let topic: String

    /// What was already added to each counter, so each sample adds only the difference.
    private struct Totals {
        var consumed = 0
        var delivered = 0
        var sideDelivered = 0
        var commits = 0
        var rebalances = 0
        var predictions = 0
        var scoringNanoseconds = 0
        var producedByTopic: [String: Int] = [:]
        /// Per ``PipelineStage``, by raw value.
        var stageEvents: [Int]
        var stageTimedEvents: [Int]
        var stageNanoseconds: [Int]
        /// The last mean per timed event of each stage, in seconds.
        var stageMeans: [Double?]
        var endToEndBuckets: [Int]
        var endToEndMicroseconds = 0
        /// Per window, by index in ``PipelineMetrics/windowNames``.
        var evictions: [Int]
        var deadLetters: [String: Int] = [:]
        var late: [String: Int] = [:]
        var shadowSkipped: [String: Int] = [:]
        /// Per shadow (by position): the model it held, its events scored and scoring time at the last sample.
        var shadowScoring: [Int: (model: String, scored: Int, nanoseconds: Int)] = [:]
        var driftAlerts: [String: Int] = [:]
        var lagPartitions: Set<KafkaTopicPartition> = []
        var lastSample = ContinuousClock.now
        var consumedPerSecond = 0.0
        var producedPerSecond = 0.0
        var modelLatencyMean: Double?

        init(stages: Int, latencyBuckets: Int, windows: Int) {
            stageEvents = Array(repeating: 0, count: stages)
            stageTimedEvents = stageEvents
            stageNanoseconds = stageEvents
            stageMeans = Array(repeating: nil, count: stages)
            endToEndBuckets = Array(repeating: 0, count: latencyBuckets)
            evictions = Array(repeating: 0, count: windows)
        }
    }

    init(metrics: SluiceMetrics, runtime: PipelineRuntime, pipeline: TopologyPipeline) {
        self.metrics = metrics
        self.runtime = runtime
        self.pipeline = pipeline
        topic = pipeline.topology.source.topic
        previous = Mutex(
            Totals(
                stages: PipelineStage.allCases.count,
                latencyBuckets: runtime.counters.endToEndLatency.upperBounds.count + 1,
                windows: pipeline.metrics.windowNames.count))
    }

    /// Adds what happened since the last sample to the metric families.
    func sample() {
        let counters = runtime.counters
        let pipelineMetrics = pipeline.metrics
        let lag = runtime.consumerLag
        let shadows = pipeline.sideOutputs?.shadowStatus() ?? []
        let drift = pipeline.sideOutputs?.driftStatus
        previous.withLock { totals in
            let now = ContinuousClock.now
            let elapsed = max((now - totals.lastSample) / .seconds(1), 0.001)
            totals.lastSample = now

            let consumed = counters.eventsConsumed.load(ordering: .relaxed)
            metrics.eventsConsumed(topic: topic).increment(by: consumed - totals.consumed)
            totals.consumedPerSecond = Double(consumed - totals.consumed) / elapsed
            totals.consumed = consumed

            // Records count as produced when the broker acknowledges them, per output topic.
            for (topic, count) in counters.deliveredByTopic {
                metrics.eventsProduced(topic: topic).increment(by: count - totals.producedByTopic[topic, default: 0])
                totals.producedByTopic[topic] = count
            }
            let delivered = counters.outputsDelivered.load(ordering: .relaxed)
            let sideDelivered = counters.sideOutputsDelivered.load(ordering: .relaxed)
            totals.producedPerSecond =
                Double(delivered - totals.delivered + sideDelivered - totals.sideDelivered) / elapsed
            totals.delivered = delivered
            totals.sideDelivered = sideDelivered

            let commits = counters.commits.load(ordering: .relaxed)
            metrics.commits.increment(by: commits - totals.commits)
            totals.commits = commits
            let assigned = counters.partitionsAssigned.load(ordering: .relaxed)
            let revoked = counters.partitionsRevoked.load(ordering: .relaxed)
            metrics.rebalances.increment(by: assigned + revoked - totals.rebalances)
            totals.rebalances = assigned + revoked
            metrics.partitionsAssigned.set(assigned - revoked)
            metrics.inflightEvents.set(counters.inFlight.load(ordering: .relaxed))

            for (reason, count) in pipelineMetrics.deadLettersByReason {
                let name = reason.rawValue
                metrics.deadLetters(reason: name).increment(by: count - totals.deadLetters[name, default: 0])
                totals.deadLetters[name] = count
            }
            for (window, count) in pipelineMetrics.lateEventsByWindow {
                metrics.lateEvents(window: window).increment(by: count - totals.late[window, default: 0])
                totals.late[window] = count
            }
            for (index, window) in pipelineMetrics.windowNames.enumerated() {
                metrics.windowKeys(window: window).set(pipelineMetrics.windowKeys.load(index))
                let evictions = pipelineMetrics.windowEvictions.load(index)
                metrics.windowEvictions(window: window).increment(by: evictions - totals.evictions[index])
                totals.evictions[index] = evictions
            }

            // Lanes time a sample of events per stage (shadows and monitoring time whole batches): each second's
            // mean per timed event is observed once for every event that went through the stage. A second whose few
            // events were none of them timed gets the last mean.
            for stage in PipelineStage.allCases where stage != .score {
                let index = stage.rawValue
                let events = pipelineMetrics.stageEvents.load(index)
                let timed = pipelineMetrics.stageTimedEvents.load(index)
                let nanoseconds = pipelineMetrics.stageNanoseconds.load(index)
                if timed > totals.stageTimedEvents[index] {
                    totals.stageMeans[index] =
                        Double(nanoseconds - totals.stageNanoseconds[index])
                        / Double(timed - totals.stageTimedEvents[index]) / 1e9
                }
                guard events > totals.stageEvents[index], let mean = totals.stageMeans[index] else { continue }
                metrics.stageLatency(stage: stage.name).observe(mean, count: events - totals.stageEvents[index])
                totals.stageEvents[index] = events
                totals.stageTimedEvents[index] = timed
                totals.stageNanoseconds[index] = nanoseconds
            }

            // Lanes bucket every event's latency themselves; the buckets are copied as they are.
            let endToEnd = counters.endToEndLatency.snapshot()
            metrics.endToEndLatency.add(
                bucketCounts: zip(endToEnd.bucketCounts, totals.endToEndBuckets).map { $0 - $1 },
                upperBounds: counters.endToEndLatency.upperBounds,
                sum: Double(endToEnd.sumMicroseconds - totals.endToEndMicroseconds) / 1e6)
            totals.endToEndBuckets = endToEnd.bucketCounts
            totals.endToEndMicroseconds = endToEnd.sumMicroseconds

            for partition in totals.lagPartitions where lag[partition] == nil {
                metrics.removeConsumerLag(topic: partition.topic, partition: partition.partition)
            }
            for (partition, messages) in lag {
                metrics.consumerLag(topic: partition.topic, partition: partition.partition).set(Int(messages))
            }
            totals.lagPartitions = Set(lag.keys)

            // Lanes sum scoring time per tick; the histogram gets each second's mean, weighted by its count.
            if let primary = pipeline.primary?.current {
                let name = primary.specification.name
                metrics.setModelInfo(model: name, version: primary.loaded.version, role: "primary")
                let predictions = pipelineMetrics.predictions.load(ordering: .relaxed)
                let nanoseconds = pipelineMetrics.scoringNanoseconds.load(ordering: .relaxed)
                let scored = predictions - totals.predictions
                if scored > 0 {
                    let mean = Double(nanoseconds - totals.scoringNanoseconds) / Double(scored) / 1e9
                    metrics.modelLatency(model: name).observe(mean, count: scored)
                    metrics.stageLatency(stage: PipelineStage.score.name).observe(mean, count: scored)
                    totals.modelLatencyMean = mean
                }
                totals.predictions = predictions
                totals.scoringNanoseconds = nanoseconds
            }
            for (index, shadow) in shadows.enumerated() {
                // Each second's mean scoring time, weighted by the events scored; a shadow whose model changed
                // (a promotion) starts counting afresh under the new name.
                let last = totals.shadowScoring[index] ?? (shadow.model, 0, 0)
                if last.model == shadow.model, shadow.scored > last.scored {
                    let count = shadow.scored - last.scored
                    let mean = Double(shadow.scoringNanoseconds - last.nanoseconds) / Double(count) / 1e9
                    metrics.modelLatency(model: shadow.model).observe(max(mean, 0), count: count)
                }
                totals.shadowScoring[index] = (shadow.model, shadow.scored, shadow.scoringNanoseconds)
                metrics.setModelInfo(model: shadow.model, version: shadow.version, role: "shadow")
                metrics.shadowSkipped(model: shadow.model).increment(
                    by: shadow.skipped - totals.shadowSkipped[shadow.model, default: 0])
                totals.shadowSkipped[shadow.model] = shadow.skipped
                if let agreement = shadow.comparison.window.decisionAgreementRate {
                    metrics.shadowAgreement(model: shadow.model).set(agreement)
                }
            }
            for (severity, count) in drift?.alertsFiredBySeverity ?? [:] {
                metrics.driftAlerts(severity: severity).increment(by: count - totals.driftAlerts[severity, default: 0])
                totals.driftAlerts[severity] = count
            }
            if let drift, let model = pipeline.primary?.current.specification.name {
                for measurement in drift.measurements {
                    metrics.driftStatistic(model: model, feature: measurement.feature, statistic: measurement.statistic)
                        .set(measurement.value)
                }
            }
        }
    }

    /// The pipeline's state for `/api/status` and the dashboard.
    func status(uptime: Double) -> TelemetryStatus {
        let counters = runtime.counters
        let totals = previous.withLock { $0 }
        let primary = pipeline.primary?.current
        var models: [TelemetryStatus.Model] = []
        if let primary {
            models.append(
                TelemetryStatus.Model(
                    name: primary.specification.name, version: primary.loaded.version, role: "primary",
                    latency: totals.modelLatencyMean.map { TelemetryStatus.Latency(name: "scoring (mean)", p50: $0) },
                    scored: pipeline.metrics.predictions.load(ordering: .relaxed)))
        }
        let shadowStatus = pipeline.sideOutputs?.shadowStatus() ?? []
        for shadow in shadowStatus {
            models.append(
                TelemetryStatus.Model(
                    name: shadow.model, version: shadow.version, role: "shadow",
                    latency: TelemetryStatus.Latency(
                        name: "scoring", p50: shadow.comparison.window.latencyP50Nanoseconds.map { $0 / 1e9 },
                        p99: shadow.comparison.window.latencyP99Nanoseconds.map { $0 / 1e9 }),
                    scored: shadow.scored))
        }
        let drift = pipeline.sideOutputs?.driftStatus
        let lag = runtime.consumerLag
        return TelemetryStatus(
            topology: TelemetryStatus.Topology(name: pipeline.topology.name, hash: pipeline.topology.contentHash),
            generatedAt: Date().timeIntervalSince1970, uptimeSeconds: uptime,
            readiness: TelemetryStatus.ReadinessState(
                ready: runtime.isReady,
                reason: runtime.isReady ? nil : "no partitions assigned yet"),
            throughput: TelemetryStatus.Throughput(
                consumedPerSecond: totals.consumedPerSecond, producedPerSecond: totals.producedPerSecond,
                consumedTotal: counters.eventsConsumed.load(ordering: .relaxed),
                producedTotal: counters.outputsDelivered.load(ordering: .relaxed),
                inflight: counters.inFlight.load(ordering: .relaxed)),
            partitions: runtime.assignedPartitions.map { partition in
                TelemetryStatus.Partition(
                    topic: partition.topic, partition: Int(partition.partition), lag: lag[partition].map { Int($0) },
                    state: "assigned")
            },
            models: models,
            shadows: shadowStatus.map { shadow in
                TelemetryStatus.Shadow(
                    model: shadow.model, primary: primary?.specification.name,
                    agreement: shadow.comparison.window.decisionAgreementRate,
                    compared: shadow.comparison.window.scoredPairCount, skipped: shadow.skipped)
            },
            drift: drift?.measurements.map { measurement in
                TelemetryStatus.Drift(
                    feature: measurement.feature, model: primary?.specification.name,
                    statistic: measurement.statistic, value: measurement.value)
            },
            deadLetters: pipeline.metrics.deadLettersByReason.map {
                TelemetryStatus.DeadLetters(reason: $0.key.rawValue, count: $0.value)
            }.sorted { $0.reason < $1.reason },
            alerts: drift?.recentAlerts.map { alert in
                TelemetryStatus.Alert(
                    severity: alert.severity, model: primary?.specification.name, feature: alert.feature,
                    message: "\(alert.statistic) \(alert.value) against \(alert.threshold) (\(alert.state))")
            })
    }
}
