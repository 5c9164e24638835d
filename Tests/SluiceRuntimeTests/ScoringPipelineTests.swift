import Foundation
import SluiceCore
import Testing

@testable import SluiceRuntime

/// Models scoring inside the pipeline: decode → validate → score, against the library's own predictions.
@Suite struct ScoringPipelineTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SluiceModelsTests/Fixtures")
    static let columns = [
        "amount", "balance", "velocity", "ratio", "angle", "tenure", "score_pct", "txn_count",
        "spend_log", "noise_a", "noise_b", "is_weekend",
    ]

    static func topology(model: String, directory: URL) -> String {
        """
        name: scoring-test
        source:
          topic: rows
          id: row
          schema:
            row: { type: int, required: true }
        \(columns.map { "    \($0): { type: double }" }.joined(separator: "\n"))
        models:
          primary: { name: reference, path: \(fixtures.appendingPathComponent(model).path), threshold: 0.7 }
        sinks:
          predictions: scores
          dead_letter: rejected
        """
    }

    /// Every fixture row becomes an event (empty cells are absent fields, so missing values); the pipeline's
    /// predictions must equal xgboost's and LightGBM's own within 1e-6.
    @Test(arguments: ["xgb_binary", "lgbm_binary", "xgb17_binary"])
    func predictionsThroughThePipelineMatchTheLibrary(model: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = try String(contentsOf: Self.fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let expected = try String(
            contentsOf: Self.fixtures.appendingPathComponent("\(model).expected.csv"), encoding: .utf8
        )
        .split(separator: "\n").map { Double($0)! }
        let events = rows.enumerated().map { index, cells in
            let members = zip(Self.columns, cells).filter { !$0.1.isEmpty }.map { "\"\($0.0)\":\($0.1)" }
            return "{\"row\":\(index)," + members.joined(separator: ",") + "}"
        }
        let input = directory.appendingPathComponent("rows.jsonl").path
        try events.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let topologyPath = directory.appendingPathComponent("scoring.yaml").path
        try Self.topology(model: "\(model).\(model.hasPrefix("lgbm") ? "txt" : "json")", directory: directory)
            .write(toFile: topologyPath, atomically: true, encoding: .utf8)
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(file: topologyPath))
        _ = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "rows", input: input, format: .payload,
            outputDirectory: directory.path)
        let predictions = try String(
            contentsOfFile: directory.appendingPathComponent("predictions.jsonl").path,
            encoding: .utf8
        ).split(separator: "\n").map { jsonObject(Array($0.utf8))! }
        #expect(predictions.count == expected.count)
        var worst = 0.0
        for prediction in predictions {
            let row = prediction["id"] as! Int
            let score = (prediction["score"] as! NSNumber).doubleValue
            worst = max(worst, abs(score - expected[row]))
            #expect(prediction["decision"] as? Bool == (score >= 0.7))
            #expect(prediction["model"] as? String == "reference")
            #expect((prediction["model_version"] as? String)?.count == 12)
            #expect(prediction["topology_version"] as? String == pipeline.topology.contentHash)
        }
        #expect(worst <= 1e-6, "max |difference| \(worst)")
    }

    @Test func modelNeedingAFeatureTheTopologyLacksIsRefusedWithTheNames() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("score-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = Self.topology(model: "xgb_binary.json", directory: directory)
            .replacingOccurrences(of: "    velocity: { type: double }\n", with: "    velocty: { type: double }\n")
        let path = directory.appendingPathComponent("scoring.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect {
            _ = try TopologyPipeline(topology: TopologyLoader.load(file: path))
        } throws: { error in
            let message = "\(error)"
            return message.contains("needs feature 'velocity'") && message.contains("'velocity' → 'velocty'?")
                && message.contains("scoring.yaml:")
        }
    }

    /// A LightGBM shadow beside an XGBoost primary in replay: one shadow record per event with both models'
    /// scores as each library computes them, and a live comparison of the two.
    @Test func shadowScoresEveryEventBesideThePrimary() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shadow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = try String(contentsOf: Self.fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        func expected(_ name: String) throws -> [Double] {
            try String(contentsOf: Self.fixtures.appendingPathComponent("\(name).expected.csv"), encoding: .utf8)
                .split(separator: "\n").map { Double($0)! }
        }
        let input = directory.appendingPathComponent("rows.jsonl").path
        try rows.enumerated().map { index, cells in
            "{\"row\":\(index),"
                + zip(Self.columns, cells).filter { !$0.1.isEmpty }.map { "\"\($0.0)\":\($0.1)" }
                .joined(separator: ",") + "}"
        }.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let text = Self.topology(model: "xgb_binary.json", directory: directory)
            .replacingOccurrences(
                of: "models:\n",
                with: """
                    models:
                      shadows: [ { name: challenger, path: \(Self.fixtures.appendingPathComponent("lgbm_binary.txt").path) } ]

                    """
            )
            .replacingOccurrences(of: "  predictions: scores", with: "  predictions: scores\n  shadow: shadow-scores")
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: directory.path + "/t.yaml"))
        let summary = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "rows", input: input, format: .payload,
            outputDirectory: directory.path)
        #expect(summary.outputsBySink["shadow"] == rows.count)
        let records = try String(contentsOfFile: directory.appendingPathComponent("shadow.jsonl").path, encoding: .utf8)
            .split(separator: "\n").map { jsonObject(Array($0.utf8))! }
        let xgboost = try expected("xgb_binary")
        let lightgbm = try expected("lgbm_binary")
        var agreements = 0
        for record in records {
            let row = record["id"] as! Int
            let primary = (record["primary_score"] as! NSNumber).doubleValue
            let shadow = (record["shadow_score"] as! NSNumber).doubleValue
            #expect(abs(primary - xgboost[row]) <= 1e-6 && abs(shadow - lightgbm[row]) <= 1e-6)
            #expect(
                record["shadow_model"] as? String == "challenger" && record["primary_model"] as? String == "reference")
            #expect(record["shadow_decision"] as? Int == (shadow >= 0.5 ? 1 : 0))
            if (primary >= 0.7) == (shadow >= 0.5) { agreements += 1 }
        }
        let status = try #require(pipeline.sideOutputs?.shadowStatus().first)
        #expect(status.scored == rows.count && status.skipped == 0)
        #expect(status.comparison.sinceStart.eventCount == rows.count)
        let agreement = try #require(status.comparison.sinceStart.decisionAgreementRate)
        #expect(abs(agreement - Double(agreements) / Double(rows.count)) < 1e-12)
    }
}
