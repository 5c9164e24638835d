import Foundation
import Logging
import Synchronization
import Testing

@testable import SluiceKafka

/// `sluice run` as a separate process against `sluice broker`: crashes, graceful shutdown, and agreement
/// with `sluice replay`.
@Suite(.serialized) struct PipelineProcessTests {
    private static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    /// A temporary directory with a topology reading `in` and writing `valid` and `dlq`.
    private static func workspace(partitions: Int) throws -> (directory: URL, topology: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sluice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let topology = directory.appendingPathComponent("topology.yaml").path
        try """
        name: process-test
        source:
          topic: in
          key: card_id
          event_time: ts
          schema:
            event_id: { type: int, required: true }
            card_id:  { type: string, required: true }
            amount:   { type: double, required: true, min: 0 }
            ts:       { type: timestamp, unit: ms, required: true }
        sinks:
          events: valid
          dead_letter: dlq
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        return (directory, topology)
    }

    private static func startBroker(partitions: Int) throws -> (ExternalProcess, String) {
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker", "--topic", "in:\(partitions)", "--topic", "valid:\(partitions)", "--topic", "dlq:\(partitions)"])
        return (broker, broker.firstLine())
    }

    private static func event(_ number: Int) -> [UInt8] {
        let amount = number % 17 == 0 ? "-1" : "\(number % 1000).5"  // every 17th is invalid
        return Array(
            #"{"event_id":\#(number),"card_id":"card-\#(number % 101)","amount":\#(amount),"ts":\#(1_700_000_000_000 + number)}"#
                .utf8)
    }

    /// All records of a topic, read to the end.
    private static func readAll(_ topic: String, bootstrap: String, expectAtLeast count: Int) throws -> [[UInt8]] {
        var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "check-\(UUID().uuidString)")
        settings.fetchWaitMax = .milliseconds(20)
        let consumer = try KafkaConsumer(configuration: settings, logger: logger)
        try consumer.subscribe(topics: [topic])
        var values: [[UInt8]] = []
        var quietSince = ContinuousClock.now
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            let batches = consumer.poll(maxMessages: 4096, timeout: .milliseconds(100)).batches
            for batch in batches {
                for message in batch {
                    values.append(Array(message.value ?? UnsafeRawBufferPointer(start: nil, count: 0)))
                }
            }
            if !batches.isEmpty { quietSince = .now }
            if values.count >= count, ContinuousClock.now - quietSince > .seconds(2) { break }
        }
        consumer.close()
        return values
    }

    private static func eventIDs(_ values: [[UInt8]]) -> [Int] {
        values.compactMap { value in
            ((try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any])?["event_id"] as? Int
        }
    }

    /// `sluice run` is killed with SIGKILL at random moments while a producer feeds numbered events; after the
    /// restarts, every valid event has an output (duplicates allowed and counted, none missing).
    @Test func everyValidEventHasAnOutputAcrossCrashes() throws {
        let (broker, bootstrap) = try Self.startBroker(partitions: 4)
        let (directory, topology) = try Self.workspace(partitions: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        let total = 30_000
        let produced = Atomic<Int>(0)
        let producerDone = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let producer = try! KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Self.logger
            ) { _ in }
            let topic = try! producer.topic("in")
            let start = ContinuousClock.now
            for number in 0..<total {
                try! producer.send(to: topic, partition: Int32(number % 4), key: nil, value: Self.event(number))
                produced.store(number + 1, ordering: .relaxed)
                // About 3,000 events a second, so the crashes land mid-stream.
                let due = start + .milliseconds(number / 3)
                if ContinuousClock.now < due { Thread.sleep(forTimeInterval: 0.001) }
            }
            try! producer.flush()
            producerDone.signal()
        }
        let arguments = [
            "run", topology, "--brokers", bootstrap, "--group", "crash-test", "--status-interval", "0",
            "--telemetry-port", "0",
            "--property", "session.timeout.ms=3000", "--property", "heartbeat.interval.ms=500",
        ]
        var random = SystemRandomNumberGenerator()
        for crash in 0..<3 {
            let run = try ExternalProcess(try sluiceExecutable(), arguments)
            Thread.sleep(forTimeInterval: Double.random(in: 2.5...5.0, using: &random))
            run.send(SIGKILL)
            let ended = run.finish(timeout: 10)
            #expect(ended.status != 0, "crash \(crash) was a kill")
        }
        producerDone.wait()
        let final = try ExternalProcess(try sluiceExecutable(), arguments)
        let validCount = (0..<total).filter { $0 % 17 != 0 }.count
        // Let the last run catch up, then stop it gracefully.
        var outputs: [[UInt8]] = []
        let deadline = ContinuousClock.now + .seconds(90)
        while ContinuousClock.now < deadline {
            outputs = try Self.readAll("valid", bootstrap: bootstrap, expectAtLeast: validCount)
            if Set(Self.eventIDs(outputs)).count >= validCount { break }
        }
        final.send(SIGTERM)
        let ended = final.finish(timeout: 60)
        #expect(ended.status == 0, "the last run exits cleanly: \(ended.errors.suffix(500))")
        let ids = Self.eventIDs(outputs)
        let missing = Set((0..<total).filter { $0 % 17 != 0 }).subtracting(ids)
        #expect(missing.isEmpty, "\(missing.count) valid events have no output, e.g. \(missing.sorted().prefix(10))")
        let duplicates = ids.count - Set(ids).count
        print(
            "at-least-once across 3 SIGKILLs: \(validCount) valid events, \(ids.count) outputs, \(duplicates) duplicates"
        )
        #expect(ids.allSatisfy { $0 % 17 != 0 }, "no invalid event in the valid topic")
        broker.send(SIGTERM)
        _ = broker.finish(timeout: 10)
    }

    /// SIGTERM in the middle of a stream: the process drains, commits and exits 0, and the committed offsets
    /// are exactly what it processed — the outputs on the topics match the committed positions one to one.
    @Test func gracefulShutdownCommitsExactlyTheProcessedPosition() throws {
        let (broker, bootstrap) = try Self.startBroker(partitions: 4)
        let (directory, topology) = try Self.workspace(partitions: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try ExternalProcess(
            try sluiceExecutable(),
            [
                "run", topology, "--brokers", bootstrap, "--group", "graceful", "--status-interval", "0",
                "--telemetry-port", "0",
            ])
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Self.logger
        ) { _ in }
        let topic = try producer.topic("in")
        // Keep producing while the process runs; stop it half-way.
        for number in 0..<40_000 {
            try producer.send(to: topic, partition: Int32(number % 4), key: nil, value: Self.event(number))
            if number == 20_000 {
                try producer.flush()
                Thread.sleep(forTimeInterval: 4)
                run.send(SIGTERM)
            }
        }
        try producer.flush()
        let ended = run.finish(timeout: 60)
        #expect(ended.status == 0, "exit status after SIGTERM: \(ended.errors.suffix(500))")

        let reader = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "graceful"),
            logger: Self.logger)
        let committed = try reader.committedPositions((0..<4).map { KafkaTopicPartition(topic: "in", partition: $0) })
        reader.close()
        let processed = committed.values.reduce(0, +)
        #expect(processed > 0 && processed < 40_000, "stopped mid-stream: committed \(processed)")
        let outputs =
            try Self.readAll("valid", bootstrap: bootstrap, expectAtLeast: 1)
            + Self.readAll("dlq", bootstrap: bootstrap, expectAtLeast: 1)
        #expect(Int64(outputs.count) == processed, "one output per processed event: \(outputs.count) vs \(processed)")
        broker.send(SIGTERM)
        _ = broker.finish(timeout: 10)
    }

    /// A stop that cannot finish — the broker process frozen with SIGSTOP, so neither commits nor leaving the group
    /// can complete — is bounded: `--shutdown-timeout` ends it with exit status 2 and says why, and so does a second
    /// SIGTERM before that.
    @Test func aStuckDrainEndsAtTheShutdownTimeoutOrAtASecondSignal() throws {
        let (broker, bootstrap) = try Self.startBroker(partitions: 2)
        let (directory, topology) = try Self.workspace(partitions: 2)
        defer {
            broker.send(SIGCONT)
            broker.send(SIGTERM)
            _ = broker.finish(timeout: 10)
            try? FileManager.default.removeItem(at: directory)
        }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Self.logger
        ) { _ in }
        let topic = try producer.topic("in")
        for (round, secondSignal) in [false, true].enumerated() {
            broker.send(SIGCONT)
            let run = try ExternalProcess(
                try sluiceExecutable(),
                [
                    "run", topology, "--brokers", bootstrap, "--group", "stuck-\(round)", "--status-interval", "0",
                    "--telemetry-port", "0", "--shutdown-timeout", "4",
                ])
            for number in 0..<2_000 {
                try producer.send(to: topic, partition: Int32(number % 2), key: nil, value: Self.event(number))
            }
            try producer.flush()
            Thread.sleep(forTimeInterval: 4)
            broker.send(SIGSTOP)
            let stopped = ContinuousClock.now
            run.send(SIGTERM)
            if secondSignal {
                Thread.sleep(forTimeInterval: 1)
                run.send(SIGTERM)
            }
            let ended = run.finish(timeout: 60)
            let elapsed = (ContinuousClock.now - stopped).components
            let seconds = Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18
            #expect(ended.status == 2, "exit status of a stuck drain: \(ended.errors.suffix(800))")
            #expect(seconds < (secondSignal ? 3.5 : 12), "a stuck drain ended after \(seconds) s")
            let reason = secondSignal ? "a second SIGTERM arrived while draining" : "did not finish within 4 s"
            #expect(ended.errors.contains(reason), "\(ended.errors.suffix(800))")
            #expect(ended.errors.contains("at-least-once"))
        }
    }

    /// The same events through `sluice run` (on Kafka) and `sluice replay` (offline) give the same outputs.
    @Test func replayAndRunGiveTheSameOutputs() throws {
        let (broker, bootstrap) = try Self.startBroker(partitions: 1)
        let (directory, topology) = try Self.workspace(partitions: 1)
        defer { try? FileManager.default.removeItem(at: directory) }
        // Valid and invalid events, including bytes that are not JSON; each with a key and a timestamp.
        var records: [(key: String, timestamp: Int64, value: [UInt8])] = []
        for number in 0..<3000 {
            var value = Self.event(number)
            if number % 250 == 7 { value = Array("not json \(number)".utf8) }
            if number % 250 == 9 { value = Array(#"{"event_id":\#(number),"card_id":"c","amount":"x","ts":1}"#.utf8) }
            records.append(("key-\(number % 13)", 1_700_000_000_000 + Int64(number), value))
        }
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Self.logger
        ) { _ in }
        let topic = try producer.topic("in")
        for record in records {
            try producer.send(
                to: topic, partition: 0, key: Array(record.key.utf8), value: record.value,
                timestamp: record.timestamp)
        }
        try producer.flush()
        let run = try ExternalProcess(
            try sluiceExecutable(),
            [
                "run", topology, "--brokers", bootstrap, "--group", "agree", "--status-interval", "0",
                "--telemetry-port", "0",
            ])
        let invalidCount =
            records.filter { (try? JSONSerialization.jsonObject(with: Data($0.value))) == nil }.count
            + (0..<3000).filter { $0 % 17 == 0 && $0 % 250 != 7 && $0 % 250 != 9 }.count
            + (0..<3000).filter { $0 % 250 == 9 && $0 % 17 != 0 }.count
        let streamedValid = try Self.readAll("valid", bootstrap: bootstrap, expectAtLeast: 3000 - invalidCount)
        let streamedDead = try Self.readAll("dlq", bootstrap: bootstrap, expectAtLeast: invalidCount)
        run.send(SIGTERM)
        #expect(run.finish(timeout: 30).status == 0)

        // The same records as an envelope file for replay.
        var lines = ""
        for record in records {
            let envelope: [String: Any] = [
                "key": record.key, "timestamp": record.timestamp, "partition": 0,
                "value": String(decoding: record.value, as: UTF8.self),
            ]
            lines += String(decoding: try JSONSerialization.data(withJSONObject: envelope), as: UTF8.self) + "\n"
        }
        let input = directory.appendingPathComponent("events.jsonl").path
        try lines.write(toFile: input, atomically: true, encoding: .utf8)
        let outputDirectory = directory.appendingPathComponent("replay").path
        let replay = try ExternalProcess(
            try sluiceExecutable(),
            ["replay", topology, "--input", input, "--output", outputDirectory, "--format", "envelope"])
        #expect(replay.finish(timeout: 60).status == 0)
        func outputLines(_ file: String) throws -> [[UInt8]] {
            try String(contentsOfFile: outputDirectory + "/" + file, encoding: .utf8)
                .split(separator: "\n").map { Array($0.utf8) }
        }
        let replayedValid = try outputLines("events.jsonl")
        let replayedDead = try outputLines("dead-letters.jsonl")

        #expect(streamedValid.count == 3000 - invalidCount)
        #expect(replayedValid == streamedValid, "valid events byte for byte, in order")
        func comparable(_ record: [UInt8]) -> NSDictionary {
            var fields = ((try? JSONSerialization.jsonObject(with: Data(record))) as? [String: Any]) ?? [:]
            fields["dead_lettered_at"] = nil  // the wall-clock time of dead-lettering differs by nature
            return fields as NSDictionary
        }
        #expect(replayedDead.count == streamedDead.count && streamedDead.count == invalidCount)
        #expect(replayedDead.map(comparable) == streamedDead.map(comparable), "dead letters field for field")
        broker.send(SIGTERM)
        _ = broker.finish(timeout: 10)
    }
}
