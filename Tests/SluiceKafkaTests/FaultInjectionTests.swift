import Foundation
import Testing

@testable import SluiceKafka

@Suite(.serialized) struct FaultInjectionTests {
    @Test func idempotentProducerDeliversEveryMessageOnceAndInOrderAcrossABrokerOutage() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: quietLogger)
        let topic = uniqueName("outage")
        try cluster.createTopic(topic, partitions: 1, replicationFactor: 3)
        try cluster.setPartitionLeader(topic: topic, partition: 0, broker: 1)
        let deliveries = DeliveryLog()
        var configuration = producerConfiguration(cluster)
        configuration.properties["reconnect.backoff.max.ms"] = "500"
        let producer = try KafkaProducer(configuration: configuration, logger: quietLogger) { deliveries.record($0) }
        let handle = try producer.topic(topic)
        let total = 3000
        for index in 0..<total {
            if index == 1000 { try cluster.setBrokerDown(1) }
            if index == 2000 {
                // Messages keep queueing locally while the leader is away; it comes back after a while.
                Thread.sleep(forTimeInterval: 1.0)
                try cluster.setBrokerUp(1)
            }
            try producer.send(
                to: handle, partition: 0, key: nil, value: Array("\(index)".utf8),
                context: UInt64(index))
        }
        try producer.flush(timeout: .seconds(60))
        #expect(deliveries.count == total)
        #expect(deliveries.all.allSatisfy { $0.error == nil })

        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: uniqueName("g")),
            logger: quietLogger)
        try consumer.subscribe(topics: [topic])
        // Everything, then a second more to catch any duplicate.
        let received = consume(consumer, count: total) + consume(consumer, count: 1, timeout: .seconds(1))
        let values = received.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(values == (0..<total).map { "\($0)" }, "every message exactly once, in order")
        consumer.close()
    }

    @Test func injectedProduceErrorSurfacesAsASwiftErrorWithLibrdkafkasText() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("refused")
        try cluster.createTopic(topic, partitions: 1)
        let deliveries = DeliveryLog()
        var configuration = producerConfiguration(cluster)
        configuration.isIdempotent = false
        let producer = try KafkaProducer(configuration: configuration, logger: quietLogger) { deliveries.record($0) }
        let handle = try producer.topic(topic)
        // A non-retriable broker error for the next produce request.
        cluster.injectRequestErrors(.produce, [.topicAuthorizationFailed])
        try producer.send(to: handle, partition: 0, key: nil, value: Array("refused".utf8), context: 41)
        try producer.flush()
        let refused = try #require(deliveries.all.first { $0.context == 41 })
        let error = try #require(refused.error)
        #expect(error.operation == .produce)
        #expect(error.code == .topicAuthorizationFailed)
        #expect(error.message.contains("Topic authorization failed"))
        #expect(error.message.contains(topic))

        // librdkafka remembers the topic's permanent error: the next send to it fails at once, as a Swift error.
        #expect {
            try producer.send(to: handle, partition: 0, key: nil, value: Array("again".utf8))
        } throws: { error in
            (error as? KafkaError)?.code == .topicAuthorizationFailed
        }
        // The producer itself is fine: another topic still accepts messages.
        let other = uniqueName("accepted")
        try cluster.createTopic(other, partitions: 1)
        try producer.send(to: try producer.topic(other), key: nil, value: Array("ok".utf8), context: 42)
        try producer.flush()
        #expect(deliveries.all.first { $0.context == 42 }.map { $0.error == nil } == true)
    }

    @Test func oversizedMessageIsRefusedSynchronouslyWithLibrdkafkasText() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("oversized")
        try cluster.createTopic(topic, partitions: 1)
        var configuration = producerConfiguration(cluster)
        configuration.properties["message.max.bytes"] = "10000"
        let producer = try KafkaProducer(configuration: configuration, logger: quietLogger) { _ in }
        let handle = try producer.topic(topic)
        #expect {
            try producer.send(to: handle, key: nil, value: [UInt8](repeating: 1, count: 20_000))
        } throws: { error in
            guard let error = error as? KafkaError else { return false }
            return error.code == .messageSizeTooLarge && error.message.contains("too large")
        }
    }

    @Test func fullLocalQueueIsWaitedOutNotDropped() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("full-queue")
        try cluster.createTopic(topic, partitions: 1)
        try cluster.setRoundTripDelay(broker: 1, .milliseconds(50))
        let deliveries = DeliveryLog()
        var configuration = producerConfiguration(cluster)
        configuration.queueMaxMessages = 100
        let producer = try KafkaProducer(configuration: configuration, logger: quietLogger) { deliveries.record($0) }
        let handle = try producer.topic(topic)
        for index in 0..<2000 {
            try producer.send(to: handle, partition: 0, key: nil, value: Array("\(index)".utf8), context: UInt64(index))
        }
        try producer.flush()
        #expect(producer.queueFullWaitCount > 0)
        #expect(deliveries.count == 2000)
        #expect(deliveries.all.allSatisfy { $0.error == nil })
        #expect(deliveries.all.sorted { $0.offset < $1.offset }.map(\.context) == (0..<2000).map(UInt64.init))
    }
}
