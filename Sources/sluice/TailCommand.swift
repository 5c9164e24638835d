import ArgumentParser
import Foundation
import SluiceKafka

struct TailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow a topic and print its records readably.",
        discussion: """
            Prints each record of TOPIC as `partition@offset  key  value`, one per line, JSON values as they are. \
            Starts at the end of the topic (or, with --from-beginning, at its start) and follows it until \
            SIGINT/SIGTERM or --count records.
            """
    )

    @Argument(help: "The topic to follow.")
    var topic: String

    @Option(help: "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...].")
    var brokers: String

    @Flag(help: "Start at the oldest record instead of the newest.")
    var fromBeginning = false

    @Option(help: "Stop after this many records.")
    var count: Int?

    func run() throws {
        var settings = KafkaConsumerConfiguration(
            bootstrapServers: brokers.split(separator: ",").map(String.init),
            groupID: "sluice-tail-\(UUID().uuidString)")
        settings.autoOffsetReset = fromBeginning ? .earliest : .latest
        settings.autoCommitInterval = nil
        let consumer = try KafkaConsumer(configuration: settings, logger: cliLogger(label: "sluice.tail"))
        try consumer.subscribe(topics: [topic])
        let stop = StopFlag()
        let signals = TerminationSignals { _ in stop.set() }
        var printed = 0
        while !stop.isSet, count.map({ printed < $0 }) ?? true {
            for batch in consumer.poll(timeout: .milliseconds(200)).batches {
                for message in batch {
                    let key = message.key.map { String(decoding: $0, as: UTF8.self) } ?? "-"
                    let value = message.value.map { String(decoding: $0, as: UTF8.self) } ?? "(tombstone)"
                    printOutput("\(message.partition)@\(message.offset)  \(key)  \(value)")
                    printed += 1
                    if let count, printed >= count { break }
                }
            }
        }
        consumer.close()
        withExtendedLifetime(signals) {}
    }
}
