/// What `GET /api/status` answers and the dashboard draws. Every field is optional: the runtime fills what it
/// has, the dashboard leaves out what is missing. Times are seconds (latencies too), instants are seconds
/// since the Unix epoch. JSON keys are the property names.
public struct TelemetryStatus: Codable, Sendable, Equatable {
    /// The topology this process runs.
    public var topology: Topology?
    /// When this status was made; the server fills it if nil.
    public var generatedAt: Double?
    /// Seconds since the pipeline started; the server fills in the process' uptime if nil.
    public var uptimeSeconds: Double?
    /// The server fills it from the readiness check if nil.
    public var readiness: ReadinessState?
    /// Event rates and totals.
    public var throughput: Throughput?
    /// Latency percentiles per stage (decode, validate, window, features, score, …).
    public var stages: [Latency]?
    /// From consuming an event to the acknowledgement of its last output.
    public var endToEndLatency: Latency?
    /// Assigned partitions with their lag and state.
    public var partitions: [Partition]?
    /// Loaded models: the primary and its shadows.
    public var models: [Model]?
    /// Shadow models compared with the primary.
    public var shadows: [Shadow]?
    /// Drift per monitored feature (and score).
    public var drift: [Drift]?
    /// Dead letters by reason, since start.
    public var deadLetters: [DeadLetters]?
    /// Recent alerts, newest first.
    public var alerts: [Alert]?

    public init(
        topology: Topology? = nil, generatedAt: Double? = nil, uptimeSeconds: Double? = nil,
        readiness: ReadinessState? = nil, throughput: Throughput? = nil, stages: [Latency]? = nil,
        endToEndLatency: Latency? = nil, partitions: [Partition]? = nil, models: [Model]? = nil,
        shadows: [Shadow]? = nil, drift: [Drift]? = nil, deadLetters: [DeadLetters]? = nil, alerts: [Alert]? = nil
    ) {
        self.topology = topology
        self.generatedAt = generatedAt
        self.uptimeSeconds = uptimeSeconds
        self.readiness = readiness
        self.throughput = throughput
        self.stages = stages
        self.endToEndLatency = endToEndLatency
        self.partitions = partitions
        self.models = models
        self.shadows = shadows
        self.drift = drift
        self.deadLetters = deadLetters
        self.alerts = alerts
    }

    public struct Topology: Codable, Sendable, Equatable {
        public var name: String
        /// The topology file's content hash, to tell which revision runs.
        public var hash: String?

        public init(name: String, hash: String? = nil) {
            self.name = name
            self.hash = hash
        }
    }

    public struct ReadinessState: Codable, Sendable, Equatable {
        public var ready: Bool
        /// Why not, when not ready.
        public var reason: String?

        public init(ready: Bool, reason: String? = nil) {
            self.ready = ready
            self.reason = reason
        }

        public init(_ readiness: Readiness) {
            switch readiness {
            case .ready: self.init(ready: true)
            case .notReady(let reason): self.init(ready: false, reason: reason)
            }
        }
    }

    public struct Throughput: Codable, Sendable, Equatable {
        /// Events consumed per second, recently. Without it the dashboard derives a rate from ``consumedTotal``.
        public var consumedPerSecond: Double?
        /// Records produced per second, recently (from ``producedTotal`` when missing).
        public var producedPerSecond: Double?
        public var consumedTotal: Int?
        public var producedTotal: Int?
        /// Events consumed whose outputs are not yet all acknowledged.
        public var inflight: Int?

        public init(
            consumedPerSecond: Double? = nil, producedPerSecond: Double? = nil, consumedTotal: Int? = nil,
            producedTotal: Int? = nil, inflight: Int? = nil
        ) {
            self.consumedPerSecond = consumedPerSecond
            self.producedPerSecond = producedPerSecond
            self.consumedTotal = consumedTotal
            self.producedTotal = producedTotal
            self.inflight = inflight
        }
    }

    /// Latency percentiles of one stage or model, in seconds.
    public struct Latency: Codable, Sendable, Equatable {
        /// The stage or model measured (`decode`, `fraud-v3`).
        public var name: String
        public var p50: Double?
        public var p90: Double?
        public var p99: Double?
        public var max: Double?
        /// Observations behind the percentiles.
        public var count: Int?

        public init(
            name: String, p50: Double? = nil, p90: Double? = nil, p99: Double? = nil, max: Double? = nil,
            count: Int? = nil
        ) {
            self.name = name
            self.p50 = p50
            self.p90 = p90
            self.p99 = p99
            self.max = max
            self.count = count
        }

        /// Percentiles estimated from a histogram's buckets (``HistogramSnapshot/quantile(_:)``); no `max`.
        public init(name: String, snapshot: HistogramSnapshot) {
            self.init(
                name: name, p50: snapshot.quantile(0.5), p90: snapshot.quantile(0.9), p99: snapshot.quantile(0.99),
                count: snapshot.count)
        }
    }

    public struct Partition: Codable, Sendable, Equatable {
        public var topic: String
        public var partition: Int
        /// Messages behind the high watermark.
        public var lag: Int?
        /// `restoring`, `running`, `paused`, `draining`, … as the runtime names them.
        public var state: String?
        /// The last committed offset.
        public var committedOffset: Int?

        public init(topic: String, partition: Int, lag: Int? = nil, state: String? = nil, committedOffset: Int? = nil) {
            self.topic = topic
            self.partition = partition
            self.lag = lag
            self.state = state
            self.committedOffset = committedOffset
        }
    }

    public struct Model: Codable, Sendable, Equatable {
        public var name: String
        public var version: String?
        /// `primary` or `shadow`.
        public var role: String?
        /// Seconds per scored vector.
        public var latency: Latency?
        /// Vectors scored since start.
        public var scored: Int?

        public init(
            name: String, version: String? = nil, role: String? = nil, latency: Latency? = nil, scored: Int? = nil
        ) {
            self.name = name
            self.version = version
            self.role = role
            self.latency = latency
            self.scored = scored
        }
    }

    public struct Shadow: Codable, Sendable, Equatable {
        /// The shadow model.
        public var model: String
        /// The primary it is compared with.
        public var primary: String?
        /// Share of recent events on which the two agree, 0…1.
        public var agreement: Double?
        /// Events compared since start.
        public var compared: Int?
        /// Events the shadow skipped because its queue was full.
        public var skipped: Int?

        public init(
            model: String, primary: String? = nil, agreement: Double? = nil, compared: Int? = nil, skipped: Int? = nil
        ) {
            self.model = model
            self.primary = primary
            self.agreement = agreement
            self.compared = compared
            self.skipped = skipped
        }
    }

    public struct Drift: Codable, Sendable, Equatable {
        /// The feature (or `score`).
        public var feature: String
        /// The model whose inputs or output it is.
        public var model: String?
        /// `psi`, `ks`, `chi2`, `adwin`, …
        public var statistic: String?
        public var value: Double?
        /// The value at which a warning is raised.
        public var warn: Double?
        /// The value at which an alert is raised.
        public var alert: Double?
        /// `ok`, `warn` or `alert`, after hysteresis.
        public var severity: String?

        public init(
            feature: String, model: String? = nil, statistic: String? = nil, value: Double? = nil,
            warn: Double? = nil, alert: Double? = nil, severity: String? = nil
        ) {
            self.feature = feature
            self.model = model
            self.statistic = statistic
            self.value = value
            self.warn = warn
            self.alert = alert
            self.severity = severity
        }
    }

    public struct DeadLetters: Codable, Sendable, Equatable {
        /// The reason code (`missing-field`, `type-mismatch`, `malformed-json`, …).
        public var reason: String
        public var count: Int

        public init(reason: String, count: Int) {
            self.reason = reason
            self.count = count
        }
    }

    public struct Alert: Codable, Sendable, Equatable {
        /// When it was raised, seconds since the epoch.
        public var time: Double?
        /// `warn` or `alert` (or `info` when one clears).
        public var severity: String
        public var model: String?
        public var feature: String?
        public var message: String

        public init(
            time: Double? = nil, severity: String, model: String? = nil, feature: String? = nil, message: String
        ) {
            self.time = time
            self.severity = severity
            self.model = model
            self.feature = feature
            self.message = message
        }
    }
}
