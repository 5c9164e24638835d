/// An error from SluiceMonitoring: a stable code, a message a user can act on, and where it applies.
public struct MonitoringError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Stable identifiers; their raw values never change meaning.
    public enum Code: String, Sendable, Hashable {
        /// A reference profile could not be read or has an unsupported format.
        case invalidProfile = "monitoring.invalid_profile"
        /// A feature named in a monitor configuration is missing from the reference profile.
        case unknownFeature = "monitoring.unknown_feature"
        /// A configuration value is out of range.
        case invalidConfiguration = "monitoring.invalid_configuration"
        /// A profile feature saw no non-null value, so it has no distribution to compare with.
        case emptyFeature = "monitoring.empty_feature"
    }

    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String
    /// The feature, model or file the error is about, when there is one.
    public var location: String?

    public init(_ code: Code, _ message: String, location: String? = nil) {
        self.code = code
        self.message = message
        self.location = location
    }

    public var description: String {
        if let location { return "\(code.rawValue): \(location): \(message)" }
        return "\(code.rawValue): \(message)"
    }
}
