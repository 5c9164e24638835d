import Foundation
import Testing

@testable import SluiceKafka

/// Window state across crashes: `sluice run` is killed mid-stream and restarted; its window values for every
/// event equal those of an uninterrupted run (`sluice replay` over the same records).
@Suite(.serialized) struct WindowStateProcessTests {
    @Test func windowValuesAfterCrashesEqualAnUninterruptedRun() throws {
        let partitions = 4
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker"] + WindowStreamScenario.topics.flatMap { ["--topic", "\($0):\(partitions)"] })
        let bootstrap = broker.firstLine()
        defer {
            broker.send(SIGTERM)
            _ = broker.finish(timeout: 10)
        }
        let scenario = try WindowStreamScenario(events: 24_000, cards: 300, partitions: partitions, maxGap: 500)
        defer { scenario.cleanUp() }
        // Events keep arriving (about 2,000 a second) while the pipeline is killed twice at random moments.
        let producerDone = scenario.produce(bootstrap: bootstrap, eventsPerSecond: 2_000)
        let arguments = [
            "run", scenario.topologyPath, "--brokers", bootstrap, "--group", "crash-windows", "--status-interval", "0",
            "--telemetry-port", "0",
            "--property", "session.timeout.ms=3000", "--property", "heartbeat.interval.ms=500",
        ]
        // Each run is killed at a random moment after it has written at least 500 outputs of its own, so the kill
        // lands mid-stream however slowly a busy machine lets it join the group and start.
        let watcher = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                bootstrapServers: [bootstrap], groupID: "watch-\(UUID().uuidString)"),
            logger: WindowStreamScenario.logger)
        defer { watcher.close() }
        func outputsSoFar() -> Int64 {
            (0..<Int32(partitions)).reduce(0) { total, partition in
                let high = (try? watcher.watermarks(KafkaTopicPartition(topic: "features", partition: partition)))?.high
                return total + max(0, high ?? 0)
            }
        }
        var random = SystemRandomNumberGenerator()
        for _ in 1...2 {
            let before = outputsSoFar()
            let run = try ExternalProcess(try sluiceExecutable(), arguments)
            let deadline = ContinuousClock.now + .seconds(90)
            while outputsSoFar() < before + 500, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.1) }
            #expect(outputsSoFar() >= before + 500, "the run started writing outputs before it was killed")
            Thread.sleep(forTimeInterval: Double.random(in: 0.0...1.5, using: &random))
            run.send(SIGKILL)
            _ = run.finish(timeout: 10)
        }
        producerDone.wait()
        let final = try ExternalProcess(try sluiceExecutable(), arguments)
        let outputs = try WindowStreamScenario.waitForAll(bootstrap: bootstrap, expected: scenario.records.count)
        final.send(SIGTERM)
        let ended = final.finish(timeout: 60)
        #expect(ended.status == 0, "\(ended.errors.suffix(400))")

        let (mismatches, duplicates) = scenario.check(outputs, against: try scenario.replayReference())
        print(
            "window state across 2 SIGKILLs: \(scenario.records.count) events, \(duplicates) duplicate outputs, "
                + "\(mismatches) differences")
        #expect(duplicates > 0, "the kills landed mid-stream, so some events were processed twice")
    }
}
