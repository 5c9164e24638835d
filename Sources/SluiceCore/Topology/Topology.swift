/// A whole pipeline as a topology file describes it: where events come from and what they must look like,
/// what is computed from them, and where results go. Built only by ``TopologyLoader``, which checks
/// everything up front.
public struct Topology: Sendable {
    /// The pipeline's name (letters, digits, `-` and `_`); it names consumer groups and appears in outputs.
    public var name: String
    /// What the pipeline is for, in the author's words.
    public var description: String?
    /// The input topic and the schema of its events.
    public var source: SourceSpecification
    /// Keyed event-time windows, in declaration order.
    public var windows: [WindowSpecification]
    /// Reference tables lookups read, in declaration order.
    public var tables: [TableSpecification] = []
    /// Lookups of tables by an event field, in declaration order; features read their columns.
    public var lookups: [LookupSpecification] = []
    /// Named feature expressions, in declaration order (each may use the ones before it).
    public var features: [FeatureSpecification] = []
    /// The share of scored events whose feature vector goes to `sinks.feature_log`, 0...1. Default: 1 (every one).
    public var featureLogSample: Double = 1
    /// How window state is bounded and made durable.
    public var state: StateSpecification
    /// The primary model and its shadows.
    public var models: ModelsSpecification
    /// Drift monitoring against the training reference, if configured.
    public var drift: DriftSpecification?
    /// Late outcomes joined with predictions for live model quality, if configured.
    public var labels: LabelsSpecification?
    /// The topics results are written to, by role.
    public var sinks: SinkSpecification
    /// The file the topology was loaded from.
    public var file: String
    /// The first 12 hex digits of the SHA-256 of the file's text: predictions carry it, so each can be traced to
    /// the exact topology that made it.
    public var contentHash: String
}

/// The input topic and the schema of its events.
public struct SourceSpecification: Sendable {
    /// The topic to consume.
    public var topic: String
    /// The schema field that identifies an event in predictions; nil uses `topic/partition/offset`.
    public var idField: String?
    /// The payload format; only JSON objects today.
    public var format: PayloadFormat
    /// The schema field used as the event's key (windows and predictions are keyed by it); nil uses the
    /// Kafka message key.
    public var keyField: String?
    /// Where each event's event time comes from; nil means the Kafka timestamp.
    public var eventTimeField: String?
    /// Events larger than this are dead-lettered without being parsed. Default: 1 MiB.
    public var maxPayloadBytes: Int
    /// JSON nested deeper than this is dead-lettered. Default: 64.
    public var maxDepth: Int
    /// The fields the pipeline reads, in file order; nothing else of the payload is decoded.
    public var fields: [FieldSpecification]

    /// The field called `name`, if the schema has one.
    public func field(named name: String) -> FieldSpecification? {
        fields.first { $0.name == name }
    }
}

/// How event payloads are encoded.
public enum PayloadFormat: String, Sendable, CaseIterable {
    case json
}

/// One schema field: where it is in the payload, its type, and the rules a valid event obeys.
public struct FieldSpecification: Sendable, Hashable {
    /// The name features and windows use.
    public var name: String
    /// Its dotted path in the payload (`payload.amount`); the name by default.
    public var path: String
    /// Its type.
    public var type: FieldType
    /// Whether an event without it (absent or null) is invalid. Default: false.
    public var isRequired: Bool
    /// Smallest allowed value, for numbers and timestamps (epoch milliseconds).
    public var minimum: Double?
    /// Largest allowed value, for numbers and timestamps (epoch milliseconds).
    public var maximum: Double?
    /// The only allowed values, for strings (as written) and ints.
    public var allowedValues: [String]?
    /// Shortest allowed string, in Unicode scalars.
    public var minimumLength: Int?
    /// Longest allowed string, in Unicode scalars.
    public var maximumLength: Int?
    /// For timestamps: how the value is written.
    public var timestampUnit: TimestampUnit?
    /// For timestamps: how far ahead of the wall clock an event may be, in milliseconds.
    public var maximumFutureMilliseconds: Int64?
    /// Where the field was declared, for messages.
    public var location: FileLocation
}

/// The type of a schema field.
public enum FieldType: String, Sendable, CaseIterable {
    case string
    case int
    case double
    case bool
    case timestamp
}

/// How a timestamp field is written in the payload.
public enum TimestampUnit: String, Sendable, CaseIterable {
    /// Milliseconds since the epoch, as a JSON number.
    case milliseconds = "ms"
    /// Seconds since the epoch, as a JSON number (fractions allowed).
    case seconds = "s"
    /// An ISO-8601 string such as `2024-05-01T12:34:56.789Z`.
    case iso8601
}

/// The topics results are written to, by role. Each role is optional; a pipeline writes only the roles
/// it has something for.
public struct SinkSpecification: Sendable {
    /// Valid events, normalized to the schema's fields (role `events`).
    public var events: String?
    /// Invalid events with the reason, the source position and the original bytes (role `dead_letter`).
    public var deadLetter: String?
    /// The primary model's prediction for each valid event (role `predictions`).
    public var predictions: String?
    /// Each shadow model's score beside the primary's, per event (role `shadow`).
    public var shadow: String?
    /// Drift alerts, raised and resolved (role `alerts`).
    public var alerts: String?
    /// Closed windows with their final aggregates, for windows with `emit_on_close` (role `windows`).
    public var windows: String?
    /// Per valid event, every value a model can read: schema fields, window aggregates and feature columns
    /// (role `feature_inputs`), for training sets.
    public var featureInputs: String?
    /// The compacted topic window state is made durable in (role `changelog`). Default when the topology has
    /// windows: `<name>-state-changelog`.
    public var changelog: String?
    /// The feature vector the primary model scored, with the event's id, key, event time and the model's version,
    /// for every event or a sample of them (`feature_log.sample`) (role `feature_log`): training sets made of
    /// exactly what was served.
    public var featureLog: String?

    /// Every role known to Sluice, in the order they are documented.
    public static let roles = [
        "events", "predictions", "shadow", "alerts", "dead_letter", "windows", "feature_inputs", "feature_log",
        "changelog",
    ]

    /// The topics in use, by role name.
    public var topicsByRole: [(role: String, topic: String)] {
        [
            ("events", events), ("predictions", predictions), ("shadow", shadow), ("alerts", alerts),
            ("dead_letter", deadLetter), ("windows", windows), ("feature_inputs", featureInputs),
            ("feature_log", featureLog), ("changelog", changelog),
        ].compactMap { role, topic in topic.map { (role, $0) } }
    }
}

/// A place in a topology file.
public struct FileLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// Line, from 1.
    public var line: Int
    /// Column, from 1.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}
