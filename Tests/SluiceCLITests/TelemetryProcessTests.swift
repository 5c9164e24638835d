import Foundation
import Logging
import Testing

@testable import SluiceKafka

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sluice run` serves its metrics, readiness, status and admin API over HTTP, fed by the running pipeline;
/// `sluice promote` drives the admin API.
@Suite(.serialized) struct TelemetryProcessTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SluiceModelsTests/Fixtures")
    static let columns = [
        "amount", "balance", "velocity", "ratio", "angle", "tenure", "score_pct", "txn_count",
        "spend_log", "noise_a", "noise_b", "is_weekend",
    ]

    @Test func metricsStatusAndPromotionOfARunningPipeline() throws {
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker"]
                + ["rows", "scores", "shadow-scores", "rejected"]
                .flatMap { ["--topic", "\($0):2"] })
        let bootstrap = broker.firstLine()
        defer {
            broker.send(SIGTERM)
            _ = broker.finish(timeout: 10)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("telemetry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("t.yaml").path
        try """
        name: telemetry-test
        source:
          topic: rows
          id: row
          schema:
            row: { type: int, required: true }
        \(Self.columns.map { "    \($0): { type: double }" }.joined(separator: "\n"))
        models:
          primary: { name: reference, path: \(Self.fixtures.appendingPathComponent("xgb_binary.json").path), threshold: 0.7 }
          shadows: [ { name: challenger, path: \(Self.fixtures.appendingPathComponent("lgbm_binary.txt").path), threshold: 0.7 } ]
        sinks:
          predictions: scores
          shadow: shadow-scores
          dead_letter: rejected
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let run = try ExternalProcess(
            try sluiceExecutable(),
            [
                "run", topology, "--brokers", bootstrap, "--group", "telemetry", "--status-interval", "0",
                "--telemetry-port", "\(port)",
            ])
        let base = "http://127.0.0.1:\(port)"

        // Ready once the group has assigned partitions.
        #expect(waitFor(seconds: 60) { get("\(base)/readyz")?.status == 200 }, "the pipeline became ready")
        #expect(get("\(base)/healthz")?.status == 200)

        // 500 events, 10 of them invalid.
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Logger(label: "test")
        ) { _ in }
        let input = try producer.topic("rows")
        for index in 0..<500 {
            let value =
                index % 50 == 0
                ? #"{"row":"not a number"}"# : #"{"row":\#(index),"amount":\#(index % 97),"balance":12.5}"#
            try producer.send(to: input, partition: Int32(index % 2), key: nil, value: Array(value.utf8))
        }
        try producer.flush()

        func counterValue(_ text: String, _ series: String) -> Double? {
            text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap {
                Double($0.split(separator: " ").last!)
            }
        }
        var metrics = ""
        #expect(
            waitFor(seconds: 30) {
                metrics = get("\(base)/metrics")?.body ?? ""
                return counterValue(metrics, #"sluice_events_consumed_total{topic="rows"}"#) == 500
            }, "consumed events reach /metrics:\n\(metrics.prefix(3000))")
        #expect(
            counterValue(metrics, #"sluice_dead_letters_total{reason="wrong_type"}"#) == 10, "\(metrics.prefix(3000))")
        // Records produced per output topic once the broker acknowledged them, stages and end-to-end latency per
        // event: 490 valid events, 10 dead letters.
        #expect(
            waitFor(seconds: 30) {
                metrics = get("\(base)/metrics")?.body ?? ""
                return counterValue(metrics, #"sluice_events_produced_total{topic="scores"}"#) == 490
                    && counterValue(metrics, #"sluice_events_produced_total{topic="shadow-scores"}"#) == 490
                    && counterValue(metrics, #"sluice_events_produced_total{topic="rejected"}"#) == 10
                    && counterValue(metrics, "sluice_end_to_end_latency_seconds_count") == 500
                    && counterValue(metrics, #"sluice_stage_latency_seconds_count{stage="shadow"}"#) == 490
            }, "produced records and latencies reach /metrics:\n\(metrics.prefix(6000))")
        #expect(!metrics.contains("pipeline-outputs") && !metrics.contains("side-outputs"))
        #expect(counterValue(metrics, #"sluice_stage_latency_seconds_count{stage="decode"}"#) == 500)
        for stage in ["validate", "features", "score", "produce", "shadow"] {
            #expect(
                counterValue(metrics, #"sluice_stage_latency_seconds_count{stage="\#(stage)"}"#) == 490, "\(stage)")
            #expect(counterValue(metrics, #"sluice_stage_latency_seconds_sum{stage="\#(stage)"}"#) ?? 0 > 0, "\(stage)")
        }
        #expect(counterValue(metrics, "sluice_end_to_end_latency_seconds_sum") ?? 0 > 0)
        let modelInfo = metrics.split(separator: "\n").filter { $0.hasPrefix("sluice_model_info{") }
        #expect(
            modelInfo.contains { $0.contains(#"model="reference""#) && $0.contains(#"role="primary""#) }, "\(modelInfo)"
        )
        #expect(
            modelInfo.contains { $0.contains(#"model="challenger""#) && $0.contains(#"role="shadow""#) }, "\(modelInfo)"
        )

        let status =
            get("\(base)/api/status").flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) }
            as? [String: Any]
        let models = (status?["models"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")/\($0["role"] ?? "")" }
        #expect(models == ["reference/primary", "challenger/shadow"], "\(status ?? [:])")
        #expect((status?["throughput"] as? [String: Any])?["consumedTotal"] as? Int == 500)

        // Promotion through the CLI, and a refusal with the server's reason.
        let promote = try ExternalProcess(try sluiceExecutable(), ["promote", "challenger", "--endpoint", base])
            .finish()
        #expect(promote.status == 0, "\(promote.errors)")
        #expect(promote.output.contains("promoted challenger"), "\(promote.output)")
        let after =
            get("\(base)/api/status").flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) }
            as? [String: Any]
        let roles = (after?["models"] as? [[String: Any]] ?? []).map { "\($0["name"] ?? "")/\($0["role"] ?? "")" }
        #expect(roles == ["challenger/primary", "reference/shadow"], "\(after ?? [:])")
        let unknown = try ExternalProcess(try sluiceExecutable(), ["promote", "nobody", "--endpoint", base]).finish()
        #expect(unknown.status == 1)
        #expect(
            unknown.errors.contains("404") && unknown.errors.contains("no shadow named 'nobody'"), "\(unknown.errors)")
        let reload = try ExternalProcess(try sluiceExecutable(), ["reload-model", "--endpoint", base]).finish()
        #expect(reload.status == 0 && reload.output.contains("unchanged"), "\(reload.output) \(reload.errors)")

        // Beyond loopback without a token, the endpoint refuses to start, and so does the pipeline, with the reason.
        let exposed = try ExternalProcess(
            try sluiceExecutable(),
            [
                "run", topology, "--brokers", bootstrap, "--group", "telemetry-exposed", "--status-interval", "0",
                "--telemetry-host", "0.0.0.0", "--telemetry-port", "0",
            ]
        ).finish(timeout: 60)
        #expect(exposed.status == 1, "\(exposed.errors.suffix(1000))")
        #expect(
            exposed.errors.contains("HTTP endpoint cannot start") && exposed.errors.contains("token"),
            "\(exposed.errors)")

        run.send(SIGTERM)
        let ended = run.finish(timeout: 60)
        #expect(ended.status == 0, "\(ended.errors.suffix(500))")
        #expect(get("\(base)/healthz") == nil, "the endpoint is gone after shutdown")
    }
}
