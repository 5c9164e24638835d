import Foundation
import Logging
import Testing

@testable import SluiceKafka

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `sluice run` with a topic table: the table is read to its end before the pipeline is ready, followed while it
/// runs, and read again on restart, including what changed while the process was down.
@Suite(.serialized) struct TableProcessTests {
    static let logger: Logger = {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return logger
    }()

    static func produce(_ records: [(key: String, value: String?)], topic: String, bootstrap: String) throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger
        ) { _ in }
        let handle = try producer.topic(topic)
        for record in records {
            let value = record.value.map { Array($0.utf8) }
            try Array(record.key.utf8).withUnsafeBytes { key in
                if let value {
                    try value.withUnsafeBytes { try producer.send(to: handle, key: key, value: $0) }
                } else {
                    try producer.send(to: handle, key: key, value: nil)
                }
            }
        }
        try producer.flush()
        try producer.close()
    }

    /// The `tier` feature of each payment id in `topic`, read until `count` arrived.
    static func tiers(_ topic: String, bootstrap: String, count: Int) throws -> [Int: Double] {
        var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "check-\(UUID().uuidString)")
        settings.fetchWaitMax = .milliseconds(20)
        let consumer = try KafkaConsumer(configuration: settings, logger: logger)
        try consumer.subscribe(topics: [topic])
        var tiers: [Int: Double] = [:]
        let deadline = ContinuousClock.now + .seconds(60)
        while tiers.count < count, ContinuousClock.now < deadline {
            for batch in consumer.poll(maxMessages: 4096, timeout: .milliseconds(100)).batches {
                for message in batch {
                    guard let value = message.value,
                        let object = (try? JSONSerialization.jsonObject(with: Data(value))) as? [String: Any],
                        let id = object["id"] as? Int, let tier = object["tier"] as? Double
                    else { continue }
                    tiers[id] = tier
                }
            }
        }
        consumer.close()
        return tiers
    }

    @Test func restartReadsTheTableAgainBeforeItIsReady() throws {
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker", "--topic", "payments:2", "--topic", "merchants:3", "--topic", "features:2", "--topic", "dlq:1"])
        let bootstrap = broker.firstLine()
        defer {
            broker.send(SIGTERM)
            _ = broker.finish(timeout: 10)
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let topology = directory.appendingPathComponent("t.yaml").path
        try """
        name: table-restart
        source:
          topic: payments
          id: id
          schema:
            id: { type: int, required: true }
            mcc: { type: string, required: true }
        tables:
          merchants:
            topic: merchants
            key: mcc
            columns:
              mcc: { type: string, required: true }
              tier: { type: int }
        lookups:
          merchant: { table: merchants, key: mcc }
        features:
          tier: coalesce(merchant.tier, -1)
        sinks:
          feature_inputs: features
          dead_letter: dlq
        """.write(toFile: topology, atomically: true, encoding: .utf8)
        let merchants = 20_000
        let producedFrom = Date().timeIntervalSince1970 - 1
        try Self.produce(
            (0..<merchants).map { ("m\($0)", #"{"mcc":"m\#($0)","tier":\#($0 % 7)}"#) }, topic: "merchants",
            bootstrap: bootstrap)

        func runUntilReady() throws -> (ExternalProcess, String) {
            let port = try freeLoopbackPort()
            let run = try ExternalProcess(
                try sluiceExecutable(),
                [
                    "run", topology, "--brokers", bootstrap, "--group", "tables", "--status-interval", "0",
                    "--telemetry-port", "\(port)",
                ])
            let base = "http://127.0.0.1:\(port)"
            #expect(waitFor(seconds: 90) { get("\(base)/readyz")?.status == 200 }, "the pipeline became ready")
            return (run, base)
        }
        func payments(_ ids: Range<Int>) throws {
            try Self.produce(
                ids.map { id in ("p\(id)", #"{"id":\#(id),"mcc":"m\#(id * 7919 % (merchants + 100))"}"#) },
                topic: "payments", bootstrap: bootstrap)
        }

        // First run: every payment right after readiness sees the whole table.
        var (run, base) = try runUntilReady()
        try payments(0..<2000)
        var tiers = try Self.tiers("features", bootstrap: bootstrap, count: 2000)
        #expect(tiers.count == 2000)
        var wrong = (0..<2000).filter { id in
            let key = id * 7919 % (merchants + 100)
            return tiers[id] != (key < merchants ? Double(key % 7) : -1)
        }
        #expect(wrong.isEmpty, "\(wrong.count) payments joined the wrong row, e.g. \(wrong.prefix(3))")
        #expect(
            waitFor(seconds: 10) {
                (get("\(base)/metrics")?.body ?? "").contains(#"sluice_table_rows{table="merchants"} 20000"#)
            })
        // The newest row's Kafka timestamp is when this test produced it.
        let freshness = (get("\(base)/metrics")?.body ?? "").split(separator: "\n").first {
            $0.hasPrefix(#"sluice_table_newest_record_timestamp_seconds{table="merchants"} "#)
        }
        let newest = freshness.flatMap { $0.split(separator: " ").last }.flatMap { Double($0) } ?? 0
        #expect(newest >= producedFrom && newest <= Date().timeIntervalSince1970, "\(String(describing: freshness))")
        run.send(SIGTERM)
        #expect(run.finish(timeout: 60).status == 0)

        // While it is down: every merchant m0..m999 changes tier to 100, m1000..m1999 are deleted.
        try Self.produce(
            (0..<1000).map { ("m\($0)", #"{"mcc":"m\#($0)","tier":100}"#) } + (1000..<2000).map { ("m\($0)", nil) },
            topic: "merchants", bootstrap: bootstrap)
        (run, base) = try runUntilReady()
        defer {
            run.send(SIGTERM)
            _ = run.finish(timeout: 60)
        }
        try payments(2000..<4000)
        tiers = try Self.tiers("features", bootstrap: bootstrap, count: 4000)
        wrong = (2000..<4000).filter { id in
            let key = id * 7919 % (merchants + 100)
            let expected: Double = key < 1000 ? 100 : key < 2000 || key >= merchants ? -1 : Double(key % 7)
            return tiers[id] != expected
        }
        #expect(
            wrong.isEmpty, "\(wrong.count) payments after the restart joined the wrong row, e.g. \(wrong.prefix(3))")
        #expect(
            waitFor(seconds: 10) {
                (get("\(base)/metrics")?.body ?? "").contains(#"sluice_table_rows{table="merchants"} 19000"#)
            })
    }
}
