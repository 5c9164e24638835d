import Dispatch
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process' HTTP endpoint: Prometheus metrics, health and readiness, the status API, the admin API and the
/// dashboard. HTTP/1.1 on plain POSIX sockets; connections are accepted on a Dispatch source and each one is
/// served on a queue of its own, with bounded waits (see ``TelemetryServerConfiguration``).
///
/// | route | answers |
/// |---|---|
/// | `GET /metrics` | the registry in the Prometheus text format 0.0.4 |
/// | `GET /healthz` | 200 `ok` while the process serves |
/// | `GET /readyz` | 200 `ready`, or 503 `not ready: <reason>` (``setReadinessCheck(_:)``) |
/// | `GET /api/status` | ``TelemetryStatus`` as JSON (``setStatusProvider(_:)``) |
/// | `POST /api/admin/<action>` | the result of the handler registered for ``AdminAction`` |
/// | `GET /` | the dashboard |
///
/// Lifecycle: idle → running (``start()``) → stopped (``stop()``); a stopped server does not start again.
public final class TelemetryServer: Sendable {
    /// The configuration the server was made with.
    public let configuration: TelemetryServerConfiguration
    /// What `/metrics` renders.
    public let registry: MetricRegistry
    let logger: Logger

    private enum Lifecycle {
        case idle
        case running(Listener)
        case stopped
    }

    /// The listening socket and the source that accepts on it.
    private struct Listener: @unchecked Sendable {
        // @unchecked: `source` is a DispatchSource, thread-safe by libdispatch's contract but not marked Sendable
        // in swift-corelibs-libdispatch.
        var socket: ListeningSocket
        var source: any DispatchSourceRead
        var closed: DispatchSemaphore
    }

    private struct Handlers {
        var readiness: (@Sendable () -> Readiness)?
        var status: (@Sendable () throws -> TelemetryStatus)?
        var admin: [AdminAction: AdminHandler] = [:]
    }

    private struct Connections {
        var open: Set<Int32> = []
        var isStopping = false
    }

    private let lifecycle = Mutex(Lifecycle.idle)
    private let handlers = Mutex(Handlers())
    private let connections = Mutex(Connections())
    private let connectionGroup = DispatchGroup()
    private let acceptQueue = DispatchQueue(label: "sluice.telemetry.accept")
    let startedAt = ContinuousClock.now

    /// A server that will listen where `configuration` says and export `registry`. Nothing happens before
    /// ``start()``.
    public init(
        configuration: TelemetryServerConfiguration = TelemetryServerConfiguration(),
        registry: MetricRegistry = .shared,
        logger: Logger = Logger(label: "sluice.telemetry")
    ) {
        self.configuration = configuration
        self.registry = registry
        self.logger = logger
    }

    deinit {
        stop()
    }

    // MARK: Handlers

    /// What `/readyz` (and the status' readiness) reports; called on every such request, so it must be cheap.
    /// Until one is set the server reports not ready.
    public func setReadinessCheck(_ check: @escaping @Sendable () -> Readiness) {
        handlers.withLock { $0.readiness = check }
    }

    /// What `/api/status` answers. A thrown error answers 500 with its description. Until one is set the status
    /// holds only what the server fills in (time, uptime, readiness).
    public func setStatusProvider(_ provider: @escaping @Sendable () throws -> TelemetryStatus) {
        handlers.withLock { $0.status = provider }
    }

    /// The handler of `POST /api/admin/<action.name>`, replacing any earlier one.
    public func setAdminHandler(_ action: AdminAction, _ handler: @escaping AdminHandler) {
        handlers.withLock { $0.admin[action] = handler }
    }

    var readinessCheck: (@Sendable () -> Readiness)? { handlers.withLock { $0.readiness } }
    var statusProvider: (@Sendable () throws -> TelemetryStatus)? { handlers.withLock { $0.status } }
    func adminHandler(_ action: AdminAction) -> AdminHandler? { handlers.withLock { $0.admin[action] } }
    var adminActions: [AdminAction] { handlers.withLock { Array($0.admin.keys) } }

    // MARK: Lifecycle

    /// The port the server listens on while running (the system's pick when configured as 0), else nil.
    public var port: Int? {
        lifecycle.withLock { state in
            if case .running(let listener) = state { return listener.socket.port }
            return nil
        }
    }

    /// Whether the configured address is a loopback one (admin then works without a token).
    public var isLoopbackOnly: Bool {
        ListenAddress(host: configuration.host, port: 0)?.isLoopback ?? false
    }

    /// Binds, listens and starts accepting. Throws ``TelemetryError`` for an address that cannot be used, a
    /// port in use, or admin routes on a non-loopback address without ``TelemetryServerConfiguration/adminToken``.
    public func start() throws(TelemetryError) {
        guard (0...65535).contains(configuration.port) else {
            throw TelemetryError(.invalidPort, "port \(configuration.port) is outside 0…65535")
        }
        guard let address = ListenAddress(host: configuration.host, port: UInt16(configuration.port)) else {
            throw TelemetryError(
                .invalidHost, "host \"\(configuration.host)\" is not an IPv4 or IPv6 address (or localhost)")
        }
        if let token = configuration.adminToken, token.allSatisfy(\.isWhitespace) {
            throw TelemetryError(.invalidAdminToken, "the admin token is empty; set a long random one, or none")
        }
        if !address.isLoopback && configuration.isAdminEnabled && configuration.adminToken == nil {
            throw TelemetryError(
                .adminTokenRequired,
                "listening on \(configuration.host) exposes the admin API beyond this machine: set an admin token, "
                    + "disable the admin API, or listen on 127.0.0.1")
        }
        try lifecycle.withLock { (state: inout Lifecycle) throws(TelemetryError) in
            guard case .idle = state else {
                throw TelemetryError(.invalidState, "the telemetry server starts once; make a new one")
            }
            let socket = try ListeningSocket.open(address, backlog: configuration.backlog)
            let source = DispatchSource.makeReadSource(fileDescriptor: socket.descriptor, queue: acceptQueue)
            let closed = DispatchSemaphore(value: 0)
            source.setEventHandler { [weak self] in
                self?.acceptPending(on: socket.descriptor)
            }
            source.setCancelHandler {
                socket.close()
                closed.signal()
            }
            state = .running(Listener(socket: socket, source: source, closed: closed))
            source.resume()
            logger.info(
                "telemetry server listening",
                metadata: ["address": "\(configuration.host):\(socket.port)", "admin": "\(adminMode(address))"])
        }
    }

    /// Stops accepting, closes the listening socket, shuts open connections down and waits (up to 5 s) for
    /// their handlers to finish. Safe to call more than once.
    public func stop() {
        let listener: Listener? = lifecycle.withLock { state in
            defer { state = .stopped }
            if case .running(let listener) = state { return listener }
            return nil
        }
        guard let listener else { return }
        listener.source.cancel()
        listener.closed.wait()
        connections.withLock { connections in
            connections.isStopping = true
            for descriptor in connections.open {
                // Wakes the handler's poll; the handler closes the descriptor itself.
                _ = shutdown(descriptor, Int32(SHUT_RDWR))
            }
        }
        if connectionGroup.wait(timeout: .now() + .seconds(5)) == .timedOut {
            logger.warning("telemetry server stopped with a request handler still running")
        }
        logger.info("telemetry server stopped")
    }

    private func adminMode(_ address: ListenAddress) -> String {
        if !configuration.isAdminEnabled { return "disabled" }
        return configuration.adminToken == nil ? "loopback, no token" : "bearer token"
    }

    // MARK: Accepting

    private func acceptPending(on listening: Int32) {
        while true {
            let descriptor = accept(listening, nil, nil)
            if descriptor < 0 {
                switch errno {
                case EINTR, ECONNABORTED:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // The connection stays queued and the source fires again at once; pausing this (dedicated)
                    // queue keeps that from spinning until descriptors are free again.
                    logger.warning("telemetry server cannot accept", metadata: ["error": "\(errnoText())"])
                    usleep(200_000)
                    return
                default:
                    return  // EAGAIN: nothing more pending
                }
            }
            _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            admit(descriptor)
        }
    }

    private func admit(_ descriptor: Int32) {
        let isAdmitted = connections.withLock { connections in
            guard !connections.isStopping, connections.open.count < configuration.maxConnections else {
                return false
            }
            connections.open.insert(descriptor)
            return true
        }
        guard isAdmitted else {
            let response = HTTPResponse.text(.serviceUnavailable, "too many connections; try again\n")
            let bytes = response.serialized(keepAlive: false)
            // Best effort on a non-blocking socket: a fresh socket's send buffer takes this whole.
            _ = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, Int32(sendFlagsNoSignal)) }
            closeDescriptor(descriptor)
            logger.debug("telemetry connection refused: at the connection limit")
            return
        }
        let acceptedAt = ContinuousClock.now
        connectionGroup.enter()
        // A serial queue per connection: it gets a thread of its own from Dispatch's overcommitting pool, so a
        // connection waiting on a slow client never holds up the others (the connection limit bounds threads).
        DispatchQueue(label: "sluice.telemetry.connection").async { [self] in
            defer {
                connections.withLock { _ = $0.open.remove(descriptor) }
                closeDescriptor(descriptor)
                connectionGroup.leave()
            }
            let connection = HTTPConnection(descriptor: descriptor, configuration: configuration) { request in
                self.respond(to: request)
            }
            connection.serve(acceptedAt: acceptedAt)
        }
    }
}

#if canImport(Glibc)
    private let sendFlagsNoSignal = Int(MSG_NOSIGNAL)
#else
    private let sendFlagsNoSignal = 0
#endif
