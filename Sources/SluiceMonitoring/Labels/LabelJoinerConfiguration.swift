/// What a ``LabelJoiner`` remembers, for how long, and how it scores models.
public struct LabelJoinerConfiguration: Sendable, Hashable, Codable {
    /// What the models predict, which decides the label values accepted and the metrics computed.
    public enum Task: String, Sendable, Hashable, Codable {
        /// Scores are probabilities of the positive class; labels are 0 or 1. ROC AUC, log loss,
        /// Brier score, precision and recall.
        case binaryClassification = "binary_classification"
        /// Scores are predictions of a number; labels are any finite number. MAE and RMSE.
        case regression
    }

    /// The production model's name.
    public var primaryModel: String
    /// The shadow models' names, in the order their scores are passed to
    /// ``LabelJoiner/remember(eventID:eventTimeMs:scores:nowMs:)`` after the primary's. Default: none.
    public var shadowModels: [String]
    /// Default: binary classification.
    public var task: Task
    /// The topology's decision threshold: a score `≥` it is a positive decision. Default: 0.5.
    public var decisionThreshold: Double
    /// How long a scored event waits for its label, and a label for its event, in ms of the clock the
    /// caller passes as `nowMs` (processing time: the wall clock when the event was scored or the
    /// label consumed). An entry stored at `t` expires when the clock reaches `t + horizon`.
    /// Default: 600,000 (10 minutes).
    public var horizonMilliseconds: Int64
    /// Hard cap on scored events waiting for a label; past it the oldest is evicted. Each costs
    /// `maximumEventIDBytes + 8·models + 34` bytes plus 16–32 bytes of index, allocated at creation
    /// (135 bytes per event at the defaults with two models: 27 MB). Default: 200,000.
    public var maximumPendingEvents: Int
    /// Hard cap on labels waiting for their event's scores; past it the oldest is evicted. Each costs
    /// `maximumEventIDBytes + 34` bytes plus 16–32 bytes of index. Default: 50,000.
    public var maximumPendingLabels: Int
    /// Longest event id kept, in bytes; longer (or empty) ids are rejected and counted. Default: 64.
    public var maximumEventIDBytes: Int
    /// Labeled events in each model's sliding quality window (exact metrics). Default: 10,000.
    public var windowLabels: Int
    /// Bins of the since-start ROC AUC sketch (equal in log-odds over ±16). Default: 4,096.
    public var sinceStartAUCBins: Int

    public init(
        primaryModel: String,
        shadowModels: [String] = [],
        task: Task = .binaryClassification,
        decisionThreshold: Double = 0.5,
        horizonMilliseconds: Int64 = 600_000,
        maximumPendingEvents: Int = 200_000,
        maximumPendingLabels: Int = 50_000,
        maximumEventIDBytes: Int = 64,
        windowLabels: Int = 10_000,
        sinceStartAUCBins: Int = 4_096
    ) {
        self.primaryModel = primaryModel
        self.shadowModels = shadowModels
        self.task = task
        self.decisionThreshold = decisionThreshold
        self.horizonMilliseconds = horizonMilliseconds
        self.maximumPendingEvents = maximumPendingEvents
        self.maximumPendingLabels = maximumPendingLabels
        self.maximumEventIDBytes = maximumEventIDBytes
        self.windowLabels = windowLabels
        self.sinceStartAUCBins = sinceStartAUCBins
    }

    /// The primary followed by the shadows: the order of scores and of snapshot models.
    public var models: [String] { [primaryModel] + shadowModels }

    func validate() throws(MonitoringError) {
        let location = "labels of \(primaryModel)"
        func fail(_ message: String) -> MonitoringError {
            MonitoringError(.invalidConfiguration, message, location: location)
        }
        guard Set(models).count == models.count else { throw fail("model names must be distinct: \(models)") }
        guard decisionThreshold.isFinite else { throw fail("decisionThreshold must be finite") }
        guard horizonMilliseconds > 0 else { throw fail("horizonMilliseconds must be positive") }
        guard (1...(1 << 30)).contains(maximumPendingEvents), (1...(1 << 30)).contains(maximumPendingLabels) else {
            throw fail("maximumPendingEvents and maximumPendingLabels must lie in 1…2^30")
        }
        guard (1...4_096).contains(maximumEventIDBytes) else { throw fail("maximumEventIDBytes must lie in 1…4,096") }
        guard (1...(1 << 24)).contains(windowLabels) else { throw fail("windowLabels must lie in 1…16,777,216") }
        guard (2...(1 << 20)).contains(sinceStartAUCBins) else { throw fail("sinceStartAUCBins must lie in 2…2^20") }
    }
}
