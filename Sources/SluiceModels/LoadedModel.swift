/// A model loaded from a file, with what identifies it: its format, path and content version.
public struct LoadedModel: Sendable {
    /// The evaluator.
    public let model: any ScoringModel
    /// The format the file was read as.
    public let format: ModelFormat
    /// The file's path, as given to the loader.
    public let path: String
    /// The model's version: the first 12 hex characters of the SHA-256 of the file's bytes.
    public let version: String
    /// The full SHA-256 of the file's bytes, 64 hex characters.
    public let contentHash: String

    /// Creates a loaded model record; `ModelLoader` is the usual way to get one.
    public init(model: any ScoringModel, format: ModelFormat, path: String, contentHash: String) {
        self.model = model
        self.format = format
        self.path = path
        self.contentHash = contentHash
        self.version = String(contentHash.prefix(12))
    }

    /// Compares the model's feature names with the ones a topology provides.
    public func compareFeatures(with provided: [String]) -> FeatureNameComparison {
        FeatureNameComparison(modelFeatures: model.featureNames, provided: provided)
    }

    /// Throws `featureMismatch` naming every model feature the topology does not provide (and, when
    /// `allowExtra` is false, every provided feature the model does not read).
    public func checkFeatures(_ provided: [String], allowExtra: Bool = true) throws(ModelError) {
        let comparison = compareFeatures(with: provided)
        if let problem = comparison.problem(allowExtra: allowExtra) {
            throw ModelError(.featureMismatch, path: path, location: "feature_names", problem)
        }
    }
}
