import ArgumentParser
import Foundation
import SluiceKafka

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate synthetic card transactions, to Kafka at a steady rate or to a file.",
        discussion: """
            Card transactions as JSON events — event_id, card_id, amount, mcc, country, channel, ts — from \
            10,000 cards with a home country and typical spend, about 2% fraud (larger amounts, foreign \
            countries, risky merchant categories, bursts), and with --shift-at a distribution shift from that \
            event on (prices up 60%, more online spending) for drift monitoring to catch.

            To Kafka:  sluice generate transactions --brokers HOST:PORT --rate 20000 --duration 60 \\
                         --labels-topic fraud-outcomes
            To a file: sluice generate --output training.jsonl --count 200000 --with-labels
            """
    )

    @Argument(help: "The topic to produce to (not needed with --output).")
    var topic: String?

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...].")
    var brokers: String?

    @Option(help: "Events per second when producing to Kafka.")
    var rate: Int = 10_000

    @Option(help: "How many events to generate (default: unlimited to Kafka, 100,000 to a file).")
    var count: Int?

    @Option(help: "Seconds to run when producing to Kafka (default: until SIGINT/SIGTERM or --count).")
    var duration: Int?

    @Option(help: "The event number from which the distribution shifts.")
    var shiftAt: Int?

    @Option(help: "A topic for the fraud labels, each sent --label-delay after its event.")
    var labelsTopic: String?

    @Option(help: "Seconds between an event and its label.")
    var labelDelay: Double = 2

    @Option(help: "Write JSON lines to this file instead of producing to Kafka.")
    var output: String?

    @Flag(help: "In a file, include each event's fraud label (is_fraud, 0 or 1), for training.")
    var withLabels = false

    @Option(help: "Random seed; the same seed gives the same events.")
    var seed: UInt64 = 2026

    func validate() throws {
        guard output != nil || (topic != nil && brokers != nil) else {
            throw ValidationError("give a TOPIC and --brokers to produce to Kafka, or --output FILE")
        }
        guard rate > 0 else { throw ValidationError("--rate must be positive") }
    }

    func run() throws {
        var generator = SyntheticTransactions(seed: seed)
        generator.shiftAt = shiftAt
        if let output {
            let total = count ?? 100_000
            _ = FileManager.default.createFile(atPath: output, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: output) else {
                throw ValidationError("cannot write \(output)")
            }
            var buffer = ""
            for _ in 0..<total {
                buffer += SyntheticTransactions.json(generator.next(), withLabel: withLabels) + "\n"
                if buffer.utf8.count > 1 << 20 {
                    handle.write(Data(buffer.utf8))
                    buffer = ""
                }
            }
            handle.write(Data(buffer.utf8))
            try handle.close()
            printError("sluice generate: \(total) events written to \(output)")
            return
        }
        try produce(&generator)
    }

    private func produce(_ generator: inout SyntheticTransactions) throws {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(
                bootstrapServers: brokers!.split(separator: ",").map(String.init)),
            logger: cliLogger(label: "sluice.generate")
        ) { _ in }
        let events = try producer.topic(topic!)
        let labels = try labelsTopic.map { try producer.topic($0) }
        let stop = StopFlag()
        let signals = TerminationSignals { _ in stop.set() }
        var pendingLabels: [(due: ContinuousClock.Instant, body: String)] = []
        let start = ContinuousClock.now
        var sent = 0
        var lastReport = start
        while !stop.isSet {
            let now = ContinuousClock.now
            if let duration, now - start >= .seconds(duration) { break }
            if let count, sent >= count { break }
            let due = Int((now - start).seconds * Double(rate))
            while sent < due, count.map({ sent < $0 }) ?? true {
                let transaction = generator.next(millisecondsApart: 1000 / Double(rate))
                let body = SyntheticTransactions.json(transaction)
                try producer.send(to: events, key: Array("card-\(transaction.card)".utf8), value: Array(body.utf8))
                if labels != nil {
                    pendingLabels.append(
                        (now + .milliseconds(Int(labelDelay * 1000)), SyntheticTransactions.labelJSON(transaction)))
                }
                sent += 1
            }
            if let labels {
                while let first = pendingLabels.first, first.due <= now {
                    try producer.send(to: labels, key: nil, value: Array(first.body.utf8))
                    pendingLabels.removeFirst()
                }
            }
            if now - lastReport >= .seconds(5) {
                lastReport = now
                printError("sluice generate: \(sent) events (\(Int(Double(sent) / (now - start).seconds))/s)")
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
        try producer.close()
        withExtendedLifetime(signals) {}
        printError("sluice generate: \(sent) events sent to \(topic!)")
    }
}

/// A flag set from a signal handler and read by a loop.
final class StopFlag: @unchecked Sendable {
    // @unchecked: a single Bool behind a lock.
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
