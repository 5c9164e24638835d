public import SluiceCore

/// One `name: expression` entry of a topology's `features`.
public struct FeatureDefinition: Sendable, Hashable {
    /// The feature's name: a letter or `_`, then letters, digits and `_`. Later features refer to it by it.
    public var name: String
    /// The expression, as written.
    public var expression: String
    /// Where the expression's first character is in the topology file, when known; diagnostics then
    /// carry a file location as well as an offset. Default: nil.
    public var location: FileLocation?

    /// A feature called `name` computing `expression`, written at `location`.
    public init(_ name: String, _ expression: String, location: FileLocation? = nil) {
        self.name = name
        self.expression = expression
        self.location = location
    }
}
