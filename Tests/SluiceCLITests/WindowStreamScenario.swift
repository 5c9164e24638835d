import Foundation
import Logging
import Testing

@testable import SluiceKafka

/// The stream the window-state process tests run `sluice run` processes on: card events over a few hundred cards,
/// each card always in the same partition, some out of order, produced at a steady rate while processes are killed;
/// and the reference they are checked against, `sluice replay` of the same records.
struct WindowStreamScenario {
    /// Three windows (tumbling with lateness, hopping with a sketch, sliding) and the feature_inputs sink, which
    /// carries every window value as of each event.
    static let topology = """
        name: crash-windows
        source:
          topic: in
          key: card_id
          event_time: ts
          schema:
            event_id: { type: int, required: true }
            card_id:  { type: string, required: true }
            amount:   { type: double, required: true }
            ts:       { type: timestamp, unit: ms, required: true }
        windows:
          minute:
            key: card_id
            tumbling: 1m
            allowed_lateness: 10s
            late_events: drop
            aggregates: { n: count, total: sum(amount), spread: "stddev(amount, population)" }
          hour:
            key: card_id
            hopping: { size: 1h, advance: 5m }
            aggregates: { n: count, top: max(amount), cards: distinct_count(amount) }
          recent:
            key: card_id
            sliding: 10m
            late_events: drop
            aggregates: { n: count, avg: mean(amount) }
        sinks:
          dead_letter: dlq
          feature_inputs: features
        """

    /// The topics `topology` uses.
    static let topics = ["in", "dlq", "features", "crash-windows-state-changelog"]

    static var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }

    let records: [(partition: Int32, key: String, value: String)]
    /// A scratch directory holding the topology file; removed by `cleanUp()`.
    let directory: URL
    let topologyPath: String

    /// `events` events over `cards` cards, event time advancing up to `maxGap` ms per event; one in 20 is late by up
    /// to 30 s.
    init(events: Int, cards: Int, partitions: Int, maxGap: Int64) throws {
        var random = SystemRandomNumberGenerator()
        var records: [(partition: Int32, key: String, value: String)] = []
        var clock: Int64 = 1_700_000_000_000
        for id in 0..<events {
            clock += Int64.random(in: 0...maxGap, using: &random)
            let card = Int.random(in: 0..<cards, using: &random)
            let time =
                Int.random(in: 0..<20, using: &random) == 0
                ? clock - Int64.random(in: 0...30_000, using: &random) : clock
            let amount = Double(Int.random(in: 1...100_000, using: &random)) / 100
            records.append(
                (
                    Int32(card % partitions), "card-\(card)",
                    #"{"event_id":\#(id),"card_id":"card-\#(card)","amount":\#(amount),"ts":\#(time)}"#
                ))
        }
        self.records = records
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("windows-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        topologyPath = directory.appendingPathComponent("topology.yaml").path
        try Self.topology.write(toFile: topologyPath, atomically: true, encoding: .utf8)
    }

    func cleanUp() {
        try? FileManager.default.removeItem(at: directory)
    }

    /// Produces the records to `in` on a thread of their own at about `eventsPerSecond`; the semaphore is signalled
    /// once all are flushed.
    func produce(bootstrap: String, eventsPerSecond: Int) -> DispatchSemaphore {
        let done = DispatchSemaphore(value: 0)
        let toSend = records
        Thread.detachNewThread {
            let producer = try! KafkaProducer(
                configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: Self.logger
            ) { _ in }
            let input = try! producer.topic("in")
            let start = ContinuousClock.now
            for (index, record) in toSend.enumerated() {
                try! producer.send(
                    to: input, partition: record.partition, key: Array(record.key.utf8),
                    value: Array(record.value.utf8), timestamp: 1_700_000_000_000)
                if ContinuousClock.now < start + .microseconds(index * 1_000_000 / eventsPerSecond) {
                    Thread.sleep(forTimeInterval: 0.002)
                }
            }
            try! producer.flush()
            done.signal()
        }
        return done
    }

    /// The uninterrupted run: `sluice replay` of the same records, partition by partition; window values by event id.
    func replayReference() throws -> [Int: NSDictionary] {
        let envelope = directory.appendingPathComponent("events.jsonl").path
        try records.map { record -> String in
            let line: [String: Any] = [
                "key": record.key, "partition": Int(record.partition), "timestamp": 1_700_000_000_000,
                "value": record.value,
            ]
            return String(decoding: try JSONSerialization.data(withJSONObject: line), as: UTF8.self)
        }.joined(separator: "\n").write(toFile: envelope, atomically: true, encoding: .utf8)
        let output = directory.appendingPathComponent("replay").path
        let replay = try ExternalProcess(
            try sluiceExecutable(),
            ["replay", topologyPath, "--input", envelope, "--output", output, "--format", "envelope"])
        #expect(replay.finish(timeout: 120).status == 0)
        let replayed = try String(contentsOfFile: output + "/feature-inputs.jsonl", encoding: .utf8)
            .split(separator: "\n").map { Self.parse(String($0)) }
        return Dictionary(uniqueKeysWithValues: replayed.map { ($0["event_id"] as! Int, $0 as NSDictionary) })
    }

    /// Checks every streamed copy of every event against the reference and that every event came out; returns the
    /// number of differences and of duplicate outputs.
    func check(_ outputs: [Int: [NSDictionary]], against reference: [Int: NSDictionary]) -> (
        mismatches: Int, duplicates: Int
    ) {
        #expect(reference.count == records.count)
        #expect(outputs.count == records.count, "every event has its window values")
        var mismatches = 0
        for (id, copies) in outputs {
            for copy in copies where copy != reference[id] {
                mismatches += 1
                if mismatches <= 3 { Issue.record("event \(id): streamed \(copy) vs replayed \(reference[id] ?? [:])") }
            }
        }
        #expect(mismatches == 0)
        return (mismatches, outputs.values.map { $0.count - 1 }.reduce(0, +))
    }

    static func parse(_ line: String) -> [String: Any] {
        ((try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]) ?? [:]
    }

    /// Reads the features topic until every event id has arrived; returns every copy of each.
    static func waitForAll(bootstrap: String, expected: Int) throws -> [Int: [NSDictionary]] {
        var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "verify-\(UUID().uuidString)")
        settings.fetchWaitMax = .milliseconds(20)
        let consumer = try KafkaConsumer(configuration: settings, logger: logger)
        defer { consumer.close() }
        try consumer.subscribe(topics: ["features"])
        var byID: [Int: [NSDictionary]] = [:]
        let deadline = ContinuousClock.now + .seconds(180)
        var quietSince = ContinuousClock.now
        while ContinuousClock.now < deadline {
            let batches = consumer.poll(maxMessages: 4096, timeout: .milliseconds(100)).batches
            for batch in batches {
                for message in batch {
                    let object = parse(
                        String(decoding: message.value ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self))
                    if let id = object["event_id"] as? Int { byID[id, default: []].append(object as NSDictionary) }
                }
            }
            if !batches.isEmpty { quietSince = .now }
            if byID.count >= expected, ContinuousClock.now - quietSince > .seconds(2) { break }
        }
        return byID
    }
}
