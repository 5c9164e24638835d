import Foundation
import Logging
import Testing

@testable import SluiceKafka

/// `sluice broker` speaks Kafka to an independent client (kcat), and SluiceKafka reads and writes what
/// that client writes and reads.
@Suite(.serialized) struct KcatInteroperabilityTests {
    private var logger: Logger {
        var logger = Logger(label: "test")
        logger.logLevel = .warning
        return logger
    }

    @Test func kcatAndSluiceKafkaExchangeMessagesThroughSluiceBroker() throws {
        let kcat = try program("kcat")
        let broker = try ExternalProcess(
            try sluiceExecutable(),
            ["broker", "--topic", "from-kcat:2", "--topic", "from-sluice:2"])
        let bootstrap = broker.firstLine()
        #expect(bootstrap.hasPrefix("127.0.0.1:"), "first line is the bootstrap servers: \(bootstrap)")

        // kcat → sluice broker → SluiceKafka: keys, values, a header, explicit partition.
        let lines = (0..<50).map { "key-\($0)\tvalue \($0) with spaces and ünïcödé" }.joined(separator: "\n") + "\n"
        let producer = try ExternalProcess(
            kcat, ["-P", "-b", bootstrap, "-t", "from-kcat", "-p", "1", "-K", "\t", "-H", "origin=kcat"],
            standardInput: Data(lines.utf8))
        let produced = producer.finish(timeout: 30)
        #expect(produced.status == 0, "kcat producer: \(produced.errors)")

        var settings = KafkaConsumerConfiguration(bootstrapServers: [bootstrap], groupID: "interop")
        settings.fetchWaitMax = .milliseconds(20)
        let consumer = try KafkaConsumer(configuration: settings, logger: logger)
        try consumer.subscribe(topics: ["from-kcat"])
        var received: [(partition: Int32, key: String, value: String, origin: String?)] = []
        let deadline = ContinuousClock.now + .seconds(30)
        while received.count < 50, ContinuousClock.now < deadline {
            for batch in consumer.poll(timeout: .milliseconds(100)).batches {
                for message in batch {
                    received.append(
                        (
                            message.partition,
                            String(
                                decoding: message.key ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self),
                            String(
                                decoding: message.value ?? UnsafeRawBufferPointer(start: nil, count: 0), as: UTF8.self),
                            message.header(named: "origin").map { String(decoding: $0, as: UTF8.self) }
                        ))
                }
            }
        }
        consumer.close()
        #expect(received.map(\.key) == (0..<50).map { "key-\($0)" })
        #expect(received.map(\.value) == (0..<50).map { "value \($0) with spaces and ünïcödé" })
        #expect(received.allSatisfy { $0.partition == 1 && $0.origin == "kcat" })

        // SluiceKafka → sluice broker → kcat.
        let sluiceProducer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]), logger: logger
        ) { _ in }
        let topic = try sluiceProducer.topic("from-sluice")
        for index in 0..<40 {
            try sluiceProducer.send(
                to: topic, partition: Int32(index % 2), key: Array("k\(index)".utf8),
                value: Array("v\(index)".utf8), headers: [KafkaHeader(name: "origin", text: "sluice")])
        }
        try sluiceProducer.flush()
        let reader = try ExternalProcess(
            kcat, ["-C", "-b", bootstrap, "-t", "from-sluice", "-o", "beginning", "-e", "-f", "%p|%k|%s|%h\n"])
        let read = reader.finish(timeout: 30)
        #expect(read.status == 0, "kcat consumer: \(read.errors)")
        let rows = read.output.split(separator: "\n").map { $0.split(separator: "|", omittingEmptySubsequences: false) }
        #expect(rows.count == 40)
        for partition in ["0", "1"] {
            let values = rows.filter { $0[0] == partition }.map { String($0[2]) }
            let expected = (0..<40).filter { "\($0 % 2)" == partition }.map { "v\($0)" }
            #expect(values == expected, "partition \(partition) in order")
        }
        #expect(rows.allSatisfy { $0.count == 4 && $0[1] == "k\($0[2].dropFirst())" && $0[3] == "origin=sluice" })

        // kcat joins a consumer group on the embedded cluster too.
        let groupReader = try ExternalProcess(
            kcat,
            [
                "-C", "-b", bootstrap, "-G", "kcat-group", "from-sluice", "-c", "40", "-f", "%s\n",
                "-X", "auto.offset.reset=earliest",
            ])
        let grouped = groupReader.finish(timeout: 45)
        #expect(grouped.status == 0, "kcat group consumer: \(grouped.errors)")
        #expect(Set(grouped.output.split(separator: "\n").map(String.init)) == Set((0..<40).map { "v\($0)" }))

        broker.send(SIGTERM)
        let ended = broker.finish(timeout: 20)
        #expect(ended.status == 0, "sluice broker exits cleanly on SIGTERM: \(ended.errors)")
    }
}
