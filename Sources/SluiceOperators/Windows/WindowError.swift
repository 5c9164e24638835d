/// Why the window engine refused a configuration or a piece of restored state.
public struct WindowError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable codes; the raw value is what logs and dead letters carry.
    public enum Code: String, Sendable, Hashable {
        /// A window definition or the engine configuration is invalid.
        case invalidDefinition = "window.invalid_definition"
        /// Encoded state is damaged: bad checksum, truncated, or impossible values.
        case corruptState = "window.corrupt_state"
        /// Encoded state was written by another format version or for other window definitions.
        case incompatibleState = "window.incompatible_state"
        /// A keyspace index is out of range.
        case unknownKeyspace = "window.unknown_keyspace"
    }

    /// The stable code.
    public var code: Code
    /// What is wrong and, where possible, what to do about it.
    public var message: String
    /// The window the problem belongs to, when there is one.
    public var window: String?

    /// An error with its code, message and, when there is one, window.
    public init(_ code: Code, _ message: String, window: String? = nil) {
        self.code = code
        self.message = message
        self.window = window
    }

    public var description: String {
        if let window { return "\(code.rawValue): window '\(window)': \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
