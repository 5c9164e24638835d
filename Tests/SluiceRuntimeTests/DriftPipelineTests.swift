import Foundation
import SluiceCore
import Testing

@testable import SluiceRuntime

/// Drift monitoring wired into the pipeline: a profile built with `ReplayRunner.profile` from training events,
/// then live windows compared with it.
@Suite struct DriftPipelineTests {
    static func rows() throws -> [[Substring]] {
        try String(
            contentsOf: ScoringPipelineTests.fixtures.appendingPathComponent("data_numeric.csv"), encoding: .utf8
        )
        .split(separator: "\n").dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    /// Events from fixture rows; `scale` multiplies `amount` from event `shiftAt` on.
    static func events(_ rows: ArraySlice<[Substring]>, scale: Double = 1, shiftAt: Int = .max) -> String {
        rows.enumerated().map { index, cells in
            var members: [String] = []
            for (column, cell) in zip(ScoringPipelineTests.columns, cells) where !cell.isEmpty {
                let value = column == "amount" && index >= shiftAt ? Double(cell)! * scale : Double(cell)!
                members.append("\"\(column)\":\(value)")
            }
            return "{\"row\":\(index)," + members.joined(separator: ",") + "}"
        }.joined(separator: "\n")
    }

    func run(training: String, live: String) throws -> (alerts: [[String: Any]], pipeline: TopologyPipeline) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("drift-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let profilePath = directory.appendingPathComponent("profile.json").path
        let text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: directory)
            .replacingOccurrences(
                of: "sinks:\n",
                with: """
                    drift:
                      reference: \(profilePath)
                      features: [amount, balance, velocity]
                      every: 500
                      statistics: [psi, ks]
                      alerts: { consecutive: 2, resolve: 2 }
                    sinks:
                      alerts: drift-alerts

                    """)
        let topology = try TopologyLoader.load(text: text, file: directory.path + "/t.yaml")
        let trainingPath = directory.appendingPathComponent("training.jsonl").path
        try training.write(toFile: trainingPath, atomically: true, encoding: .utf8)
        let profile = try ReplayRunner.profile(
            pipeline: TopologyPipeline(topology: topology), input: trainingPath,
            format: .payload, name: "training", scratchDirectory: directory.path)
        try profile.encodedJSON().write(to: URL(fileURLWithPath: profilePath))
        #expect(Set(profile.numeric.keys) == ["amount", "balance", "velocity"])
        #expect(profile.scores.keys.contains("reference"))

        let livePath = directory.appendingPathComponent("live.jsonl").path
        try live.write(toFile: livePath, atomically: true, encoding: .utf8)
        let pipeline = try TopologyPipeline(topology: topology)
        _ = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "rows", input: livePath, format: .payload,
            outputDirectory: directory.path)
        let alerts = try String(contentsOfFile: directory.appendingPathComponent("alerts.jsonl").path, encoding: .utf8)
            .split(separator: "\n").map { jsonObject(Array($0.utf8))! }
        return (alerts, pipeline)
    }

    /// `amount` triples from event 2,000 on; the stream stops 1,500 events (three 500-event windows) later, and
    /// by then the alert must have fired: two breaching windows are needed, so it fires at event 3,000.
    @Test func aShiftInjectedAtAKnownPointRaisesAnAlertWithinThreeWindows() throws {
        let rows = try Self.rows()
        let (alerts, pipeline) = try run(
            training: Self.events(rows[0..<5000]),
            live: Self.events(rows[5000..<8500], scale: 3, shiftAt: 2000))
        let amount = alerts.filter { $0["feature"] as? String == "amount" && $0["state"] as? String == "firing" }
        #expect(Set(amount.map { $0["statistic"] as! String }) == ["psi", "ks_p"])
        #expect(amount.allSatisfy { $0["severity"] as? String == "critical" })
        // Only the shifted feature, and the score it moves, alert; the untouched features stay quiet.
        #expect(alerts.allSatisfy { ["amount", "score"].contains($0["feature"] as? String ?? "") })
        #expect(pipeline.sideOutputs?.driftStatus?.windows == 7)
    }

    @Test func stationaryEventsRaiseNoAlert() throws {
        let rows = try Self.rows()
        let (alerts, _) = try run(training: Self.events(rows[0..<5000]), live: Self.events(rows[5000..<10000]))
        #expect(alerts.isEmpty, "false alarms: \(alerts)")
    }
}
