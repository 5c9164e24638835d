#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension TelemetryServer {
    static let adminPrefix = "/api/admin/"

    /// The response to one whole request. Runs on the connection's queue.
    func respond(to request: HTTPRequest) -> HTTPResponse {
        let path = request.head.path
        let method = request.head.method
        if path.hasPrefix(Self.adminPrefix) {
            guard method == "POST" else {
                return methodNotAllowed(allowing: "POST", isAPI: true)
            }
            return respondToAdmin(request, actionName: String(path.dropFirst(Self.adminPrefix.count)))
        }
        let isAPI = path.hasPrefix("/api/")
        guard ["/", "/metrics", "/healthz", "/readyz", "/api/status"].contains(path) else {
            return isAPI ? .jsonError(.notFound, "no route \(path)") : .text(.notFound, "no route \(path)\n")
        }
        guard method == "GET" || method == "HEAD" else {
            return methodNotAllowed(allowing: "GET, HEAD", isAPI: isAPI)
        }
        switch path {
        case "/metrics":
            return HTTPResponse(status: .ok, contentType: PrometheusText.contentType, body: registry.render())
        case "/healthz":
            return .text(.ok, "ok\n")
        case "/readyz":
            switch currentReadiness() {
            case .ready: return .text(.ok, "ready\n")
            case .notReady(let reason): return .text(.serviceUnavailable, "not ready: \(reason)\n")
            }
        case "/api/status":
            return statusResponse()
        default:
            return HTTPResponse(
                status: .ok, contentType: "text/html; charset=utf-8", body: Array(DashboardPage.html.utf8),
                extraHeaders: [("Content-Security-Policy", DashboardPage.contentSecurityPolicy)])
        }
    }

    private func methodNotAllowed(allowing allowed: String, isAPI: Bool) -> HTTPResponse {
        let message = "method not allowed; use \(allowed)"
        var response =
            isAPI ? HTTPResponse.jsonError(.methodNotAllowed, message) : .text(.methodNotAllowed, message + "\n")
        response.extraHeaders.append(("Allow", allowed))
        return response
    }

    private func currentReadiness() -> Readiness {
        readinessCheck?() ?? .notReady(reason: "the pipeline has not reported readiness yet")
    }

    // MARK: Status

    private func statusResponse() -> HTTPResponse {
        var status: TelemetryStatus
        do {
            status = try statusProvider?() ?? TelemetryStatus()
        } catch {
            logger.debug("status provider failed", metadata: ["error": "\(error)"])
            return .jsonError(.internalServerError, "status unavailable: \(error)")
        }
        let now = Date().timeIntervalSince1970
        status.generatedAt = status.generatedAt ?? now
        if status.uptimeSeconds == nil {
            let processStart = ProcessMetrics.reading()?.startTimeSeconds
            status.uptimeSeconds = processStart.map { max(now - $0, 0) } ?? secondsSince(startedAt)
        }
        if status.readiness == nil {
            status.readiness = TelemetryStatus.ReadinessState(currentReadiness())
        }
        do {
            return .json(.ok, Array(try Self.encoder().encode(status)))
        } catch {
            return .jsonError(.internalServerError, "status could not be encoded: \(error)")
        }
    }

    /// JSON for the status and admin answers: non-finite numbers (a drift statistic can be NaN) as strings,
    /// which the dashboard treats as missing.
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    private func secondsSince(_ instant: ContinuousClock.Instant) -> Double {
        let (seconds, attoseconds) = (ContinuousClock.now - instant).components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }

    // MARK: Admin

    private struct AdminBody: Decodable {
        var model: String?
    }

    private func respondToAdmin(_ request: HTTPRequest, actionName: String) -> HTTPResponse {
        guard configuration.isAdminEnabled else {
            return .jsonError(.forbidden, "the admin API is disabled on this server")
        }
        if let token = configuration.adminToken {
            guard let authorization = request.head.header("authorization") else {
                var response = HTTPResponse.jsonError(
                    .unauthorized, "admin requests need Authorization: Bearer <token>")
                response.extraHeaders.append(("WWW-Authenticate", #"Bearer realm="sluice-admin""#))
                return response
            }
            guard authorization.hasPrefix("Bearer "),
                Self.constantTimeEquals(Array(authorization.utf8.dropFirst(7)), Array(token.utf8))
            else {
                logger.info("admin request refused: wrong token", metadata: ["action": "\(actionName)"])
                return .jsonError(.forbidden, "the admin token does not match")
            }
        }
        let action = AdminAction.isValidName(actionName) ? AdminAction(actionName) : nil
        guard let action, let handler = adminHandler(action) else {
            let known = adminActions.map(\.name).sorted().joined(separator: ", ")
            if let action, [AdminAction.reloadModel, .promote].contains(action) {
                return .jsonError(.notImplemented, "no handler is registered for \(action.name) in this process")
            }
            return .jsonError(.notFound, "no admin action \"\(actionName)\"; known: \(known.isEmpty ? "none" : known)")
        }
        // Only JSON: a browser cannot send it cross-site without a CORS preflight this server never grants, so a
        // web page cannot drive the admin API of a process on the operator's machine.
        let contentType = request.head.header("content-type")?.lowercased() ?? ""
        guard contentType == "application/json" || contentType.hasPrefix("application/json;") else {
            return .jsonError(.unsupportedMediaType, "send the body as Content-Type: application/json")
        }
        let model: String?
        do {
            let body = request.body.isEmpty ? Array("{}".utf8) : request.body
            model = try JSONDecoder().decode(AdminBody.self, from: Data(body)).model
        } catch {
            return .jsonError(.badRequest, #"the body must be a JSON object such as {"model": "fraud-v4"}"#)
        }
        let adminRequest = AdminRequest(action: action, model: model, body: request.body)
        do {
            let result = try handler(adminRequest)
            logger.info(
                "admin action done", metadata: ["action": "\(action)", "model": "\(model ?? "-")"])
            return .json(.ok, Array(try Self.encoder().encode(result)) + [UInt8(ascii: "\n")])
        } catch let error as AdminError {
            logger.info(
                "admin action refused",
                metadata: ["action": "\(action)", "status": "\(error.status)", "error": "\(error.message)"])
            return .jsonError(HTTPStatus(code: error.status), error.message)
        } catch let error as DecodingError {
            return .jsonError(.badRequest, "the body does not fit \(action.name): \(error)")
        } catch {
            logger.warning("admin action failed", metadata: ["action": "\(action)", "error": "\(error)"])
            return .jsonError(.internalServerError, "\(action.name) failed: \(error)")
        }
    }

    /// Compares without stopping at the first difference, so response time does not reveal a token's prefix.
    static func constantTimeEquals(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        var difference = UInt8(lhs.count == rhs.count ? 0 : 1)
        for index in 0..<max(lhs.count, rhs.count) {
            let left = index < lhs.count ? lhs[index] : 0
            let right = index < rhs.count ? rhs[index] : 0
            difference |= left ^ right
        }
        return difference == 0
    }
}
