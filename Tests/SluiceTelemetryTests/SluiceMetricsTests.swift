import Foundation
import Testing

@testable import SluiceTelemetry

/// The documented families, read from docs/metrics.md's tables: `| \`name\` | type | labels | ...`.
struct DocumentedFamily: Equatable {
    var name: String
    var type: String
    var labels: [String]

    static func all() throws -> [DocumentedFamily] {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/metrics.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line -> DocumentedFamily? in
            guard line.hasPrefix("| `") else { return nil }
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count >= 3, ["counter", "gauge", "histogram"].contains(cells[1]) else { return nil }
            let labels = cells[2].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "`"))
            }.filter { $0 != "—" && !$0.isEmpty }
            return DocumentedFamily(
                name: cells[0].trimmingCharacters(in: CharacterSet(charactersIn: "`")), type: cells[1], labels: labels)
        }
    }
}

@Suite struct SluiceMetricsTests {
    /// Every handle of the facade, exercised with realistic values.
    static func exercise(_ metrics: SluiceMetrics) {
        metrics.eventsConsumed(topic: "transactions").increment(by: 1_000)
        metrics.eventsProduced(topic: "fraud-scores").increment(by: 990)
        metrics.eventsProduced(topic: "transactions-dlq").increment(by: 10)
        for (stage, seconds) in [("decode", 0.000_000_4), ("validate", 0.000_000_2), ("score", 0.000_001_1)] {
            metrics.stageLatency(stage: stage).observe(seconds, count: 500)
        }
        metrics.endToEndLatency.observe(0.024)
        metrics.endToEndLatency.observe(Duration.milliseconds(68))
        metrics.consumerLag(topic: "transactions", partition: 0).set(120)
        metrics.consumerLag(topic: "transactions", partition: 1).set(7)
        metrics.deadLetters(reason: "missing-field").increment(by: 6)
        metrics.deadLetters(reason: "malformed-json").increment(by: 4)
        metrics.lateEvents(window: "card_10m").increment(by: 3)
        metrics.windowKeys(window: "card_10m").set(48_213)
        metrics.windowEvictions(window: "card_10m").increment(by: 812)
        metrics.modelLatency(model: "fraud-v3").observe(0.000_009)
        metrics.setModelInfo(model: "fraud-v3", version: "3.2.0", role: "primary")
        metrics.setModelInfo(model: "fraud-v4", version: "4.0.0-rc1", role: "shadow")
        metrics.shadowSkipped(model: "fraud-v4").increment(by: 2)
        metrics.shadowAgreement(model: "fraud-v4").set(0.973)
        metrics.driftStatistic(model: "fraud-v3", feature: "log_amount", statistic: "psi").set(0.031)
        metrics.driftAlerts(severity: "warn").increment()
        metrics.commits.increment(by: 12)
        metrics.rebalances.increment(by: 2)
        metrics.inflightEvents.set(350)
        metrics.partitionsAssigned.set(2)
        let tables = TableMetrics(registry: metrics.registry)
        tables.rows(table: "merchants").set(1200)
        tables.bytes(table: "merchants").set(96_000)
        tables.updates(table: "merchants").increment(by: 1250)
        tables.refused(table: "merchants").increment(by: 3)
        tables.newestRecordTimestamp(table: "merchants").set(1_700_000_000.5)
        tables.updateDelay(table: "merchants").set(0.004)
        tables.lookups(lookup: "merchant", result: "hit").increment(by: 900)
        tables.lookups(lookup: "merchant", result: "miss").increment(by: 100)
    }

    @Test func everyDocumentedFamilyIsExportedWithItsTypeAndLabels() throws {
        let documented = try DocumentedFamily.all()
        #expect(documented.count >= 26)
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry)
        Self.exercise(metrics)
        let parsed = try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
        for family in documented {
            let exported = try #require(parsed.families[family.name], "\(family.name) is documented, not exported")
            #expect(exported.type == family.type, "\(family.name)")
            for sample in exported.samples {
                #expect(
                    Set(sample.labels.keys).subtracting(["le"]) == Set(family.labels),
                    "\(sample.name) labels \(sample.labels.keys.sorted()) vs documented \(family.labels)")
            }
            if family.name.hasPrefix("sluice_") {
                #expect(exported.help?.isEmpty == false, "\(family.name) has no HELP")
            }
        }
        let undocumented = Set(parsed.families.keys).subtracting(documented.map(\.name))
        #expect(undocumented.isEmpty, "exported but not in docs/metrics.md: \(undocumented.sorted())")
    }

    @Test func facadeHandlesRecordWhatTheRuntimeReports() throws {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        Self.exercise(metrics)
        let parsed = try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
        #expect(parsed.value("sluice_events_consumed_total", ["topic": "transactions"]) == 1_000)
        #expect(parsed.value("sluice_events_produced_total", ["topic": "transactions-dlq"]) == 10)
        #expect(parsed.value("sluice_stage_latency_seconds_count", ["stage": "decode"]) == 500)
        #expect(parsed.value("sluice_stage_latency_seconds_bucket", ["stage": "decode", "le": "5e-07"]) == nil)
        #expect(parsed.value("sluice_stage_latency_seconds_bucket", ["stage": "decode", "le": "1e-06"]) == 500)
        #expect(parsed.value("sluice_stage_latency_seconds_bucket", ["stage": "score", "le": "1e-06"]) == 0)
        #expect(parsed.value("sluice_end_to_end_latency_seconds_count") == 2)
        #expect(parsed.value("sluice_end_to_end_latency_seconds_bucket", ["le": "0.025"]) == 1)
        #expect(parsed.value("sluice_end_to_end_latency_seconds_bucket", ["le": "0.1"]) == 2)
        #expect(parsed.value("sluice_consumer_lag", ["topic": "transactions", "partition": "0"]) == 120)
        #expect(parsed.value("sluice_model_info", ["model": "fraud-v3", "version": "3.2.0", "role": "primary"]) == 1)
        #expect(parsed.value("sluice_shadow_agreement_ratio", ["model": "fraud-v4"]) == 0.973)
        #expect(
            parsed.value("sluice_drift_statistic", ["model": "fraud-v3", "feature": "log_amount", "statistic": "psi"])
                == 0.031)
        #expect(parsed.value("sluice_commits_total") == 12)
        #expect(parsed.value("sluice_partitions_assigned") == 2)
    }

    @Test func promotionReplacesAModelsInfoSeries() throws {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        metrics.setModelInfo(model: "fraud-v3", version: "3", role: "primary")
        metrics.setModelInfo(model: "fraud-v4", version: "4", role: "shadow")
        metrics.setModelInfo(model: "fraud-v4", version: "4", role: "primary")
        metrics.removeModelInfo(model: "fraud-v3")
        let parsed = try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
        let series = try #require(parsed.families["sluice_model_info"]).samples
        #expect(series.map(\.labels) == [["model": "fraud-v4", "version": "4", "role": "primary"]])
    }

    @Test func revokedPartitionsStopReportingLag() throws {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        metrics.consumerLag(topic: "t", partition: 3).set(10)
        metrics.consumerLag(topic: "t", partition: 4).set(11)
        metrics.removeConsumerLag(topic: "t", partition: 3)
        let parsed = try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
        #expect(parsed.value("sluice_consumer_lag", ["topic": "t", "partition": "3"]) == nil)
        #expect(parsed.value("sluice_consumer_lag", ["topic": "t", "partition": "4"]) == 11)
    }

    @Test func aSecondFacadeOnTheSameRegistrySharesTheSeries() throws {
        let registry = MetricRegistry()
        let first = SluiceMetrics(registry: registry)
        let second = SluiceMetrics(registry: registry)
        first.commits.increment(by: 1)
        second.commits.increment(by: 2)
        #expect(first.commits === second.commits)
        let parsed = try PrometheusExposition(String(decoding: registry.render(), as: UTF8.self))
        #expect(parsed.value("sluice_commits_total") == 3)
    }

    @Test func latencySummariesComeFromTheHistograms() {
        let registry = MetricRegistry()
        let metrics = SluiceMetrics(registry: registry, includesProcessMetrics: false)
        metrics.stageLatency(stage: "decode").observe(0.000_003, count: 99)
        metrics.stageLatency(stage: "decode").observe(0.02)
        let summary = TelemetryStatus.Latency(
            name: "decode", snapshot: metrics.stageLatency(stage: "decode").snapshot())
        #expect(summary.count == 100)
        // 99 of 100 in (2.5 µs, 5 µs]: the median interpolates inside that bucket, p99 reaches its top.
        #expect(summary.p50! > 0.000_002_5 && summary.p50! < 0.000_005)
        #expect(summary.p99! <= 0.000_005)
    }
}
