import Foundation
import Logging
import Synchronization

@testable import SluiceKafka

/// A topic or group name no other test uses.
func uniqueName(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}

/// Keeps librdkafka's routine connection chatter out of test output.
let quietLogger: Logger = {
    var logger = Logger(label: "sluice.test")
    logger.logLevel = .warning
    return logger
}()

/// A consumed message copied out of its batch.
struct ReceivedMessage: Equatable, Sendable {
    var partition: Int32
    var offset: Int64
    var key: [UInt8]?
    var value: [UInt8]?
    var headers: [KafkaHeader]
    var timestamp: Int64?

    init(_ message: KafkaMessage) {
        partition = message.partition
        offset = message.offset
        key = message.key.map { Array($0) }
        value = message.value.map { Array($0) }
        headers = message.headers
        timestamp = message.timestamp?.milliseconds
    }
}

/// Collects delivery reports; thread-safe.
final class DeliveryLog: Sendable {
    private let reports = Mutex<[KafkaDeliveryReport]>([])

    func record(_ report: KafkaDeliveryReport) {
        reports.withLock { $0.append(report) }
    }

    var all: [KafkaDeliveryReport] { reports.withLock { $0 } }
    var count: Int { reports.withLock { $0.count } }
}

/// Polls until `count` messages arrived or `timeout` passed; returns what arrived.
func consume(_ consumer: KafkaConsumer, count: Int, timeout: Duration = .seconds(20)) -> [ReceivedMessage] {
    var received: [ReceivedMessage] = []
    let deadline = ContinuousClock.now + timeout
    while received.count < count, ContinuousClock.now < deadline {
        let result = consumer.poll(maxMessages: 500, timeout: .milliseconds(100))
        for batch in result.batches {
            for message in batch { received.append(ReceivedMessage(message)) }
        }
    }
    return received
}

/// Waits until `condition` holds or `timeout` passes; returns whether it held.
func waitUntil(timeout: Duration = .seconds(20), _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return condition()
}

func producerConfiguration(_ cluster: EmbeddedKafkaCluster) -> KafkaProducerConfiguration {
    var configuration = KafkaProducerConfiguration(bootstrapServers: [cluster.bootstrapServers])
    configuration.linger = .milliseconds(1)
    return configuration
}

func consumerConfiguration(_ cluster: EmbeddedKafkaCluster, group: String) -> KafkaConsumerConfiguration {
    var configuration = KafkaConsumerConfiguration(bootstrapServers: [cluster.bootstrapServers], groupID: group)
    configuration.autoCommitInterval = nil
    configuration.sessionTimeout = .seconds(6)
    configuration.statisticsInterval = .milliseconds(200)
    configuration.fetchWaitMax = .milliseconds(20)
    return configuration
}
