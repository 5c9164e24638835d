/// The statuses this server answers with.
enum HTTPStatus: Int, Sendable {
    case `continue` = 100
    case ok = 200
    case badRequest = 400
    case unauthorized = 401
    case forbidden = 403
    case notFound = 404
    case methodNotAllowed = 405
    case requestTimeout = 408
    case conflict = 409
    case lengthRequired = 411
    case contentTooLarge = 413
    case unsupportedMediaType = 415
    case expectationFailed = 417
    case unprocessableContent = 422
    case requestHeaderFieldsTooLarge = 431
    case internalServerError = 500
    case notImplemented = 501
    case serviceUnavailable = 503
    case httpVersionNotSupported = 505

    init(code: Int) {
        self = HTTPStatus(rawValue: code) ?? (code >= 500 ? .internalServerError : .badRequest)
    }

    var reasonPhrase: String {
        switch self {
        case .continue: "Continue"
        case .ok: "OK"
        case .badRequest: "Bad Request"
        case .unauthorized: "Unauthorized"
        case .forbidden: "Forbidden"
        case .notFound: "Not Found"
        case .methodNotAllowed: "Method Not Allowed"
        case .requestTimeout: "Request Timeout"
        case .conflict: "Conflict"
        case .lengthRequired: "Length Required"
        case .contentTooLarge: "Content Too Large"
        case .unsupportedMediaType: "Unsupported Media Type"
        case .expectationFailed: "Expectation Failed"
        case .unprocessableContent: "Unprocessable Content"
        case .requestHeaderFieldsTooLarge: "Request Header Fields Too Large"
        case .internalServerError: "Internal Server Error"
        case .notImplemented: "Not Implemented"
        case .serviceUnavailable: "Service Unavailable"
        case .httpVersionNotSupported: "HTTP Version Not Supported"
        }
    }
}

/// A whole response, serialized at once: the server never streams.
struct HTTPResponse {
    var status: HTTPStatus
    var contentType: String
    var body: [UInt8]
    var extraHeaders: [(String, String)] = []

    static func text(_ status: HTTPStatus, _ text: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", body: Array(text.utf8))
    }

    static func json(_ status: HTTPStatus, _ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/json", body: body)
    }

    /// `{"error": message}`.
    static func jsonError(_ status: HTTPStatus, _ message: String) -> HTTPResponse {
        var body = Array(#"{"error":"#.utf8)
        JSONText.appendString(message, to: &body)
        body.append(contentsOf: "}\n".utf8)
        return .json(status, body)
    }

    /// The status line, headers and (unless `omitsBody`, for HEAD) the body.
    func serialized(keepAlive: Bool, omitsBody: Bool = false) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(body.count + 256)
        bytes.append(contentsOf: "HTTP/1.1 \(status.rawValue) \(status.reasonPhrase)\r\n".utf8)
        bytes.append(contentsOf: "Content-Type: \(contentType)\r\n".utf8)
        bytes.append(contentsOf: "Content-Length: \(body.count)\r\n".utf8)
        bytes.append(contentsOf: "Cache-Control: no-store\r\n".utf8)
        bytes.append(contentsOf: "X-Content-Type-Options: nosniff\r\n".utf8)
        for (name, value) in extraHeaders {
            bytes.append(contentsOf: "\(name): \(value)\r\n".utf8)
        }
        bytes.append(contentsOf: (keepAlive ? "Connection: keep-alive\r\n" : "Connection: close\r\n").utf8)
        bytes.append(contentsOf: "\r\n".utf8)
        if !omitsBody {
            bytes.append(contentsOf: body)
        }
        return bytes
    }
}

/// JSON string escaping for the few JSON bodies written by hand (errors), without an encoder.
enum JSONText {
    static func appendString(_ text: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: #"\u00"#.utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
