import Foundation
import SluiceCore
import Testing

@testable import SluiceRuntime

@Suite struct ReplayTests {
    @Test func replayDeadLettersA10MegabytePayloadWithoutParsingItAndKeepsGoing() throws {
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: """
                    name: replay-limits
                    source:
                      topic: in
                      max_payload_bytes: 1048576
                      schema:
                        event_id: { type: string, required: true }
                    sinks:
                      events: valid
                      dead_letter: dlq
                    """, file: "replay.yaml"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var input = Data(#"{"event_id":"before"}"#.utf8 + [UInt8(ascii: "\n")])
        input.append(contentsOf: hugePayload(megabytes: 10) + [UInt8(ascii: "\n")])
        input.append(contentsOf: Array(#"{"event_id":"after"}"#.utf8) + [UInt8(ascii: "\n")])
        let inputPath = directory.appendingPathComponent("events.jsonl").path
        try input.write(to: URL(fileURLWithPath: inputPath))
        let summary = try ReplayRunner.run(
            factory: pipeline, sourceTopic: "in", input: inputPath, format: .payload,
            outputDirectory: directory.path)
        #expect(summary.events == 3)
        let valid = try String(contentsOfFile: directory.appendingPathComponent("events.jsonl").path, encoding: .utf8)
        #expect(valid == "{\"event_id\":\"before\"}\n{\"event_id\":\"after\"}\n")
        let dead = try String(
            contentsOfFile: directory.appendingPathComponent("dead-letters.jsonl").path, encoding: .utf8
        )
        .split(separator: "\n")
        #expect(dead.count == 1)
        let record = try #require(jsonObject(Array(dead[0].utf8)))
        #expect(record["reason"] as? String == "too_large")
        #expect(record["offset"] as? Int == 1)
        #expect(record["original_size"] as? Int == hugePayload(megabytes: 10).count)
        #expect(record["original_truncated"] as? Bool == true)
        #expect((record["message"] as? String)?.contains("1048576") == true)
    }
}
