/// How a ``KafkaConsumer`` joins its group and fetches. Offsets are never stored automatically
/// (`enable.auto.offset.store=false`): the application stores an offset once everything the message
/// caused is safe, and only stored offsets are ever committed.
public struct KafkaConsumerConfiguration: Sendable {
    /// Brokers to bootstrap from, as `host:port`. Default: none; must be set.
    public var bootstrapServers: [String]

    /// The consumer group (`group.id`). Default: none; must be set.
    public var groupID: String

    /// The client id reported to brokers (`client.id`). Default: `sluice`.
    public var clientID: String = "sluice"

    /// Where to start when the group has no committed offset (`auto.offset.reset`). Default: `.earliest`.
    public var autoOffsetReset: KafkaOffsetReset = .earliest

    /// How the group moves partitions between members (`partition.assignment.strategy`). Default: `.eager`.
    public var rebalanceProtocol: KafkaRebalanceProtocol = .eager

    /// How long the group waits for a silent member before moving its partitions (`session.timeout.ms`).
    /// Default: 10 s.
    public var sessionTimeout: Duration = .seconds(10)

    /// How often the member heartbeats (`heartbeat.interval.ms`). Default: 1 s.
    public var heartbeatInterval: Duration = .seconds(1)

    /// Longest time between polls before the member is considered stuck (`max.poll.interval.ms`).
    /// Default: 300 s.
    public var maxPollInterval: Duration = .seconds(300)

    /// How often stored offsets are committed in the background (`auto.commit.interval.ms`); nil commits
    /// only when the application calls ``KafkaConsumer/commit(_:)``. Default: 1 s.
    public var autoCommitInterval: Duration? = .seconds(1)

    /// Whether to read only committed transactional messages (`isolation.level`). Default: `true`.
    public var readsCommittedOnly: Bool = true

    /// Longest time a broker holds a fetch waiting for data (`fetch.wait.max.ms`). Apache Kafka answers as soon
    /// as data arrives, but librdkafka's mock cluster (the embedded one) answers a fetch that found no data
    /// only at this deadline, so it adds directly to latency there (its consumers use
    /// ``EmbeddedKafkaCluster/fetchWaitMax``, 1 ms). Default: 10 ms.
    public var fetchWaitMax: Duration = .milliseconds(10)

    /// Most pre-fetched data kept locally per client, in KiB (`queued.max.messages.kbytes`).
    /// Default: 65,536 (64 MiB).
    public var queuedMaxKilobytes: Int = 65_536

    /// How often librdkafka emits statistics, the source of per-partition consumer lag
    /// (`statistics.interval.ms`); nil turns them (and lag) off. Default: 5 s.
    public var statisticsInterval: Duration? = .seconds(5)

    /// Raw librdkafka properties, applied after the typed ones (so they win). An unknown name or an
    /// invalid value fails consumer creation with librdkafka's own message. Default: empty.
    public var properties: [String: String] = [:]

    /// A configuration for the given brokers and group with every other property at its default.
    public init(bootstrapServers: [String], groupID: String) {
        self.bootstrapServers = bootstrapServers
        self.groupID = groupID
    }

    /// The librdkafka properties this configuration stands for, in the order they are applied.
    public var librdkafkaProperties: [(name: String, value: String)] {
        var result: [(name: String, value: String)] = [
            ("bootstrap.servers", bootstrapServers.joined(separator: ",")),
            ("group.id", groupID),
            ("client.id", clientID),
            ("auto.offset.reset", autoOffsetReset.rawValue),
            ("partition.assignment.strategy", rebalanceProtocol.assignmentStrategy),
            ("session.timeout.ms", String(sessionTimeout.wholeMilliseconds)),
            ("heartbeat.interval.ms", String(heartbeatInterval.wholeMilliseconds)),
            ("max.poll.interval.ms", String(maxPollInterval.wholeMilliseconds)),
            ("enable.auto.offset.store", "false"),
            ("enable.auto.commit", autoCommitInterval == nil ? "false" : "true"),
            ("isolation.level", readsCommittedOnly ? "read_committed" : "read_uncommitted"),
            ("fetch.wait.max.ms", String(fetchWaitMax.wholeMilliseconds)),
            ("queued.max.messages.kbytes", String(queuedMaxKilobytes)),
            ("enable.partition.eof", "false"),
        ]
        if let autoCommitInterval {
            result.append(("auto.commit.interval.ms", String(autoCommitInterval.wholeMilliseconds)))
        }
        if let statisticsInterval {
            result.append(("statistics.interval.ms", String(statisticsInterval.wholeMilliseconds)))
        }
        result.append(contentsOf: properties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        return result
    }
}

/// Where a consumer starts on a partition that has no committed offset.
public enum KafkaOffsetReset: String, Sendable {
    /// The oldest message still in the log.
    case earliest
    /// Only messages produced after the consumer is assigned the partition.
    case latest
}

/// How a consumer group moves partitions when members join or leave.
public enum KafkaRebalanceProtocol: String, Sendable {
    /// Every member gives up all its partitions, then receives a new assignment (`range,roundrobin`).
    case eager
    /// Only the partitions that move are revoked (`cooperative-sticky`).
    case cooperative

    var assignmentStrategy: String {
        switch self {
        case .eager: "range,roundrobin"
        case .cooperative: "cooperative-sticky"
        }
    }
}
