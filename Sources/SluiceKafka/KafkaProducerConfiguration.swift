/// How a ``KafkaProducer`` talks to Kafka. Every property maps to a librdkafka property; anything not
/// covered here can be passed through ``properties``.
public struct KafkaProducerConfiguration: Sendable {
    /// Brokers to bootstrap from, as `host:port`. Default: none; must be set.
    public var bootstrapServers: [String]

    /// The client id reported to brokers (`client.id`). Default: `sluice`.
    public var clientID: String = "sluice"

    /// Whether the producer is idempotent (`enable.idempotence`): retries never duplicate or
    /// reorder messages within a partition. Default: `true`.
    public var isIdempotent: Bool = true

    /// How long to wait for more messages before sending a batch (`linger.ms`). Default: 5 ms.
    public var linger: Duration = .milliseconds(5)

    /// Most messages in one batch to a partition (`batch.num.messages`). Default: 10,000.
    public var batchMessages: Int = 10_000

    /// Most messages waiting in the local queue (`queue.buffering.max.messages`). When it is full,
    /// `send` waits for deliveries and retries; nothing is dropped. Default: 500,000.
    public var queueMaxMessages: Int = 500_000

    /// Most bytes waiting in the local queue, in KiB (`queue.buffering.max.kbytes`). Default: 262,144 (256 MiB).
    public var queueMaxKilobytes: Int = 262_144

    /// How long librdkafka keeps retrying a message before reporting it failed (`message.timeout.ms`).
    /// Default: 300 s.
    public var messageTimeout: Duration = .seconds(300)

    /// Compression of produced batches (`compression.codec`). Default: `.none`.
    public var compression: KafkaCompression = .none

    /// Transactional id (`transactional.id`) for exactly-once output; nil for a plain idempotent producer.
    /// Default: nil.
    public var transactionalID: String? = nil

    /// How often librdkafka emits statistics (`statistics.interval.ms`); nil turns them off. Default: nil.
    public var statisticsInterval: Duration? = nil

    /// Whether librdkafka's own threads for this producer (its main thread and one per broker) run at the
    /// lowest scheduling priority, `SCHED_IDLE` on Linux: they then get a core only when nothing else wants it.
    /// For outputs that must never take CPU from the rest of the process (shadow records); a no-op elsewhere.
    /// Default: false.
    public var runsAtIdlePriority: Bool = false

    /// Raw librdkafka properties, applied after the typed ones (so they win). An unknown name or an
    /// invalid value fails producer creation with librdkafka's own message. Default: empty.
    public var properties: [String: String] = [:]

    /// A configuration for the given brokers with every other property at its default.
    public init(bootstrapServers: [String]) {
        self.bootstrapServers = bootstrapServers
    }

    /// The librdkafka properties this configuration stands for, in the order they are applied.
    public var librdkafkaProperties: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("client.id", clientID),
            ("enable.idempotence", isIdempotent ? "true" : "false"),
            ("linger.ms", String(linger.wholeMilliseconds)),
            ("batch.num.messages", String(batchMessages)),
            ("queue.buffering.max.messages", String(queueMaxMessages)),
            ("queue.buffering.max.kbytes", String(queueMaxKilobytes)),
            ("message.timeout.ms", String(messageTimeout.wholeMilliseconds)),
            ("compression.codec", compression.rawValue),
        ]
        if let transactionalID { result.append(("transactional.id", transactionalID)) }
        if let statisticsInterval {
            result.append(("statistics.interval.ms", String(statisticsInterval.wholeMilliseconds)))
        }
        result.append(contentsOf: properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return result
    }
}

/// Compression codecs librdkafka can apply to produced batches.
public enum KafkaCompression: String, Sendable, CaseIterable {
    case none
    case gzip
    case snappy
    case lz4
    case zstd
}

extension Duration {
    /// The duration in whole milliseconds, rounded down.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
