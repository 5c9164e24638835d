import CRDKafka
import Foundation
import SluiceKafka

/// The ceiling every Sluice stage is measured against: a minimal single-threaded loop on librdkafka's
/// C API — batch consume, produce a copy to the output topic, serve delivery reports — with the same client
/// settings as Sluice's own consumer and producer, and no per-message Swift allocation.
enum RawLoopBenchmark {
    /// Moves `expected` preloaded messages from `input` to `output`; returns seconds from the first message
    /// consumed to the last delivery acknowledged.
    static func run(bootstrapServers: String, input: String, output: String, expected: Int) throws -> Double {
        var consumerSettings = KafkaConsumerConfiguration(
            bootstrapServers: [bootstrapServers],
            groupID: "raw-loop-\(UInt32.random(in: 0...UInt32.max))")
        consumerSettings.autoCommitInterval = nil
        consumerSettings.statisticsInterval = nil
        let producerSettings = KafkaProducerConfiguration(bootstrapServers: [bootstrapServers])

        let delivered = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        delivered.initialize(to: 0)
        defer { delivered.deallocate() }

        let producerConf = try RawLoopBenchmark.configuration(producerSettings.librdkafkaProperties)
        rd_kafka_conf_set_opaque(producerConf, UnsafeMutableRawPointer(delivered))
        rd_kafka_conf_set_dr_msg_cb(producerConf) { _, message, opaque in
            guard let message, message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR, let opaque else { return }
            opaque.assumingMemoryBound(to: Int.self).pointee += 1
        }
        var errorText = [CChar](repeating: 0, count: 512)
        guard let producer = rd_kafka_new(RD_KAFKA_PRODUCER, producerConf, &errorText, errorText.count) else {
            throw KafkaError(.client, message: "raw loop producer: \(text(errorText))")
        }
        defer { rd_kafka_destroy(producer) }
        let outputTopic = rd_kafka_topic_new(producer, output, nil)
        defer { rd_kafka_topic_destroy(outputTopic) }

        let consumerConf = try RawLoopBenchmark.configuration(consumerSettings.librdkafkaProperties)
        guard let consumer = rd_kafka_new(RD_KAFKA_CONSUMER, consumerConf, &errorText, errorText.count) else {
            throw KafkaError(.client, message: "raw loop consumer: \(text(errorText))")
        }
        defer {
            rd_kafka_consumer_close(consumer)
            rd_kafka_destroy(consumer)
        }
        rd_kafka_poll_set_consumer(consumer)
        let topics = rd_kafka_topic_partition_list_new(1)
        rd_kafka_topic_partition_list_add(topics, input, RD_KAFKA_PARTITION_UA)
        rd_kafka_subscribe(consumer, topics)
        rd_kafka_topic_partition_list_destroy(topics)
        let queue = rd_kafka_queue_get_consumer(consumer)
        defer { rd_kafka_queue_destroy(queue) }

        let batchSize = 1024
        let messages = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: batchSize)
        defer { messages.deallocate() }
        var consumed = 0
        var start: ContinuousClock.Instant? = nil
        let deadline = ContinuousClock.now + .seconds(300)
        while delivered.pointee < expected, ContinuousClock.now < deadline {
            // Take what is fetched without waiting for a full batch; block only when nothing is there.
            var count = consumed < expected ? rd_kafka_consume_batch_queue(queue, 0, messages, batchSize) : 0
            if count == 0, consumed < expected { count = rd_kafka_consume_batch_queue(queue, 100, messages, 1) }
            if count > 0, start == nil { start = .now }
            for index in 0..<max(count, 0) {
                guard let message = messages[index] else { continue }
                if message.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                    while rd_kafka_produce(
                        outputTopic, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                        message.pointee.payload, message.pointee.len, message.pointee.key,
                        message.pointee.key_len, nil) != 0
                    {
                        rd_kafka_poll(producer, 1)
                    }
                    consumed += 1
                }
                rd_kafka_message_destroy(message)
            }
            rd_kafka_poll(producer, consumed >= expected ? 10 : 0)
        }
        guard let start, delivered.pointee >= expected else {
            throw KafkaError(.timeout, message: "raw loop delivered \(delivered.pointee) of \(expected)")
        }
        return (ContinuousClock.now - start).seconds
    }

    private static func configuration(_ properties: [(name: String, value: String)]) throws -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties where rd_kafka_conf_set(conf, name, value, &errorText, 512) != RD_KAFKA_CONF_OK
        {
            throw KafkaError(.configuration, message: "\(name): \(text(errorText))")
        }
        return conf
    }
}

/// The text of a NUL-terminated C buffer.
private func text(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

extension Duration {
    /// The duration in seconds, as a Double.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
