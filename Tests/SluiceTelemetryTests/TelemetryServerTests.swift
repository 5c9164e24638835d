import Dispatch
import Foundation
import Logging
import Synchronization
import Testing

@testable import SluiceTelemetry

/// A running server on an ephemeral loopback port, stopped when the test ends.
func startedServer(
    _ configure: (inout TelemetryServerConfiguration) -> Void = { _ in }, registry: MetricRegistry = MetricRegistry()
) throws -> TelemetryServer {
    var configuration = TelemetryServerConfiguration(host: "127.0.0.1", port: 0)
    configure(&configuration)
    let server = TelemetryServer(configuration: configuration, registry: registry, logger: quietLogger)
    try server.start()
    return server
}

/// Errors only: tests start and stop many servers.
let quietLogger: Logger = {
    var logger = Logger(label: "telemetry-test")
    logger.logLevel = .error
    return logger
}()

extension TelemetryServer {
    var boundPort: Int { port! }
}

@Suite struct TelemetryServerTests {
    @Test func metricsAnswerParsablePrometheusTextWithEveryDocumentedFamily() throws {
        let registry = MetricRegistry()
        SluiceMetricsTests.exercise(SluiceMetrics(registry: registry))
        let server = try startedServer(registry: registry)
        defer { server.stop() }
        let reply = try RawHTTPClient.get(port: server.boundPort, "/metrics")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let parsed = try PrometheusExposition(reply.text)
        for family in try DocumentedFamily.all() {
            #expect(parsed.families[family.name] != nil, "\(family.name) missing from /metrics")
        }
        #expect(parsed.value("sluice_events_consumed_total", ["topic": "transactions"]) == 1_000)
    }

    @Test func healthAnswersOKAndHeadOmitsTheBody() throws {
        let server = try startedServer()
        defer { server.stop() }
        let reply = try RawHTTPClient.get(port: server.boundPort, "/healthz")
        #expect(reply.status == 200)
        #expect(reply.text == "ok\n")
        let client = try RawHTTPClient(port: server.boundPort)
        try client.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let head = try client.readReply(toHead: true)
        #expect(head.status == 200 && head.headers["content-length"] == "3")
        // The HEAD answer carried no body, so the next response on the connection starts right after it.
        #expect(try client.readReply().text == "ok\n")
    }

    @Test func readinessFollowsTheRegisteredCheck() throws {
        let server = try startedServer()
        defer { server.stop() }
        let unset = try RawHTTPClient.get(port: server.boundPort, "/readyz")
        #expect(unset.status == 503)

        let state = Mutex<Readiness>(.notReady(reason: "restoring window state for transactions/3"))
        server.setReadinessCheck { state.withLock { $0 } }
        let restoring = try RawHTTPClient.get(port: server.boundPort, "/readyz")
        #expect(restoring.status == 503)
        #expect(restoring.text == "not ready: restoring window state for transactions/3\n")

        state.withLock { $0 = .ready }
        let ready = try RawHTTPClient.get(port: server.boundPort, "/readyz")
        #expect(ready.status == 200)
        #expect(ready.text == "ready\n")

        state.withLock { $0 = .notReady(reason: "revoking") }
        #expect(try RawHTTPClient.get(port: server.boundPort, "/readyz").status == 503)
    }

    @Test func statusAnswersTheProvidersJSONWithServerFilledFields() throws {
        let server = try startedServer()
        defer { server.stop() }
        let empty = try RawHTTPClient.get(port: server.boundPort, "/api/status")
        #expect(empty.status == 200)
        #expect(empty.headers["content-type"] == "application/json")
        let emptyStatus = try JSONDecoder().decode(TelemetryStatus.self, from: Data(empty.body))
        #expect(
            emptyStatus.readiness
                == TelemetryStatus.ReadinessState(ready: false, reason: "the pipeline has not reported readiness yet"))
        #expect(emptyStatus.uptimeSeconds != nil && emptyStatus.generatedAt != nil)
        #expect(emptyStatus.partitions == nil)

        let provided = FakePipeline(seed: 1).status(tick: 5)
        server.setStatusProvider { provided }
        server.setReadinessCheck { .ready }
        let reply = try RawHTTPClient.get(port: server.boundPort, "/api/status")
        var decoded = try JSONDecoder().decode(TelemetryStatus.self, from: Data(reply.body))
        #expect(decoded.readiness == TelemetryStatus.ReadinessState(ready: true))
        #expect(decoded.generatedAt != nil)
        decoded.readiness = provided.readiness
        decoded.generatedAt = provided.generatedAt
        #expect(decoded == provided)

        // A NaN statistic is sent as the string "NaN", which the dashboard treats as missing.
        server.setStatusProvider {
            TelemetryStatus(drift: [TelemetryStatus.Drift(feature: "amount", statistic: "psi", value: .nan)])
        }
        let withNaN = try RawHTTPClient.get(port: server.boundPort, "/api/status").json()
        let drift = try #require((withNaN["drift"] as? [[String: Any]])?.first)
        #expect(drift["value"] as? String == "NaN")

        struct Broken: Error {}
        server.setStatusProvider { throw Broken() }
        let failed = try RawHTTPClient.get(port: server.boundPort, "/api/status")
        #expect(failed.status == 500)
        #expect((try failed.json()["error"] as? String)?.hasPrefix("status unavailable") == true)
    }

    @Test func adminOnLoopbackCallsTheRegisteredHandlers() throws {
        let server = try startedServer()
        defer { server.stop() }
        let port = server.boundPort
        let calls = Mutex<[String]>([])
        server.setAdminHandler(.promote) { request in
            guard let model = request.model else { throw AdminError(status: 400, message: "which model?") }
            guard model == "fraud-v4" else { throw AdminError.notFound("no shadow model \(model)") }
            calls.withLock { $0.append("promote \(model)") }
            return AdminResult(message: "promoted \(model) (was fraud-v3)", model: model, version: "4.0.0")
        }
        struct ReloadBody: Decodable { var model: String; var path: String }
        server.setAdminHandler(.reloadModel) { request in
            let body = try request.decode(ReloadBody.self)
            if body.path.hasSuffix(".broken") { struct LoadFailed: Error {}; throw LoadFailed() }
            calls.withLock { $0.append("reload \(body.model) from \(body.path)") }
            return AdminResult(message: "reloaded", model: body.model, details: ["path": body.path])
        }

        let promoted = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", #"{"model": "fraud-v4"}"#)
        #expect(promoted.status == 200)
        #expect(
            try JSONDecoder().decode(AdminResult.self, from: Data(promoted.body))
                == AdminResult(message: "promoted fraud-v4 (was fraud-v3)", model: "fraud-v4", version: "4.0.0"))

        let unknownModel = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", #"{"model": "nope"}"#)
        #expect(unknownModel.status == 404)
        #expect(try unknownModel.json()["error"] as? String == "no shadow model nope")

        let noModel = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", "")
        #expect(noModel.status == 400)

        let reloaded = try RawHTTPClient.postJSON(
            port: port, "/api/admin/reload-model", #"{"model": "fraud-v3", "path": "models/v3.json"}"#)
        #expect(reloaded.status == 200)
        let missingField = try RawHTTPClient.postJSON(port: port, "/api/admin/reload-model", #"{"model": "fraud-v3"}"#)
        #expect(missingField.status == 400)
        let failing = try RawHTTPClient.postJSON(
            port: port, "/api/admin/reload-model", #"{"model": "m", "path": "x.broken"}"#)
        #expect(failing.status == 500)
        #expect((try failing.json()["error"] as? String)?.hasPrefix("reload-model failed") == true)

        for body in ["[1, 2]", "{\"model\": 5}", "not json", "{\"model\": \"a\""] {
            let reply = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body)
            #expect(reply.status == 400, "\(body)")
        }
        let plainText = try RawHTTPClient.request(
            port: port, "POST", "/api/admin/promote", headers: ["Content-Type": "text/plain"],
            body: Array(#"{"model": "fraud-v4"}"#.utf8))
        #expect(plainText.status == 415)
        let get = try RawHTTPClient.get(port: port, "/api/admin/promote")
        #expect(get.status == 405)
        #expect(get.headers["allow"] == "POST")
        #expect(try RawHTTPClient.postJSON(port: port, "/api/admin/restart", "{}").status == 404)
        #expect(try RawHTTPClient.postJSON(port: port, "/api/admin/../metrics", "{}").status == 404)

        #expect(calls.withLock { $0 } == ["promote fraud-v4", "reload fraud-v3 from models/v3.json"])
    }

    @Test func knownAdminActionsWithoutAHandlerAnswerNotImplemented() throws {
        let server = try startedServer()
        defer { server.stop() }
        let reply = try RawHTTPClient.postJSON(port: server.boundPort, "/api/admin/reload-model", #"{"model": "m"}"#)
        #expect(reply.status == 501)
    }

    @Test func nonLoopbackAdminRefusesToStartWithoutAToken() throws {
        var configuration = TelemetryServerConfiguration(host: "0.0.0.0", port: 0)
        #expect(throws: TelemetryError.self) {
            try TelemetryServer(configuration: configuration, logger: quietLogger).start()
        }
        do {
            try TelemetryServer(configuration: configuration, logger: quietLogger).start()
        } catch {
            #expect(error.code == .adminTokenRequired)
        }
        configuration.isAdminEnabled = false
        let server = TelemetryServer(configuration: configuration, logger: quietLogger)
        try server.start()
        defer { server.stop() }
        #expect(!server.isLoopbackOnly)
        server.setAdminHandler(.promote) { _ in AdminResult(message: "should not run") }
        #expect(try RawHTTPClient.get(port: server.boundPort, "/healthz").status == 200)
        #expect(try RawHTTPClient.postJSON(port: server.boundPort, "/api/admin/promote", "{}").status == 403)
    }

    @Test func nonLoopbackAdminRequiresTheBearerToken() throws {
        let token = "s3cret-admin-token-0123456789"
        let server = try startedServer { configuration in
            configuration.host = "0.0.0.0"
            configuration.adminToken = token
        }
        defer { server.stop() }
        let port = server.boundPort
        let calls = Atomic<Int>(0)
        server.setAdminHandler(.promote) { request in
            calls.wrappingAdd(1, ordering: .relaxed)
            return AdminResult(message: "promoted", model: request.model)
        }
        let body = #"{"model": "fraud-v4"}"#
        let missing = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body)
        #expect(missing.status == 401)
        #expect(missing.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body, token: "wrong").status == 403)
        #expect(try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body, token: token + "x").status == 403)
        #expect(
            try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body, token: String(token.dropLast())).status
                == 403)
        let basic = try RawHTTPClient.request(
            port: port, "POST", "/api/admin/promote",
            headers: ["Content-Type": "application/json", "Authorization": "Basic \(token)"], body: Array(body.utf8))
        #expect(basic.status == 403)
        #expect(calls.load(ordering: .relaxed) == 0)

        let accepted = try RawHTTPClient.postJSON(port: port, "/api/admin/promote", body, token: token)
        #expect(accepted.status == 200)
        #expect(calls.load(ordering: .relaxed) == 1)
        // Read-only routes stay open.
        #expect(try RawHTTPClient.get(port: port, "/metrics").status == 200)
    }

    @Test func aConfiguredTokenIsCheckedOnLoopbackToo() throws {
        let server = try startedServer { $0.adminToken = "loopback-token-123" }
        defer { server.stop() }
        server.setAdminHandler(.promote) { _ in AdminResult(message: "ok") }
        #expect(try RawHTTPClient.postJSON(port: server.boundPort, "/api/admin/promote", "{}").status == 401)
        #expect(
            try RawHTTPClient.postJSON(port: server.boundPort, "/api/admin/promote", "{}", token: "loopback-token-123")
                .status == 200)
    }

    @Test func startFailsWithAnActionableError() throws {
        func code(_ configure: (inout TelemetryServerConfiguration) -> Void) -> TelemetryError.Code? {
            var configuration = TelemetryServerConfiguration(host: "127.0.0.1", port: 0)
            configure(&configuration)
            let server = TelemetryServer(configuration: configuration, logger: quietLogger)
            defer { server.stop() }
            do {
                try server.start()
                return nil
            } catch {
                return error.code
            }
        }
        #expect(code { $0.host = "metrics.example.com" } == .invalidHost)
        #expect(code { $0.port = 70_000 } == .invalidPort)
        #expect(code { $0.adminToken = "  " } == .invalidAdminToken)
        #expect(code { $0.host = "::1" } == nil)
        #expect(code { $0.host = "localhost" } == nil)
        let running = try startedServer()
        defer { running.stop() }
        #expect(code { $0.port = running.boundPort } == .listenFailed)
        #expect(throws: TelemetryError.self) { try running.start() }
    }

    @Test func dashboardIsServedWithAContentSecurityPolicy() throws {
        let server = try startedServer()
        defer { server.stop() }
        let reply = try RawHTTPClient.get(port: server.boundPort, "/")
        #expect(reply.status == 200)
        #expect(reply.headers["content-type"] == "text/html; charset=utf-8")
        #expect(reply.headers["content-security-policy"]?.contains("connect-src 'self'") == true)
        #expect(reply.text.contains("<title>Sluice</title>"))
        #expect(!reply.text.contains("http://") || !reply.text.contains("src=\"http"))
    }

    @Test func stopClosesConnectionsAndFreesThePort() throws {
        let server = try startedServer { $0.requestTimeout = .seconds(30) }
        let port = server.boundPort
        let idle = try RawHTTPClient(port: port)
        let keptAlive = try RawHTTPClient(port: port)
        try keptAlive.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try keptAlive.readReply().status == 200)
        let started = ContinuousClock.now
        server.stop()
        #expect(ContinuousClock.now - started < .seconds(3))
        #expect(idle.closesWithin(.seconds(2)))
        #expect(keptAlive.closesWithin(.seconds(2)))
        #expect(throws: ClientError.self) { try RawHTTPClient(port: port) }
        #expect(server.port == nil)
        server.stop()
        // The port is free again for a new server.
        let next = try startedServer { $0.port = port }
        defer { next.stop() }
        #expect(try RawHTTPClient.get(port: port, "/healthz").status == 200)
    }
}
