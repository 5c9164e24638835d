import Foundation
import Testing

@testable import SluiceKafka

/// Scale-out on a consumer group: three `sluice run` processes share a 12-partition topic; one is killed
/// mid-stream; the other two take its partitions, restore their window state from the changelog, and every
/// event's window values equal those of a single uninterrupted run (`sluice replay`).
@Suite(.serialized) struct ScaleOutProcessTests {
    @Test func threeProcessesShareTheTopicAndSurviveLosingOne() throws {
        let partitions = 12
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker"]
                + WindowStreamScenario.topics.flatMap { ["--topic", "\($0):\(partitions)"] })
        let bootstrap = broker.firstLine()
        defer {
            broker.send(SIGTERM)
            _ = broker.finish(timeout: 10)
        }
        let scenario = try WindowStreamScenario(events: 30_000, cards: 600, partitions: partitions, maxGap: 400)
        defer { scenario.cleanUp() }
        // About 1,500 events a second: the stream outlasts the kill and the takeover.
        let producerDone = scenario.produce(bootstrap: bootstrap, eventsPerSecond: 1_500)
        var random = SystemRandomNumberGenerator()

        let ports = try (0..<3).map { _ in try freeLoopbackPort() }
        let members = try ports.map { port in
            try ExternalProcess(
                try sluiceExecutable(),
                [
                    "run", scenario.topologyPath, "--brokers", bootstrap, "--group", "scale-out", "--status-interval",
                    "0",
                    "--telemetry-port", "\(port)", "--property", "session.timeout.ms=6000",
                    "--property", "heartbeat.interval.ms=500",
                ])
        }
        func assigned(_ port: Int) -> Int? {
            guard let body = get("http://127.0.0.1:\(port)/api/status")?.body,
                let status = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]
            else { return nil }
            return (status["partitions"] as? [Any])?.count
        }
        // The group spreads the 12 partitions over all three members.
        var spread: [Int?] = []
        let everyoneWorks = waitFor(seconds: 90) {
            spread = ports.map(assigned)
            return spread.allSatisfy { ($0 ?? 0) > 0 } && spread.reduce(0) { $0 + ($1 ?? 0) } == partitions
        }
        #expect(everyoneWorks, "partitions per member: \(spread)")

        // Mid-stream, the second member dies without a word.
        Thread.sleep(forTimeInterval: Double.random(in: 2.0...4.0, using: &random))
        members[1].send(SIGKILL)
        _ = members[1].finish(timeout: 10)
        var survivors: [Int?] = []
        let takenOver = waitFor(seconds: 90) {
            survivors = [ports[0], ports[2]].map(assigned)
            return survivors.reduce(0) { $0 + ($1 ?? 0) } == partitions
        }
        #expect(takenOver, "after the kill, partitions per surviving member: \(survivors)")

        producerDone.wait()
        let outputs = try WindowStreamScenario.waitForAll(bootstrap: bootstrap, expected: scenario.records.count)
        // Graceful stops, one at a time, each once the group has settled: the last member first takes over the
        // partitions of the one before it.
        for (member, running) in [(members[0], [ports[0], ports[2]]), (members[2], [ports[2]])] {
            _ = waitFor(seconds: 60) { running.compactMap(assigned).reduce(0, +) == partitions }
            member.send(SIGTERM)
            let ended = member.finish(timeout: 90)
            #expect(ended.status == 0, "\(ended.errors.suffix(400))")
        }

        let (mismatches, duplicates) = scenario.check(outputs, against: try scenario.replayReference())
        print(
            "scale-out: 3 members, 1 killed, \(scenario.records.count) events, \(duplicates) duplicates, "
                + "\(mismatches) differences")
    }
}
