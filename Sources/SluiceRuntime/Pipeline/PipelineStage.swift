/// The stages whose time `sluice_stage_latency_seconds{stage}` reports, in the order an event meets them.
/// docs/metrics.md says where each begins and ends.
public enum PipelineStage: Int, CaseIterable, Sendable {
    /// Scanning the event's bytes for the fields the topology names.
    case decode
    /// Checking the decoded fields against the schema, and taking the key and event time.
    case validate
    /// Updating the windows and reading their values as of the event.
    case window
    /// Filling the input vector: fields, window values and the compiled features.
    case features
    /// The primary model scoring the event.
    case score
    /// Encoding the event's outputs and handing them to the producer.
    case produce
    /// A shadow model scoring, comparing and writing its records, on the shadow's queue.
    case shadow
    /// Drift monitoring recording the event and comparing windows, on its queue.
    case monitor

    /// The `stage` label value.
    public var name: String {
        switch self {
        case .decode: "decode"
        case .validate: "validate"
        case .window: "window"
        case .features: "features"
        case .score: "score"
        case .produce: "produce"
        case .shadow: "shadow"
        case .monitor: "monitor"
        }
    }
}
