/// One entry of a topology's `features`: a named expression over schema fields, window aggregates and earlier
/// features, compiled when the pipeline starts (see `docs/features.md`).
public struct FeatureSpecification: Sendable, Hashable {
    /// The feature's name; later features and model feature lists refer to it by it.
    public var name: String
    /// The expression, as written.
    public var expression: String
    /// Where the expression's first character is in the topology file.
    public var location: FileLocation
}
