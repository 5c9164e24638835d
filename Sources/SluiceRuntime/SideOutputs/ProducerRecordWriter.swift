import Logging
import SluiceCore
import SluiceKafka

/// Writes side outputs to Kafka through the runtime's producer, outside offset tracking.
struct ProducerRecordWriter: RecordWriter {
    /// The delivery context of side outputs; lane outputs never use it.
    static let untracked = UInt64.max

    private let producer: KafkaProducer
    private let topics: [String: KafkaTopic]
    private let logger: Logger

    init(producer: KafkaProducer, sinks: [SinkDescriptor], logger: Logger) throws {
        self.producer = producer
        var topics: [String: KafkaTopic] = [:]
        // A side output that cannot be delivered gives up after 30 s instead of librdkafka's default 5 minutes.
        for sink in sinks {
            topics[sink.name] = try producer.topic(sink.topic, properties: ["message.timeout.ms": "30000"])
        }
        self.topics = topics
        self.logger = logger
    }

    func write(sink: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
        guard let topic = topics[sink] else { return }
        do {
            try producer.send(to: topic, key: key, value: value, context: Self.untracked)
        } catch {
            logger.warning("a \(sink) record was refused: \(error)")
        }
    }
}
