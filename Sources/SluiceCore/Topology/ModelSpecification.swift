/// A model declared under `models:` in a topology.
public struct ModelSpecification: Sendable, Hashable {
    /// The model's name, as predictions report it (`fraud-v3`).
    public var name: String
    /// The model file, resolved against the topology file's directory.
    public var path: String
    /// `xgboost`, `lightgbm` or `linear`; nil to detect it from the file.
    public var format: String?
    /// A binary model's positive decision: score ≥ threshold. Default: 0.5.
    public var threshold: Double
    /// The feature names in the model's input order, when the model file does not name them. Default: the
    /// names in the model file.
    public var features: [String]?
    /// A shadow's claim on the CPU (`priority`); ignored for the primary. Default: ``ShadowPriority/idle``.
    public var shadowPriority: ShadowPriority = .idle
    /// Where the model was declared.
    public var location: FileLocation

    /// A model as a topology declares it.
    public init(
        name: String, path: String, format: String? = nil, threshold: Double = 0.5, features: [String]? = nil,
        shadowPriority: ShadowPriority = .idle, location: FileLocation
    ) {
        self.name = name
        self.path = path
        self.format = format
        self.threshold = threshold
        self.features = features
        self.shadowPriority = shadowPriority
        self.location = location
    }
}

/// How a shadow model's thread competes with the lanes for the CPU.
public enum ShadowPriority: String, Sendable, Hashable, CaseIterable {
    /// Only CPU the lanes leave (Linux `SCHED_IDLE`): the shadow can never slow the primary; at saturation it
    /// scores a sample of the events and counts the rest as skipped.
    case idle
    /// Like any thread: the shadow scores more of the events at saturation, taking CPU the lanes would have had
    /// (it still never makes the primary wait, and still skips past its backlog bound).
    case normal
}

/// The models of a topology: one primary, whose predictions are the pipeline's output, and any number of
/// shadows scored on the same feature vectors.
public struct ModelsSpecification: Sendable, Hashable {
    public var primary: ModelSpecification?
    public var shadows: [ModelSpecification] = []

    public init() {}

    /// Every model, primary first.
    public var all: [ModelSpecification] { (primary.map { [$0] } ?? []) + shadows }
}
