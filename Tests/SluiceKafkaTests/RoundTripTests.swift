import Foundation
import Testing

@testable import SluiceKafka

@Suite(.serialized) struct RoundTripTests {
    @Test func roundTripKeepsKeysValuesHeadersTimestampsAndPartitionOrder() throws {
        let cluster = try EmbeddedKafkaCluster(brokers: 3, logger: quietLogger)
        let topic = uniqueName("round-trip")
        try cluster.createTopic(topic, partitions: 3, replicationFactor: 2)
        let deliveries = DeliveryLog()
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) {
            deliveries.record($0)
        }
        let handle = try producer.topic(topic)
        var sent: [Int32: [(key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader], timestamp: Int64)]] = [:]
        for index in 0..<300 {
            let partition = Int32(index % 3)
            let key: [UInt8]? = index % 10 == 0 ? nil : Array("key-\(index)".utf8)
            // Every 25th message is a tombstone; binary bytes (including 0) must survive.
            let value: [UInt8]? = index % 25 == 0 ? nil : Array("value-\(index)".utf8) + [0, 255, UInt8(index % 256)]
            let headers =
                index % 2 == 0
                ? [KafkaHeader(name: "trace", text: "t\(index)"), KafkaHeader(name: "empty", value: nil)] : []
            let timestamp = Int64(1_700_000_000_000 + index)
            try producer.send(
                to: handle, partition: partition, key: key, value: value, headers: headers,
                timestamp: timestamp, context: UInt64(index))
            sent[partition, default: []].append((key, value, headers, timestamp))
        }
        try producer.flush()
        #expect(deliveries.count == 300)
        #expect(deliveries.all.allSatisfy { $0.error == nil && $0.offset >= 0 })
        #expect(Set(deliveries.all.map(\.context)) == Set((0..<300).map(UInt64.init)))

        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: uniqueName("g")),
            logger: quietLogger)
        try consumer.subscribe(topics: [topic])
        let received = consume(consumer, count: 300)
        #expect(received.count == 300)
        for partition in Int32(0)..<3 {
            let got = received.filter { $0.partition == partition }
            let expected = sent[partition] ?? []
            #expect(got.map(\.offset) == Array(0..<Int64(expected.count)), "partition \(partition) order")
            #expect(got.map(\.key) == expected.map(\.key))
            #expect(got.map(\.value) == expected.map(\.value))
            #expect(got.map(\.headers) == expected.map(\.headers))
            #expect(got.map(\.timestamp) == expected.map(\.timestamp))
        }
        consumer.close()
    }

    @Test func deliveryReportsCarryTheCallersContextAndOffset() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("context")
        try cluster.createTopic(topic, partitions: 1)
        let deliveries = DeliveryLog()
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) {
            deliveries.record($0)
        }
        let handle = try producer.topic(topic)
        let contexts: [UInt64] = [7, UInt64.max, 0, 1 << 40]
        for context in contexts {
            try producer.send(to: handle, key: nil, value: Array("x".utf8), context: context)
        }
        try producer.flush()
        let reports = deliveries.all.sorted { $0.offset < $1.offset }
        #expect(reports.map(\.context) == contexts)
        #expect(reports.map(\.offset) == [0, 1, 2, 3])
    }

    @Test func consumerLagComesFromLibrdkafkaStatistics() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("lag")
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) { _ in }
        let handle = try producer.topic(topic)
        for index in 0..<50 {
            try producer.send(to: handle, partition: Int32(index % 2), key: nil, value: Array("v".utf8))
        }
        try producer.flush()
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: uniqueName("g")),
            logger: quietLogger)
        try consumer.subscribe(topics: [topic])
        // Read everything but commit only 10 on partition 0: lag there is 15, on partition 1 it is 25.
        _ = consume(consumer, count: 50)
        try consumer.commit([KafkaTopicPartition(topic: topic, partition: 0): 10])
        let p0 = KafkaTopicPartition(topic: topic, partition: 0)
        let p1 = KafkaTopicPartition(topic: topic, partition: 1)
        let sawLag = waitUntil(timeout: .seconds(10)) {
            _ = consumer.poll(maxMessages: 10, timeout: .milliseconds(50))
            let lag = consumer.consumerLag
            return lag[p0] == 15 && lag[p1] == 25
        }
        #expect(sawLag, "lag seen: \(consumer.consumerLag)")
        consumer.close()
    }
}
