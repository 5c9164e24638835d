import Foundation
import Testing

/// `sluice features`: the model inputs of each event of a file, through the pipeline's own code.
@Suite struct FeaturesCommandTests {
    @Test func printsTheModelInputsOfEveryValidEventAndCountsTheInvalidOnes() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "features-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("t.yaml").path
        try """
        name: cli-features
        source:
          topic: tx
          key: card
          schema:
            card:   { type: string, required: true }
            amount: { type: double, required: true }
        windows:
          card_all:
            key: card
            tumbling: 1d
            aggregates: { n: count, big: "count_if(amount >= 100)" }
        features:
          doubled: amount * 2
          share_big: card_all.big / card_all.n
        sinks:
          dead_letter: dlq
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("e.jsonl").path
        try """
        {"card":"a","amount":50}
        {"card":"a","amount":150}
        {"card":"a","amount":"lots"}
        not json
        {"card":"b","amount":100}
        """.write(toFile: events, atomically: true, encoding: .utf8)
        let run = try ExternalProcess(try sluiceExecutable(), ["features", topology, "--input", events])
        let result = run.finish(timeout: 60)
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
        #expect(lines.count == 3)
        #expect(lines.map { $0["doubled"] as? Double } == [100, 300, 200])
        #expect(lines.map { $0["share_big"] as? Double } == [0, 0.5, 1])
        #expect(lines.map { $0["card_all.n"] as? Double } == [1, 2, 1])
        #expect(result.errors.contains("5 events, 3 valid, 2 invalid"), "\(result.errors)")
    }

    @Test func aBrokenExpressionExitsWithItsPlaceInTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "features-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("t.yaml").path
        try """
        name: cli-features
        source:
          topic: tx
          schema:
            amount: { type: double }
        features:
          doubled: amout * 2
        sinks:
          dead_letter: dlq
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("e.jsonl").path
        try #"{"amount":1}"#.write(toFile: events, atomically: true, encoding: .utf8)
        let result = try ExternalProcess(try sluiceExecutable(), ["features", topology, "--input", events]).finish()
        #expect(result.status == 1)
        #expect(
            result.errors.contains("t.yaml:7:12:") && result.errors.contains("did you mean 'amount'?"),
            "\(result.errors)")
    }
}

/// `sluice bench --model`: the model scoring benchmark from the command line.
@Suite struct ModelBenchmarkCommandTests {
    @Test func measuresAModelOverItsRowsAndReportsJSON() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("SluiceModelsTests/Fixtures")
        let result = try ExternalProcess(
            try sluiceExecutable(),
            [
                "bench", "--model", fixtures.appendingPathComponent("xgb_binary.json").path, "--rows",
                fixtures.appendingPathComponent("data_numeric.csv").path, "--model-seconds", "0.5",
            ]
        ).finish(timeout: 120)
        #expect(result.status == 0, "\(result.errors)")
        let report = (try? JSONSerialization.jsonObject(with: Data(result.output.utf8))) as? [String: Any]
        #expect(report?["format"] as? String == "xgboost")
        #expect(report?["rows"] as? Int == 10_000)
        #expect((report?["single_row_ns"] as? Double ?? 0) > 0)
        #expect((report?["batch_rows_per_s"] as? Int ?? 0) > 0)
        let missing = try ExternalProcess(
            try sluiceExecutable(), ["bench", "--model", "/nonexistent.json", "--rows", "/x.csv"]
        )
        .finish(timeout: 60)
        #expect(missing.status == 1 && missing.errors.contains("/nonexistent.json"), "\(missing.errors)")
    }
    /// The latency runs' knobs are checked before anything starts, each refusal naming its option.
    @Test func latencyOptionsOutOfRangeAreRefusedByName() throws {
        for (option, value) in [("--linger", "1001"), ("--source-linger", "2000"), ("--latency-partitions", "0")] {
            let result = try ExternalProcess(try sluiceExecutable(), ["bench", option, value]).finish(timeout: 60)
            #expect(result.status == 64, "\(option) \(value): \(result.errors)")
            #expect(result.errors.contains("\(option) must be"), "\(result.errors)")
        }
    }

    /// A topic table has no topic offline: `sluice features` asks for its rows with `--table`, then joins them
    /// as `sluice run` would, misses included.
    @Test func topicTablesAreGivenAsFilesOffline() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "features-tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("t.yaml").path
        try """
        name: cli-tables
        source:
          topic: tx
          event_time: ts
          schema:
            user:   { type: string, required: true }
            amount: { type: double, required: true }
            ts:     { type: timestamp, unit: ms, required: true }
        tables:
          last_login:
            topic: logins
            key: user
            latest_by: ts
            columns:
              user: { type: string, required: true }
              country: { type: string }
              ts: { type: timestamp, unit: ms, required: true }
        lookups:
          login: { table: last_login, key: user }
        features:
          abroad: coalesce(login.country, "US") != "US"
          age_s: login.age_ms / 1000
        sinks:
          dead_letter: dlq
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("e.jsonl").path
        try """
        {"user":"a","amount":5,"ts":1700000060000}
        {"user":"b","amount":7,"ts":1700000010000}
        {"user":"c","amount":9,"ts":1700000010000}
        """.write(toFile: events, atomically: true, encoding: .utf8)
        let logins = directory.appendingPathComponent("logins.jsonl").path
        try """
        {"user":"a","country":"FR","ts":1700000000000}
        {"user":"b","country":"US","ts":1700000005000}
        {"user":"a","country":"US","ts":1699999000000}
        """.write(toFile: logins, atomically: true, encoding: .utf8)

        let refused = try ExternalProcess(try sluiceExecutable(), ["features", topology, "--input", events]).finish(
            timeout: 60)
        #expect(refused.status != 0)
        #expect(refused.errors.contains("--table last_login=FILE"), "\(refused.errors)")

        let result = try ExternalProcess(
            try sluiceExecutable(), ["features", topology, "--input", events, "--table", "last_login=\(logins)"]
        ).finish(timeout: 60)
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.output.split(separator: "\n").map {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
        }
        // a: the FR login is the latest (the US one is older, though later in the file); b: US; c: no login.
        #expect(lines.map { $0["abroad"] as? Double } == [1, 0, 0])
        #expect(lines.map { $0["age_s"] as? Double } == [60, 5, nil])
        #expect(lines.last?["age_s"] is NSNull)
    }
}
