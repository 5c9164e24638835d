/// The one error type of SluiceModels: a model file that cannot be read, parsed, trusted or used.
///
/// Every error names the file, carries a stable `code` that scripts and alerts can match on, and,
/// where one applies, a `location` inside the file (a tree, node and field; a line; a byte offset),
/// so that the message alone is enough to find and fix what is wrong.
public struct ModelError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers of the kinds of failure. The raw values never change once released.
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The file could not be opened or read (missing, a directory, no permission, too large).
        case fileUnreadable = "model.file_unreadable"
        /// The file's content is not any supported model format.
        case unrecognizedFormat = "model.unrecognized_format"
        /// The file is a model of another format than the one requested.
        case formatMismatch = "model.format_mismatch"
        /// The file is of the right format but its syntax or structure is broken.
        case malformed = "model.malformed"
        /// The file ends before the model does.
        case truncated = "model.truncated"
        /// The model's objective (its output transform) is not one Sluice evaluates.
        case unsupportedObjective = "model.unsupported_objective"
        /// The model uses a feature of its library that Sluice does not evaluate (DART, linear trees…).
        case unsupportedModel = "model.unsupported_model"
        /// A tree references a node, feature or category set that does not exist, or is not a tree.
        case invalidTree = "model.invalid_tree"
        /// The model's feature names do not match the features the topology provides.
        case featureMismatch = "model.feature_mismatch"
    }

    /// What kind of failure this is.
    public let code: Code
    /// The model file's path, as given to the loader.
    public let path: String
    /// Where in the file the problem is, e.g. `tree 3, node 17, field "left_children"`; nil when the
    /// problem is the file as a whole.
    public let location: String?
    /// What is wrong and, where it helps, what to do about it.
    public let message: String

    /// Creates an error; `location` is nil when the problem is the file as a whole.
    public init(_ code: Code, path: String, location: String? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.location = location
        self.message = message
    }

    /// `path: location: message [code]`, one line.
    public var description: String {
        var text = path + ": "
        if let location {
            text += location + ": "
        }
        return text + message + " [" + code.rawValue + "]"
    }
}
