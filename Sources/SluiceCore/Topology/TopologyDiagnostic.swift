/// One problem found in a topology file: where, what was expected, and a fix when one is obvious.
public struct TopologyDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Where the problem is.
    public var location: FileLocation
    /// What is wrong, naming the item (`source.schema.amount.min`).
    public var message: String
    /// A likely fix, such as the known name closest to an unknown one.
    public var suggestion: String?

    public init(_ location: FileLocation, _ message: String, suggestion: String? = nil) {
        self.location = location
        self.message = message
        self.suggestion = suggestion
    }

    /// `file:line:column: error: message; suggestion`, the format editors and terminals link.
    public var description: String {
        var text = "\(location): error: \(message)"
        if let suggestion { text += "; \(suggestion)" }
        return text
    }
}

/// A topology file that cannot be used, with every problem found in it.
public struct TopologyError: Error, Sendable, CustomStringConvertible {
    /// The problems, in file order.
    public var diagnostics: [TopologyDiagnostic]

    public init(_ diagnostics: [TopologyDiagnostic]) {
        self.diagnostics = diagnostics.sorted {
            ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column)
        }
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
