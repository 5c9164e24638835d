/// Where ``TelemetryServer`` listens, who may use its admin routes, and how much a client may ask of it.
public struct TelemetryServerConfiguration: Sendable {
    /// The address to listen on: an IPv4 or IPv6 literal, or `localhost`. Anything but a loopback address
    /// (127.0.0.0/8, ::1) exposes the admin routes beyond this machine, so ``TelemetryServer/start()`` then
    /// requires ``adminToken`` (or ``isAdminEnabled`` false). Default: `127.0.0.1`.
    public var host: String = "127.0.0.1"

    /// The TCP port; 0 lets the system pick a free one (read it from ``TelemetryServer/port``).
    /// Default: 9464 (the port registered for Prometheus exporters of this kind).
    public var port: Int = 9464

    /// The bearer token admin requests must carry (`Authorization: Bearer <token>`). Checked on every
    /// admin request whenever set, whatever the address; required to start on a non-loopback address.
    /// Default: nil.
    public var adminToken: String?

    /// Whether `/api/admin/…` routes are served at all; when false they answer 403. Default: `true`.
    public var isAdminEnabled: Bool = true

    /// Most bytes of a request line plus headers; beyond them the answer is 431. Default: 16 KiB.
    public var maxHeaderBytes: Int = 16 * 1024

    /// Most bytes of a request body; beyond them the answer is 413. Default: 64 KiB.
    public var maxBodyBytes: Int = 64 * 1024

    /// How long a client may take to send one whole request, from its first byte (from the connection's
    /// start for the first request); then it gets 408 and the connection closes. Default: 10 s.
    public var requestTimeout: Duration = .seconds(10)

    /// How long a kept-alive connection may sit idle between requests before it is closed. Default: 5 s.
    public var idleTimeout: Duration = .seconds(5)

    /// How long writing one response may take before the connection is dropped. Default: 10 s.
    public var writeTimeout: Duration = .seconds(10)

    /// Most connections served at once; one more is answered 503 and closed. Each open connection holds a
    /// thread while it waits, so this also bounds the server's threads. Default: 32.
    public var maxConnections: Int = 32

    /// Most requests served on one kept-alive connection before it is closed. Default: 1000.
    public var maxRequestsPerConnection: Int = 1000

    /// The listen backlog. Default: 64.
    public var backlog: Int32 = 64

    /// A configuration with every property at its default.
    public init() {}

    /// A configuration for this address, every other property at its default.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
}
