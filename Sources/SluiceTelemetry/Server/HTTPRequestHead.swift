/// The request line and headers of one HTTP/1.x request, parsed strictly: anything this server cannot read
/// unambiguously is refused with the status that says why, never guessed at.
struct HTTPRequestHead: Equatable {
    var method: String
    /// The path without its query (`/api/status`).
    var path: String
    /// What followed `?`, if anything.
    var query: String?
    /// `(1, 0)` or `(1, 1)`.
    var version: (major: Int, minor: Int)
    /// Header names lowercased, in order; a name may repeat.
    var headers: [(name: String, value: String)]
    /// The body's length from `Content-Length` (0 without one).
    var contentLength: Int
    /// Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`, HTTP/1.0 only
    /// with `Connection: keep-alive`).
    var isKeepAlive: Bool
    /// Whether the client waits for `100 Continue` before sending the body.
    var expectsContinue: Bool

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.method == rhs.method && lhs.path == rhs.path && lhs.query == rhs.query && lhs.version == rhs.version
            && lhs.headers.elementsEqual(rhs.headers, by: { $0 == $1 }) && lhs.contentLength == rhs.contentLength
            && lhs.isKeepAlive == rhs.isKeepAlive && lhs.expectsContinue == rhs.expectsContinue
    }

    /// The first value of header `name` (lowercase).
    func header(_ name: String) -> String? {
        headers.first { $0.name == name }?.value
    }

    /// Most headers one request may carry.
    static let maxHeaderCount = 100

    /// Parses `bytes`: everything up to, not including, the empty line that ends the head. Lines end in CRLF
    /// or a bare LF. `maxBodyBytes` bounds `Content-Length`.
    static func parse(_ bytes: ArraySlice<UInt8>, maxBodyBytes: Int) throws(HTTPError) -> HTTPRequestHead {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).map { line in
            line.last == UInt8(ascii: "\r") ? line.dropLast() : line
        }
        // Robustness (RFC 9112 §2.2): empty lines before the request line are ignored.
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        guard let requestLine = lines.first else {
            throw HTTPError(.badRequest, "empty request")
        }
        var head = try parseRequestLine(requestLine)
        let headerLines = lines.dropFirst().filter { !$0.isEmpty }
        guard headerLines.count <= maxHeaderCount else {
            throw HTTPError(.requestHeaderFieldsTooLarge, "more than \(maxHeaderCount) header fields")
        }
        for line in headerLines {
            head.headers.append(try parseHeaderLine(line))
        }
        try head.interpretHeaders(maxBodyBytes: maxBodyBytes)
        return head
    }

    private static func parseRequestLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> HTTPRequestHead {
        let parts = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw HTTPError(.badRequest, "malformed request line (expected: METHOD /path HTTP/1.1)")
        }
        guard parts[0].count <= 32, parts[0].allSatisfy(isTokenCharacter) else {
            throw HTTPError(.badRequest, "malformed method")
        }
        let target = parts[1]
        guard target.first == UInt8(ascii: "/"), target.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw HTTPError(.badRequest, "request target must be a path starting with /")
        }
        let versionText = parts[2]
        guard versionText.count == 8, versionText.starts(with: "HTTP/".utf8),
            let major = digitValue(versionText[versionText.startIndex + 5]),
            versionText[versionText.startIndex + 6] == UInt8(ascii: "."),
            let minor = digitValue(versionText[versionText.startIndex + 7])
        else {
            throw HTTPError(.badRequest, "malformed HTTP version")
        }
        guard major == 1 else {
            throw HTTPError(.httpVersionNotSupported, "only HTTP/1.0 and HTTP/1.1 are served")
        }
        let path: ArraySlice<UInt8>
        var query: String?
        if let mark = target.firstIndex(of: UInt8(ascii: "?")) {
            path = target[..<mark]
            query = String(decoding: target[(mark + 1)...], as: UTF8.self)
        } else {
            path = target
        }
        return HTTPRequestHead(
            method: String(decoding: parts[0], as: UTF8.self), path: String(decoding: path, as: UTF8.self),
            query: query, version: (major, minor), headers: [], contentLength: 0, isKeepAlive: minor >= 1,
            expectsContinue: false)
    }

    private static func parseHeaderLine(_ line: ArraySlice<UInt8>) throws(HTTPError) -> (String, String) {
        guard let first = line.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") else {
            throw HTTPError(.badRequest, "folded header lines are not accepted")
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
            line[..<colon].allSatisfy(isTokenCharacter)
        else {
            throw HTTPError(.badRequest, "malformed header line")
        }
        var value = line[(colon + 1)...]
        while let byte = value.first, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            value.removeFirst()
        }
        while let byte = value.last, byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
            value.removeLast()
        }
        guard value.allSatisfy({ $0 >= 0x20 || $0 == UInt8(ascii: "\t") }), !value.contains(0x7F) else {
            throw HTTPError(.badRequest, "control characters in a header value")
        }
        return (String(decoding: line[..<colon], as: UTF8.self).lowercased(), String(decoding: value, as: UTF8.self))
    }

    private mutating func interpretHeaders(maxBodyBytes: Int) throws(HTTPError) {
        if headers.contains(where: { $0.name == "transfer-encoding" }) {
            // Chunked request bodies are not needed by any route; refusing them also closes the door on
            // Content-Length / Transfer-Encoding smuggling.
            throw HTTPError(.lengthRequired, "send the body with Content-Length; Transfer-Encoding is not accepted")
        }
        let lengths = headers.filter { $0.name == "content-length" }.map(\.value)
        if let length = lengths.first {
            guard lengths.allSatisfy({ $0 == length }), !length.isEmpty, length.utf8.count <= 18,
                length.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
                let value = Int(length)
            else {
                throw HTTPError(.badRequest, "malformed Content-Length")
            }
            guard value <= maxBodyBytes else {
                throw HTTPError(.contentTooLarge, "request body over \(maxBodyBytes) bytes")
            }
            contentLength = value
        }
        for (name, value) in headers where name == "connection" {
            for option in value.split(separator: ",") {
                switch option.trimmingSpaces().lowercased() {
                case "close": isKeepAlive = false
                case "keep-alive": isKeepAlive = true
                default: continue
                }
            }
        }
        if let expectation = header("expect") {
            guard expectation.lowercased() == "100-continue" else {
                throw HTTPError(.expectationFailed, "only `Expect: 100-continue` is understood")
            }
            expectsContinue = version.minor >= 1
        }
    }

    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    private static func digitValue(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result.removeFirst() }
        while result.last == " " || result.last == "\t" { result.removeLast() }
        return result
    }
}

/// A request the server refuses, with the status and a sentence for the client.
struct HTTPError: Error, Equatable {
    var status: HTTPStatus
    var message: String

    init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }
}
