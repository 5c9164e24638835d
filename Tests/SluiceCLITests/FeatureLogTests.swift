import Foundation
import Testing

/// The feature log: what the primary model scored, per event or for a stable sample, equal to what
/// `sluice features` computes for the same events.
@Suite struct FeatureLogTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    @Test func loggedVectorsEqualSluiceFeaturesAndTheSampleIsStable() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "feature-log-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // The demo topology, its models by absolute path, with a feature log of half the events.
        let models = Self.repository.appendingPathComponent("topologies/models").path
        let topology = directory.appendingPathComponent("t.yaml").path
        try String(contentsOfFile: Self.repository.appendingPathComponent("topologies/demo.yaml").path, encoding: .utf8)
            .replacingOccurrences(of: "path: models/", with: "path: \(models)/")
            .replacingOccurrences(of: "reference: models/", with: "reference: \(models)/")
            .replacingOccurrences(
                of: "sinks:\n", with: "feature_log: { sample: 0.5 }\nsinks:\n  feature_log: fraud-feature-log\n"
            )
            .write(toFile: topology, atomically: true, encoding: .utf8)
        let events = directory.appendingPathComponent("events.jsonl").path
        let generate = try ExternalProcess(
            try sluiceExecutable(), ["generate", "--output", events, "--count", "4000", "--seed", "5"]
        ).finish(timeout: 60)
        #expect(generate.status == 0, "\(generate.errors)")

        func replay(into name: String) throws -> [Int: [String: Any]] {
            let output = directory.appendingPathComponent(name).path
            let run = try ExternalProcess(
                try sluiceExecutable(), ["replay", topology, "--input", events, "--output", output]
            ).finish(timeout: 120)
            #expect(run.status == 0, "\(run.errors)")
            let lines = try String(contentsOfFile: output + "/feature-log.jsonl", encoding: .utf8).split(
                separator: "\n")
            return Dictionary(
                uniqueKeysWithValues: lines.map {
                    let object = (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
                    return (object["id"] as? Int ?? -1, object)
                })
        }
        let logged = try replay(into: "first")
        let again = try replay(into: "second")
        #expect(Set(logged.keys) == Set(again.keys), "the same events are sampled every time")
        #expect((1_700...2_300).contains(logged.count), "about half of 4,000 events logged: \(logged.count)")

        let features = try ExternalProcess(try sluiceExecutable(), ["features", topology, "--input", events])
            .finish(timeout: 120)
        #expect(features.status == 0, "\(features.errors)")
        let computed = Dictionary(
            uniqueKeysWithValues: features.output.split(separator: "\n").map {
                let object = (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any] ?? [:]
                return (object["event_id"] as? Int ?? -1, object)
            })
        var compared = 0
        for (id, record) in logged {
            #expect(record["model"] as? String == "fraud-xgb")
            #expect((record["model_version"] as? String)?.count == 12)
            let vector = record["features"] as? [String: Any] ?? [:]
            #expect(vector.count == 11, "the model's 11 inputs")
            for (name, value) in vector {
                let expected = computed[id]?[name]
                if let value = value as? Double, let expected = expected as? Double {
                    #expect(value == expected, "event \(id) \(name)")
                } else {
                    #expect(value is NSNull && (expected == nil || expected is NSNull), "event \(id) \(name)")
                }
                compared += 1
            }
        }
        #expect(compared > 10_000)
    }
}
