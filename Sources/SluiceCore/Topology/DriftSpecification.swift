/// Drift monitoring declared under `drift:` in a topology: what is compared with the training reference,
/// how often, and when an alert is raised.
public struct DriftSpecification: Sendable, Hashable {
    /// The reference profile (`sluice profile` writes it), resolved against the topology's directory.
    public var reference: String
    /// Feature inputs to monitor (schema fields, window values, features); nil monitors the primary model's
    /// features. Default: nil.
    public var features: [String]?
    /// A window of the live distribution closes after this many events (0: no count limit). Default: 10,000.
    public var windowEvents: Int = 10_000
    /// A window closes after this much event time, in milliseconds (0: no time limit). Default: 0.
    public var windowMilliseconds: Int64 = 0
    /// Statistics computed per window, by name (`psi`, `ks`, `js`, `wasserstein`, `chi2`); nil computes the
    /// defaults. Default: nil.
    public var statistics: [String]?
    /// Warning and critical thresholds per statistic name, replacing the defaults for those statistics.
    public var thresholds: [String: (warning: Double, critical: Double)] = [:]
    /// A change detector run over the primary's scores: `adwin`, `page_hinkley` or nil. Default: `adwin`.
    public var scoreDetector: String? = "adwin"
    /// The detector's sensitivity (ADWIN's delta; Page–Hinkley's threshold); nil keeps River's default.
    public var detectorParameter: Double?
    /// Breaching windows in a row before an alert fires, and clean windows in a row before it resolves.
    /// Default: 3 and 3.
    public var consecutiveWindows: Int = 3
    public var resolveWindows: Int = 3
    /// Least time between two alerts for the same feature and statistic, in milliseconds. Default: 30 min.
    public var cooldownMilliseconds: Int64 = 1_800_000
    /// Where each alert is also POSTed as JSON, if anywhere.
    public var webhook: WebhookSpecification?
    /// Where the section was declared.
    public var location: FileLocation

    public static func == (lhs: DriftSpecification, rhs: DriftSpecification) -> Bool {
        lhs.reference == rhs.reference && lhs.features == rhs.features && lhs.windowEvents == rhs.windowEvents
            && lhs.location == rhs.location
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(reference)
        hasher.combine(location)
    }
}

/// An HTTP endpoint that receives every drift alert as a JSON POST.
public struct WebhookSpecification: Sendable, Hashable {
    /// `http://` or `https://` URL.
    public var url: String
    /// Longest wait for one delivery, in milliseconds. Default: 2 s.
    public var timeoutMilliseconds: Int64 = 2_000
    /// Attempts per alert before it is counted as failed. Default: 3.
    public var attempts: Int = 3
    /// Alerts waiting to be delivered; beyond it new alerts are counted as dropped. Default: 1,000.
    public var queueCapacity: Int = 1_000
}

/// A topic of late-arriving outcomes (`labels:` in a topology), joined with scored events by event id to measure
/// every model's live quality.
public struct LabelsSpecification: Sendable, Hashable {
    /// The labels topic; each record is a JSON object.
    public var topic: String
    /// Dotted path of the event id in a label (it must equal the event's `source.id` value).
    public var idPath: String
    /// Dotted path of the outcome: 0/1 or true/false for classifiers, a number for regressors.
    public var outcomePath: String
    /// How long a scored event waits for its label (and a label for its event), in milliseconds. Default: 10 min.
    public var horizonMilliseconds: Int64 = 600_000
    /// Where the section was declared.
    public var location: FileLocation
}
