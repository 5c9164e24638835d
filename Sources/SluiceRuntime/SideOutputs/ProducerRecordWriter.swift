import Logging
import SluiceCore
import SluiceKafka

/// Writes side outputs to Kafka through the runtime's producer, outside offset tracking.
struct ProducerRecordWriter: RecordWriter {
    /// Bit 63 of a delivery context: set on side outputs, never on lane outputs.
    static let untrackedBit: UInt64 = 1 << 63

    /// The delivery context of a side output to output topic `output` (its index in ``RuntimeCounters``, in the
    /// bits ``LaneSlots/output(of:)`` reads).
    static func context(output: Int) -> UInt64 {
        untrackedBit | (UInt64(truncatingIfNeeded: output) & 0x7FFF) << 48
    }

    /// Whether a delivery context is a side output's.
    @inline(__always)
    static func isUntracked(_ context: UInt64) -> Bool {
        context & untrackedBit != 0
    }

    private let producer: KafkaProducer
    private let topics: [String: (topic: KafkaTopic, context: UInt64)]
    private let logger: Logger

    init(producer: KafkaProducer, sinks: [SinkDescriptor], counters: RuntimeCounters, logger: Logger) throws {
        self.producer = producer
        var topics: [String: (topic: KafkaTopic, context: UInt64)] = [:]
        // A side output that cannot be delivered gives up after 30 s instead of librdkafka's default 5 minutes.
        for sink in sinks {
            topics[sink.name] = (
                try producer.topic(sink.topic, properties: ["message.timeout.ms": "30000"]),
                Self.context(output: counters.outputIndex(topic: sink.topic))
            )
        }
        self.topics = topics
        self.logger = logger
    }

    func write(sink: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
        guard let (topic, context) = topics[sink] else { return }
        do {
            try producer.send(to: topic, key: key, value: value, context: context)
        } catch {
            logger.warning("a \(sink) record was refused: \(error)")
        }
    }
}
