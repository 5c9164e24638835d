/// Why the telemetry server could not start.
public struct TelemetryError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Stable codes, one per kind of failure.
    public enum Code: String, Sendable {
        /// ``TelemetryServerConfiguration/host`` is not an IP address or `localhost`.
        case invalidHost = "telemetry.invalid-host"
        /// The port is outside 0…65535.
        case invalidPort = "telemetry.invalid-port"
        /// Non-loopback address with admin routes enabled and no token.
        case adminTokenRequired = "telemetry.admin-token-required"
        /// An empty or whitespace-only admin token.
        case invalidAdminToken = "telemetry.invalid-admin-token"
        /// socket, bind or listen failed (port in use, address not on this machine, …).
        case listenFailed = "telemetry.listen-failed"
        /// ``TelemetryServer/start()`` on a server that is running or was stopped.
        case invalidState = "telemetry.invalid-state"
    }

    public var code: Code
    /// What went wrong and what to do about it.
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(message) [\(code.rawValue)]"
    }
}
