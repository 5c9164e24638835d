public import SluiceCore

/// One problem in a feature's expression, found when the features are compiled: where it is, what was
/// expected, and a likely fix.
public struct FeatureDiagnostic: Sendable, Hashable, CustomStringConvertible {
    /// Stable codes; the raw value is what logs carry.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The text is not a well-formed expression.
        case syntax = "feature.syntax"
        /// A name is neither an input nor an earlier feature.
        case unknownName = "feature.unknown_name"
        /// A function name is not one of the language's functions.
        case unknownFunction = "feature.unknown_function"
        /// A feature uses itself or a feature defined after it (which includes every cycle).
        case forwardReference = "feature.forward_reference"
        /// A feature name is malformed, repeated, or the name of an input.
        case invalidFeatureName = "feature.invalid_name"
        /// An operator or function got a value of the wrong type.
        case typeMismatch = "feature.type_mismatch"
        /// A function got too few or too many arguments.
        case argumentCount = "feature.argument_count"
        /// An argument that must be a constant (a list, a bucket count, a time zone) is not valid.
        case invalidArgument = "feature.invalid_argument"
        /// The feature's value is a string, which a feature vector cannot hold.
        case stringResult = "feature.string_result"
    }

    /// The stable code.
    public var code: Code
    /// The feature whose expression has the problem.
    public var feature: String
    /// What is wrong and what was expected.
    public var message: String
    /// A likely fix, such as the known name closest to an unknown one.
    public var suggestion: String?
    /// Where the problem starts, in characters from the start of the expression (0-based). Equal to the
    /// expression's length when the problem is its premature end.
    public var offset: Int
    /// The line of `offset` within the expression, from 1.
    public var line: Int
    /// The column of `offset` within its line, in characters, from 1.
    public var column: Int
    /// The problem's place in the topology file, when the definition had a location: `line` and `column`
    /// added to it (a first-line column counts from the expression's own column). Exact for plain YAML
    /// scalars; for quoted or folded ones the caller may prefer to map `offset` itself.
    public var fileLocation: FileLocation?

    /// A diagnostic at `offset` of `expression`, with line and column computed from it.
    init(
        _ code: Code, feature: String, message: String, suggestion: String?, offset: Int, expression: [Character],
        expressionLocation: FileLocation?
    ) {
        self.code = code
        self.feature = feature
        self.message = message
        self.suggestion = suggestion
        self.offset = offset
        var line = 1
        var column = 1
        for character in expression.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        self.line = line
        self.column = column
        self.fileLocation = expressionLocation.map { start in
            line == 1
                ? FileLocation(file: start.file, line: start.line, column: start.column + column - 1)
                : FileLocation(file: start.file, line: start.line + line - 1, column: column)
        }
    }

    /// The diagnostic as a topology diagnostic at `fileLocation`, or at `fallback` when there is none.
    public func topologyDiagnostic(fallback: FileLocation) -> TopologyDiagnostic {
        TopologyDiagnostic(
            fileLocation ?? fallback, "features.\(feature): \(message) (\(code.rawValue))", suggestion: suggestion)
    }

    /// `file:line:column: error: feature 'name': message; suggestion`, or with the line and column inside
    /// the expression when there is no file location.
    public var description: String {
        var text =
            if let fileLocation {
                "\(fileLocation): error: feature '\(feature)': \(message)"
            } else {
                "feature '\(feature)' at \(line):\(column): error: \(message)"
            }
        if let suggestion { text += "; \(suggestion)" }
        return text
    }
}

/// Features that cannot be compiled, with every problem found in them (at most one per feature).
public struct FeatureError: Error, Sendable, CustomStringConvertible {
    /// The problems, in feature order.
    public var diagnostics: [FeatureDiagnostic]

    public init(_ diagnostics: [FeatureDiagnostic]) {
        self.diagnostics = diagnostics
    }

    public var description: String {
        diagnostics.map(\.description).joined(separator: "\n")
    }
}
