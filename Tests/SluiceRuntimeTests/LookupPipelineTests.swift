import Foundation
import Logging
import SluiceCore
import SluiceKafka
import SluiceOperators
import Testing

@testable import SluiceRuntime

/// Collects what a processor emits, by sink index.
private final class CollectingEmitter: OutputEmitter {
    var records: [(sink: Int, value: [UInt8]?)] = []
    func emit(to sink: Int, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, partition: Int32?) {
        records.append((sink, value.map { Array($0) }))
    }
}

/// A merchant table, and card payments that look merchants up, with brute-force expectations.
private struct MerchantScenario {
    struct Merchant: Equatable {
        var tier: Int?
        var label: String?
    }

    /// The final table: key → row.
    var merchants: [String: Merchant] = [:]
    /// Records to produce to the table's topic, in order: earlier versions, rows later deleted, tombstones; their
    /// last-value-wins result is `merchants`.
    var topicRecords: [(key: String, value: String?)] = []
    var events: [String] = []
    var eventMerchants: [String] = []

    init(seed: UInt64) {
        var random = SplitMix(seed: seed)
        func rowJSON(_ key: String, _ merchant: Merchant) -> String {
            var fields = ["\"mcc\":\"\(key)\""]
            if let tier = merchant.tier { fields.append("\"tier\":\(tier)") }
            if let label = merchant.label { fields.append("\"label\":\"\(label)\"") }
            return "{" + fields.joined(separator: ",") + "}"
        }
        for index in 0..<300 {
            let key = "m\(index)"
            let merchant = Merchant(
                tier: random.next(5) == 0 ? nil : random.next(4),
                label: random.next(3) == 0 ? nil : "label-\(random.next(7))")
            // An older version first, sometimes.
            if random.next(2) == 0 {
                topicRecords.append((key, rowJSON(key, Merchant(tier: 9, label: "stale"))))
            }
            if index % 10 == 9 {
                // Rows that existed and were deleted by a tombstone.
                topicRecords.append((key, rowJSON(key, merchant)))
                topicRecords.append((key, nil))
                continue
            }
            merchants[key] = merchant
            topicRecords.append((key, rowJSON(key, merchant)))
        }
        for index in 0..<2000 {
            // Keys m0..m349: deleted ones and m300... miss.
            let mcc = "m\(random.next(350))"
            eventMerchants.append(mcc)
            events.append(
                #"{"id":\#(index),"card":"c\#(random.next(50))","mcc":"\#(mcc)","amount":\#(random.next(1000))}"#)
        }
    }

    /// The table as a CSV file's text (empty cells for nulls).
    var csv: String {
        "mcc,tier,label\n"
            + merchants.sorted { $0.key < $1.key }.map { key, merchant in
                "\(key),\(merchant.tier.map(String.init) ?? ""),\(merchant.label ?? "")"
            }.joined(separator: "\n") + "\n"
    }

    static func topology(table origin: String, onMiss: String = "nulls") -> String {
        """
        name: lookups
        source:
          topic: payments
          id: id
          schema:
            id: { type: int, required: true }
            card: { type: string, required: true }
            mcc: { type: string, required: true }
            amount: { type: double, required: true }
        tables:
          merchants:
            \(origin)
            key: mcc
            columns:
              mcc: { type: string, required: true }
              tier: { type: int }
              label: { type: string }
        lookups:
          merchant: { table: merchants, key: mcc, on_miss: \(onMiss) }
        features:
          tier: coalesce(merchant.tier, -1)
          premium: merchant.label == "label-3"
          known: if(is_null(merchant.mcc), 0, 1)
          weighted: amount * coalesce(merchant.tier, 0)
        sinks:
          feature_inputs: payment-features
          dead_letter: payment-dead-letters
        """
    }
}

/// A small deterministic generator (SplitMix64).
private struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}

private func replayFeatures(_ pipeline: TopologyPipeline, events: [String]) throws -> (
    features: [[String: Any]], deadLetters: [[String: Any]]
) {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("lookups-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let input = directory.appendingPathComponent("events.jsonl").path
    try events.joined(separator: "\n").write(toFile: input, atomically: true, encoding: .utf8)
    _ = try ReplayRunner.run(
        factory: pipeline, sourceTopic: "payments", input: input, format: .payload, outputDirectory: directory.path)
    func lines(_ name: String) throws -> [[String: Any]] {
        let path = directory.appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        return try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            jsonObject(Array($0.utf8))!
        }
    }
    return (try lines("feature-inputs.jsonl"), try lines("dead-letters.jsonl"))
}

/// The first topic table of `pipeline`, read to the end of its topic on `cluster` by a feed of its own (which the
/// caller follows, stops or closes).
private func loadedTopicTable(of pipeline: TopologyPipeline, from cluster: EmbeddedKafkaCluster) throws
    -> (table: ReferenceTable, feed: TableFeed)
{
    let (specification, table) = try #require(pipeline.topicTables.first)
    let feed = try TableFeed(
        specification: specification, table: table, bootstrapServers: [cluster.bootstrapServers],
        logger: quietLogger)
    try feed.load(timeout: .seconds(60))
    return (table, feed)
}

/// Waits up to 20 s for `table` to publish a snapshot after `generation`.
private func waitForNewSnapshot(of table: ReferenceTable, after generation: Int) {
    let deadline = ContinuousClock.now + .seconds(20)
    while table.generation.load(ordering: .acquiring) == generation, ContinuousClock.now < deadline {
        Thread.sleep(forTimeInterval: 0.005)
    }
}

private func produce(
    _ records: [(key: String, value: String?)], to topic: String, cluster: EmbeddedKafkaCluster,
    timestamp: Int64? = nil
) throws {
    let producer = try KafkaProducer(
        configuration: KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers]), logger: quietLogger
    ) { _ in }
    let handle = try producer.topic(topic)
    for record in records {
        let key = Array(record.key.utf8)
        let value = record.value.map { Array($0.utf8) }
        try key.withUnsafeBytes { key in
            if let value {
                try value.withUnsafeBytes { try producer.send(to: handle, key: key, value: $0, timestamp: timestamp) }
            } else {
                try producer.send(to: handle, key: key, value: nil, timestamp: timestamp)
            }
        }
    }
    try producer.flush()
    try producer.close()
}

@Suite(.serialized) struct LookupPipelineTests {
    /// The same rows from a CSV file and from a topic (with stale versions and tombstones before them) give the
    /// same feature values, and both equal a dictionary lookup.
    @Test func fileAndTopicTablesGiveIdenticalJoins() throws {
        let scenario = MerchantScenario(seed: 7)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try scenario.csv.write(to: directory.appendingPathComponent("merchants.csv"), atomically: true, encoding: .utf8)
        let fromFile = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: MerchantScenario.topology(table: "file: merchants.csv"), file: directory.path + "/t.yaml"))

        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: quietLogger)
        let topic = "merchants-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(topic, partitions: 3)
        try produce(scenario.topicRecords, to: topic, cluster: cluster)
        let fromTopic = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: MerchantScenario.topology(table: "topic: \(topic)"), file: directory.path + "/t.yaml"))
        let (table, feed) = try loadedTopicTable(of: fromTopic, from: cluster)
        feed.close()
        #expect(table.snapshot().rowCount == scenario.merchants.count)
        #expect(feed.tombstones.load(ordering: .relaxed) == 30)

        let viaFile = try replayFeatures(fromFile, events: scenario.events).features
        let viaTopic = try replayFeatures(fromTopic, events: scenario.events).features
        #expect(viaFile.count == scenario.events.count && viaTopic.count == scenario.events.count)
        var mismatches = 0
        for (index, (a, b)) in zip(viaFile, viaTopic).enumerated() {
            let merchant = scenario.merchants[scenario.eventMerchants[index]]
            let expectedTier = Double(merchant?.tier ?? -1)
            let expectedPremium = merchant?.label == "label-3" ? 1.0 : 0.0
            let expectedKnown = merchant == nil ? 0.0 : 1.0
            for output in [a, b] {
                if output["tier"] as? Double != expectedTier || output["premium"] as? Double != expectedPremium
                    || output["known"] as? Double != expectedKnown
                {
                    mismatches += 1
                }
            }
            if NSDictionary(dictionary: a) != NSDictionary(dictionary: b) { mismatches += 1 }
        }
        #expect(mismatches == 0)
        let misses = fromFile.lookupCounters[0].misses.load(ordering: .relaxed)
        let expectedMisses = scenario.eventMerchants.filter { scenario.merchants[$0] == nil }.count
        #expect(expectedMisses > 100 && misses == expectedMisses)
        #expect(fromFile.lookupCounters[0].hits.load(ordering: .relaxed) == scenario.events.count - expectedMisses)
    }

    /// With `on_miss: dead_letter`, exactly the events whose merchant is missing go to the dead letters, with
    /// reason lookup_miss and the key in the message; the rest are joined.
    @Test func missesAreCountedAndRoutedByPolicy() throws {
        let scenario = MerchantScenario(seed: 11)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try scenario.csv.write(to: directory.appendingPathComponent("merchants.csv"), atomically: true, encoding: .utf8)
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: MerchantScenario.topology(table: "file: merchants.csv", onMiss: "dead_letter"),
                file: directory.path + "/t.yaml"))
        let (features, deadLetters) = try replayFeatures(pipeline, events: scenario.events)
        let missing = scenario.eventMerchants.enumerated().filter { scenario.merchants[$0.element] == nil }
        #expect(deadLetters.count == missing.count)
        #expect(features.count == scenario.events.count - missing.count)
        for (letter, (_, mcc)) in zip(deadLetters, missing) {
            #expect(letter["reason"] as? String == "lookup_miss")
            #expect((letter["message"] as? String ?? "\(letter)").contains("'\(mcc)'"))
        }
        #expect(features.allSatisfy { ($0["known"] as? Double) == 1 })
        #expect(pipeline.lookupCounters[0].misses.load(ordering: .relaxed) == missing.count)
        #expect(pipeline.metrics.deadLettersByReason[.lookupMiss] == missing.count)
    }

    /// An update to the table's topic reaches the next event of a lane that already joined the old row; a
    /// tombstone makes the next event miss.
    @Test func topicUpdateIsVisibleToTheNextEventOfTheSameLane() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: quietLogger)
        let topic = "merchants-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(topic, partitions: 2)
        try produce([("m1", #"{"mcc":"m1","tier":1}"#)], to: topic, cluster: cluster)
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: MerchantScenario.topology(table: "topic: \(topic)"), file: "/tmp/t.yaml"))
        let (table, feed) = try loadedTopicTable(of: pipeline, from: cluster)
        feed.follow()
        defer { feed.stop() }
        let processor = try pipeline.makeProcessor(topic: "payments", partition: 0)
        let emitter = CollectingEmitter()
        let sink = pipeline.sinks.firstIndex { $0.name == "feature_inputs" }!
        var offset: Int64 = 0
        func tier() throws -> Double? {
            let event = Array(#"{"id":1,"card":"c","mcc":"m1","amount":2}"#.utf8)
            emitter.records.removeAll()
            try event.withUnsafeBytes { value in
                try processor.process(
                    InputRecord(
                        key: nil, value: value, timestamp: 0,
                        source: SourcePosition(topic: "payments", partition: 0, offset: offset)),
                    emitter: emitter)
            }
            offset += 1
            return emitter.records.first { $0.sink == sink }.flatMap { jsonObject($0.value)?["tier"] as? Double }
        }
        #expect(try tier() == 1)
        var generation = table.generation.load(ordering: .acquiring)
        try produce([("m1", #"{"mcc":"m1","tier":2}"#)], to: topic, cluster: cluster)
        waitForNewSnapshot(of: table, after: generation)
        #expect(try tier() == 2)
        generation = table.generation.load(ordering: .acquiring)
        try produce([("m1", nil)], to: topic, cluster: cluster)
        waitForNewSnapshot(of: table, after: generation)
        #expect(try tier() == -1)
        #expect(table.snapshot().rowCount == 0)
    }

    /// A topic table reports how fresh it is: the newest record timestamp applied so far (an older record
    /// applied later does not move it back), and for each applied batch how long after its newest record the
    /// lanes could see it. The timestamps are set by the test's producer.
    @Test func topicTableReportsItsNewestRecordAndHowLongUpdatesTook() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: quietLogger)
        let topic = "merchants-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(topic, partitions: 2)
        func now() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
        let loaded = now() - 120_000
        try produce([("m1", #"{"mcc":"m1","tier":1}"#)], to: topic, cluster: cluster, timestamp: loaded)
        let pipeline = try TopologyPipeline(
            topology: TopologyLoader.load(
                text: MerchantScenario.topology(table: "topic: \(topic)"), file: "/tmp/t.yaml"))
        #expect(try #require(pipeline.topicTables.first).table.newestRecordMilliseconds.load(ordering: .relaxed) == 0)
        let (table, feed) = try loadedTopicTable(of: pipeline, from: cluster)
        feed.follow()
        defer { feed.stop() }
        func delay() -> Int64 { table.lastApplyDelayMilliseconds.load(ordering: .relaxed) }
        #expect(table.newestRecordMilliseconds.load(ordering: .relaxed) == loaded)
        #expect((120_000..<140_000).contains(delay()), "delay after load \(delay()) ms")

        func applyAndWait(_ record: (key: String, value: String?), timestamp: Int64) throws {
            let generation = table.generation.load(ordering: .acquiring)
            try produce([record], to: topic, cluster: cluster, timestamp: timestamp)
            waitForNewSnapshot(of: table, after: generation)
        }
        let recent = now() - 5_000
        try applyAndWait(("m2", #"{"mcc":"m2","tier":2}"#), timestamp: recent)
        #expect(table.newestRecordMilliseconds.load(ordering: .relaxed) == recent)
        #expect((5_000..<25_000).contains(delay()), "delay of a follow-up batch \(delay()) ms")

        try applyAndWait(("m3", #"{"mcc":"m3","tier":3}"#), timestamp: recent - 600_000)
        #expect(table.snapshot().rowCount == 3)
        #expect(table.newestRecordMilliseconds.load(ordering: .relaxed) == recent, "an older record does not move it")
        #expect((605_000..<625_000).contains(delay()), "delay of a batch of an old record \(delay()) ms")
    }

    /// The latest login per user from a second topic, produced out of time order, against a brute-force
    /// reference: the login with the greatest time wins (the later record on a tie), and `age_ms` is the
    /// payment's time minus that login's.
    @Test func latestValueEnrichmentMatchesABruteForceReference() throws {
        var random = SplitMix(seed: 3)
        let cluster = try EmbeddedKafkaCluster(brokers: 1, logger: quietLogger)
        let topic = "logins-\(UUID().uuidString.prefix(8))"
        try cluster.createTopic(topic, partitions: 4)
        var logins: [(key: String, value: String?)] = []
        var latest: [String: (time: Int, country: String, order: Int)] = [:]
        for order in 0..<5000 {
            let user = "u\(random.next(400))"
            let time = 1_700_000_000_000 + random.next(3_600_000)
            let country = ["US", "GB", "FR", "DE"][random.next(4)]
            logins.append((user, #"{"user":"\#(user)","country":"\#(country)","ts":\#(time)}"#))
            if let best = latest[user], best.time > time { continue }
            latest[user] = (time, country, order)
        }
        // One partition per user (keyed), so "later record on a tie" is well defined.
        try produce(logins, to: topic, cluster: cluster)
        let text = """
            name: logins
            source:
              topic: payments
              event_time: ts
              schema:
                user: { type: string, required: true }
                amount: { type: double, required: true }
                ts: { type: timestamp, unit: ms, required: true }
            tables:
              last_login:
                topic: \(topic)
                key: user
                latest_by: ts
                columns:
                  user: { type: string, required: true }
                  country: { type: string }
                  ts: { type: timestamp, unit: ms, required: true }
            lookups:
              login: { table: last_login, key: user }
            features:
              login_age_s: login.age_ms / 1000
              login_abroad: login.country != "US"
              has_login: if(is_null(login.ts), 0, 1)
            sinks:
              feature_inputs: payment-features
              dead_letter: payment-dead-letters
            """
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/logins.yaml"))
        let (table, feed) = try loadedTopicTable(of: pipeline, from: cluster)
        feed.close()
        var events: [String] = []
        var users: [String] = []
        var times: [Int] = []
        for _ in 0..<3000 {
            let user = "u\(random.next(450))"
            let time = 1_700_003_600_000 + random.next(600_000)
            users.append(user)
            times.append(time)
            events.append(#"{"user":"\#(user)","amount":5,"ts":\#(time)}"#)
        }
        let features = try replayFeatures(pipeline, events: events).features
        #expect(features.count == events.count)
        var mismatches = 0
        for (index, output) in features.enumerated() {
            if let login = latest[users[index]] {
                let age = Double(times[index] - login.time) / 1000
                if output["login_age_s"] as? Double != age
                    || output["login_abroad"] as? Double != (login.country != "US" ? 1 : 0)
                    || output["has_login"] as? Double != 1
                {
                    mismatches += 1
                }
            } else if !(output["login_age_s"] is NSNull) || output["has_login"] as? Double != 0 {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        #expect(table.snapshot().rowCount == latest.count)
    }
}
