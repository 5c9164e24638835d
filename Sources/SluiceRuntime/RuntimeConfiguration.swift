public import SluiceKafka

/// How a ``PipelineRuntime`` consumes, bounds its lanes and commits.
public struct RuntimeConfiguration: Sendable {
    /// Topics to consume. Default: none; must be set.
    public var inputTopics: [String]

    /// The consumer's Kafka settings (brokers, group, ...).
    public var consumer: KafkaConsumerConfiguration

    /// The producer's Kafka settings for all outputs.
    public var producer: KafkaProducerConfiguration

    /// Most messages taken per poll; a poll returns early with what is there. Default: 4,096.
    public var maxPollMessages: Int = 4096

    /// A lane with more than this many messages queued or outputs unacknowledged pauses its partition.
    /// It sits well above what a healthy lane holds (one fetch of a partition, up to
    /// `max.partition.fetch.bytes` = 1 MiB, is ~9,000 small events), because a pause makes librdkafka drop
    /// what it prefetched for the partition. Default: 25,000.
    public var laneHighWatermark: Int = 25_000

    /// A paused lane resumes its partition when it is back under this many. Default: 10,000.
    public var laneLowWatermark: Int = 10_000

    /// When all lanes together have more than this many in flight, the poll loop stops taking messages until
    /// they are back under ``processLowWatermark``; with librdkafka's prefetch cap
    /// (`queued.max.messages.kbytes`) this bounds the memory of the whole process whatever the number of
    /// partitions (about 100 MB for 250,000 small events with their outputs). Default: 250,000.
    public var processHighWatermark: Int = 250_000

    /// The poll loop takes messages again when all lanes together are back under this many. Default: 150,000.
    public var processLowWatermark: Int = 150_000

    /// Most partitions one process can own at once. Default: 1,024.
    public var maxLanes: Int = 1024

    /// Most batches per lane whose outputs may be unacknowledged at once; a lane that reaches it waits.
    /// Rounded up to a power of two. Default: 8,192.
    public var checkpointsPerLane: Int = 8192

    /// How often idle lanes store committable offsets and run their timers. Default: 100 ms.
    public var tickInterval: Duration = .milliseconds(100)

    /// Longest wait, on revoke or shutdown, for a lane's outputs to be acknowledged. Default: 30 s.
    public var drainTimeout: Duration = .seconds(30)

    /// A configuration with every tuning value at its default.
    public init(inputTopics: [String], consumer: KafkaConsumerConfiguration, producer: KafkaProducerConfiguration) {
        self.inputTopics = inputTopics
        self.consumer = consumer
        self.producer = producer
    }
}
