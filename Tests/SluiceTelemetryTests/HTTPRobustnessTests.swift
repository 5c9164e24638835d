import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SluiceTelemetry

/// Malformed, oversized, slow and numerous clients: each gets a clear answer within bounded time, and the
/// server keeps serving everyone else.
@Suite struct HTTPRobustnessTests {
    /// Sends `raw` on a fresh connection; the status of the answer. After a request it could not frame (any
    /// 4xx/5xx but a route's 404 and 405) the server must close the connection.
    private func statusOf(_ raw: [UInt8], port: Int) throws -> Int {
        let client = try RawHTTPClient(port: port)
        try client.send(raw)
        let reply = try client.readReply()
        if reply.status >= 400 && reply.status != 404 && reply.status != 405 {
            #expect(reply.headers["connection"] == "close")
            #expect(client.closesWithin(.seconds(2)), "the server kept a connection open after \(reply.status)")
        }
        return reply.status
    }

    private func statusOf(_ raw: String, port: Int) throws -> Int {
        try statusOf(Array(raw.utf8), port: port)
    }

    @Test func malformedRequestsGetAClearStatusAndTheServerKeepsServing() throws {
        let server = try startedServer {
            $0.maxHeaderBytes = 8 * 1024; $0.maxBodyBytes = 4 * 1024
        }
        defer { server.stop() }
        let port = server.boundPort
        let cases: [(String, String, Int)] = [
            ("garbage", "garbage\r\n\r\n", 400),
            ("no version", "GET /metrics\r\n\r\n", 400),
            ("two spaces", "GET  /metrics HTTP/1.1\r\n\r\n", 400),
            ("relative target", "GET metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("absolute target", "GET http://x/metrics HTTP/1.1\r\nHost: x\r\n\r\n", 400),
            ("lowercase version", "GET /metrics http/1.1\r\n\r\n", 400),
            ("HTTP/2", "GET /metrics HTTP/2.0\r\n\r\n", 505),
            ("unknown method", "BREW /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 405),
            ("unknown route", "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404),
            ("POST to a GET route", "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n", 405),
            ("DELETE status", "DELETE /api/status HTTP/1.1\r\n\r\n", 405),
            ("header without colon", "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n", 400),
            ("space before colon", "GET /healthz HTTP/1.1\r\nHost : x\r\n\r\n", 400),
            ("folded header", "GET /healthz HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n", 400),
            ("bad content length", "POST /api/admin/promote HTTP/1.1\r\nContent-Length: 12a\r\n\r\n", 400),
            ("negative content length", "POST /api/admin/promote HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400),
            (
                "conflicting lengths",
                "POST /api/admin/promote HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}", 400
            ),
            ("body too large", "POST /api/admin/promote HTTP/1.1\r\nContent-Length: 1000000000\r\n\r\n", 413),
            ("chunked body", "POST /api/admin/promote HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 411),
            ("odd expectation", "GET /healthz HTTP/1.1\r\nExpect: tea\r\n\r\n", 417),
            ("control character in a value", "GET /healthz HTTP/1.1\r\nX-A: a\u{01}b\r\n\r\n", 400),
        ]
        for (name, raw, expected) in cases {
            let status = try statusOf(raw, port: port)
            #expect(status == expected, "\(name): \(status)")
            #expect(try RawHTTPClient.get(port: port, "/healthz").status == 200, "after \(name)")
        }
        let hugeHeader = "GET /healthz HTTP/1.1\r\nX-Big: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
        #expect(try statusOf(hugeHeader, port: port) == 431)
        let manyHeaders = "GET /healthz HTTP/1.1\r\n" + (0..<150).map { "X-\($0): v\r\n" }.joined() + "\r\n"
        #expect(try statusOf(manyHeaders, port: port) == 431)
        let endlessLine = String(repeating: "G", count: 9_000)  // no line break at all
        #expect(try statusOf(endlessLine, port: port) == 431)
        var generator = SplitMix64(seed: 7)
        for round in 0..<20 {
            let junk =
                (0..<(200 + round * 400)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
                + Array("\r\n\r\n".utf8)
            let status = try statusOf(junk, port: port)
            #expect((400..<500).contains(status), "junk round \(round): \(status)")
        }
        #expect(try RawHTTPClient.get(port: port, "/metrics").status == 200)
    }

    @Test func aClientThatHangsUpMidRequestDoesNotDisturbTheServer() throws {
        let server = try startedServer()
        defer { server.stop() }
        for partial in ["", "GET /met", "POST /api/admin/promote HTTP/1.1\r\nContent-Length: 50\r\n\r\n{\"mo"] {
            let client = try RawHTTPClient(port: server.boundPort)
            try client.send(partial)
        }
        #expect(try RawHTTPClient.get(port: server.boundPort, "/healthz").status == 200)
    }

    @Test func slowClientsAreTimedOutWithoutHoldingUpOthers() throws {
        let server = try startedServer { $0.requestTimeout = .milliseconds(400) }
        defer { server.stop() }
        let port = server.boundPort
        let silent = try RawHTTPClient(port: port)
        let stalled = try RawHTTPClient(port: port)
        try stalled.send("GET /metr")
        let dripping = try RawHTTPClient(port: port)
        // Others are served at once while three clients dawdle.
        let started = ContinuousClock.now
        #expect(try RawHTTPClient.get(port: port, "/healthz").status == 200)
        #expect(ContinuousClock.now - started < .milliseconds(300))
        // A byte every 100 ms keeps each read short but not the whole request: the deadline covers the request.
        // (Seven bytes, 700 ms: past the deadline, and done before the server's brief drain after answering ends.)
        for byte in "GET /he".utf8 {
            try dripping.send([byte])
            usleep(100_000)
        }
        for client in [silent, stalled, dripping] {
            let reply = try client.readReply(timeout: .seconds(3))
            #expect(reply.status == 408)
            #expect(client.closesWithin(.seconds(2)))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func idleKeptAliveConnectionsAreClosed() throws {
        let server = try startedServer { $0.idleTimeout = .milliseconds(200) }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        let reply = try client.readReply()
        #expect(reply.headers["connection"] == "keep-alive")
        #expect(client.closesWithin(.seconds(2)))
    }

    @Test func keptAliveConnectionsServeManyAndPipelinedRequestsInOrder() throws {
        let server = try startedServer { $0.maxRequestsPerConnection = 50 }
        defer { server.stop() }
        server.setReadinessCheck { .notReady(reason: "warming up") }
        let client = try RawHTTPClient(port: server.boundPort)
        for _ in 0..<10 {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readReply().text == "ok\n")
        }
        // Three requests in one write, with an empty line between two of them; answers come back in order.
        try client.send(
            "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        #expect(try client.readReply().status == 503)
        #expect(try client.readReply().status == 200)
        #expect(try client.readReply().status == 404)
        // HTTP/1.0 closes unless asked otherwise.
        let old = try RawHTTPClient(port: server.boundPort)
        try old.send("GET /healthz HTTP/1.0\r\n\r\n")
        #expect(try old.readReply().headers["connection"] == "close")
        #expect(old.closesWithin(.seconds(2)))
    }

    @Test func aConnectionIsClosedAfterItsRequestQuota() throws {
        let server = try startedServer { $0.maxRequestsPerConnection = 3 }
        defer { server.stop() }
        let client = try RawHTTPClient(port: server.boundPort)
        for index in 0..<3 {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try client.readReply().headers["connection"] == (index < 2 ? "keep-alive" : "close"))
        }
        #expect(client.closesWithin(.seconds(2)))
    }

    @Test func expectContinueGetsAnInterimResponseBeforeTheBody() throws {
        let server = try startedServer()
        defer { server.stop() }
        server.setAdminHandler(.promote) { request in AdminResult(message: "promoted", model: request.model) }
        let body = #"{"model": "fraud-v4"}"#
        let client = try RawHTTPClient(port: server.boundPort)
        try client.send(
            "POST /api/admin/promote HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: \(body.utf8.count)\r\n\r\n"
        )
        #expect(try client.readReply(interim: true).status == 100)
        try client.send(body)
        let reply = try client.readReply()
        #expect(reply.status == 200)
        #expect(try reply.json()["model"] as? String == "fraud-v4")
    }

    @Test func connectionsBeyondTheLimitAreAnswered503() throws {
        let server = try startedServer {
            $0.maxConnections = 2; $0.requestTimeout = .seconds(10)
        }
        defer { server.stop() }
        let port = server.boundPort
        var held = [try RawHTTPClient(port: port), try RawHTTPClient(port: port)]
        // Both are admitted before the third arrives: each answers once asked.
        usleep(100_000)
        let third = try RawHTTPClient(port: port)
        let refused = try third.readReply()
        #expect(refused.status == 503)
        #expect(third.closesWithin(.seconds(2)))
        for client in held {
            try client.send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try client.readReply().status == 200)
        }
        held.removeAll()
        // Freed slots serve new clients.
        let deadline = ContinuousClock.now + .seconds(3)
        var status = 0
        while ContinuousClock.now < deadline {
            status = try RawHTTPClient.get(port: port, "/healthz").status
            if status == 200 { break }
            usleep(20_000)
        }
        #expect(status == 200)
    }

    @Test func concurrentClientsAreAllServed() throws {
        let registry = MetricRegistry()
        SluiceMetricsTests.exercise(SluiceMetrics(registry: registry))
        let server = try startedServer({ $0.maxConnections = 32 }, registry: registry)
        defer { server.stop() }
        let tick = Atomic<Int>(0)
        server.setStatusProvider {
            FakePipeline(seed: 3).status(tick: tick.wrappingAdd(1, ordering: .relaxed).newValue)
        }
        server.setReadinessCheck { .ready }
        let port = server.boundPort
        let failures = Mutex<[String]>([])
        let served = Atomic<Int>(0)
        let clients = 16
        let requestsPerClient = 25
        let started = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: clients) { index in
            do {
                // Half the clients keep one connection alive, half connect for each request.
                let kept = index % 2 == 0 ? try RawHTTPClient(port: port) : nil
                for request in 0..<requestsPerClient {
                    let path = ["/metrics", "/api/status", "/healthz", "/readyz", "/"][(index + request) % 5]
                    let reply: HTTPReply
                    if let kept {
                        try kept.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
                        reply = try kept.readReply()
                    } else {
                        reply = try RawHTTPClient.get(port: port, path)
                    }
                    guard reply.status == 200 else {
                        failures.withLock { $0.append("\(path): \(reply.status)") }
                        continue
                    }
                    if path == "/metrics" { _ = try PrometheusExposition(reply.text) }
                    if path == "/api/status" {
                        _ = try JSONDecoder().decode(TelemetryStatus.self, from: Data(reply.body))
                    }
                    served.wrappingAdd(1, ordering: .relaxed)
                }
            } catch {
                failures.withLock { $0.append("client \(index): \(error)") }
            }
        }
        #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0.prefix(5) })")
        #expect(served.load(ordering: .relaxed) == clients * requestsPerClient)
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    @Test func requestHeadParserReadsWhatClientsSend() throws {
        let raw = "GET /api/status?x=1 HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, Upgrade\r\nX-Empty:\r\n"
        let head = try HTTPRequestHead.parse(ArraySlice(raw.utf8), maxBodyBytes: 10)
        #expect(head.method == "GET" && head.path == "/api/status" && head.query == "x=1")
        #expect(head.isKeepAlive && head.header("x-empty") == "" && head.header("host") == "a")
        let bareLineFeeds = try HTTPRequestHead.parse(
            ArraySlice("POST /a HTTP/1.0\nContent-Length: 4\nConnection: keep-alive\n".utf8), maxBodyBytes: 10)
        #expect(bareLineFeeds.contentLength == 4 && bareLineFeeds.isKeepAlive && bareLineFeeds.version == (1, 0))
        #expect(throws: HTTPError(.contentTooLarge, "request body over 10 bytes")) {
            try HTTPRequestHead.parse(ArraySlice("POST /a HTTP/1.1\r\nContent-Length: 11\r\n".utf8), maxBodyBytes: 10)
        }
    }
}
