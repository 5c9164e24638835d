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
    /// Where the model was declared.
    public var location: FileLocation
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
