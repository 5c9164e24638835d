import ArgumentParser
import Dispatch
import Foundation
import SluiceKafka

struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Serve an embedded Kafka cluster on loopback for other programs.",
        discussion: """
            Starts librdkafka's mock Kafka cluster: real Kafka protocol on 127.0.0.1, usable by any Kafka \
            client (kcat, Java, Python). The first line of standard output is the bootstrap servers string; \
            the cluster runs until SIGINT or SIGTERM.

            Topics can be created up front with --topic; a topic produced to while unknown is created with \
            4 partitions. Each partition keeps only about the last 5 MB of messages. This is a development \
            and test cluster: it keeps nothing on disk.

            Example:
              sluice broker --brokers 3 --topic transactions:12 --topic fraud-scores:12
            """
    )

    @Option(help: "Number of brokers in the cluster.")
    var brokers: Int = 1

    @Option(name: .customLong("topic"), help: "A topic to create, as NAME:PARTITIONS. Repeat for more topics.")
    var topics: [TopicSpecification] = []

    func validate() throws {
        guard (1...32).contains(brokers) else { throw ValidationError("--brokers must be between 1 and 32") }
    }

    func run() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: brokers, logger: cliLogger(label: "sluice.broker"))
        for topic in topics {
            try cluster.createTopic(
                topic.name, partitions: topic.partitions,
                replicationFactor: min(brokers, 3))
        }
        printOutput(cluster.bootstrapServers)
        let topicList = topics.map { "\($0.name) (\($0.partitions) partitions)" }.joined(separator: ", ")
        printError(
            "sluice broker: \(brokers) broker(s) at \(cluster.bootstrapServers)"
                + (topics.isEmpty ? "" : "; topics: \(topicList)") + ". Stop with Ctrl-C.")
        let done = DispatchSemaphore(value: 0)
        let signals = TerminationSignals { _ in done.signal() }
        done.wait()
        withExtendedLifetime(signals) {}
        printError("sluice broker: stopped")
    }
}

/// A topic to create, written `NAME:PARTITIONS` on the command line.
struct TopicSpecification: ExpressibleByArgument {
    var name: String
    var partitions: Int

    init?(argument: String) {
        let parts = argument.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, let partitions = Int(parts[1]), partitions > 0 else { return nil }
        name = String(parts[0])
        self.partitions = partitions
    }

    static var defaultCompletionKind: CompletionKind { .default }
}
