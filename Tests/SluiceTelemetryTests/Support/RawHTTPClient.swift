import Foundation
import Testing

/// A response as read off the wire.
struct HTTPReply {
    var status: Int
    /// Lowercased names; the last value of a repeated header.
    var headers: [String: String]
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }

    func json() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
    }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// A plain TCP client on loopback that sends exactly the bytes it is given (malformed ones included) and reads
/// responses with bounded waits. Not thread-safe; one per test thread.
final class RawHTTPClient {
    let descriptor: Int32
    private var buffer: [UInt8] = []

    init(port: Int, host: String = "127.0.0.1") throws {
        // The descriptor is connected before `self` exists: a class whose init throws after every stored property
        // is set still runs its deinit, which would close the descriptor a second time — by then perhaps a
        // number the kernel has given to another test's socket.
        descriptor = try Self.connectedDescriptor(port: port, host: host)
    }

    private static func connectedDescriptor(port: Int, host: String) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClientError(description: "socket failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(descriptor)
            throw ClientError(description: "connect to \(host):\(port) failed: errno \(code)")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        return descriptor
    }

    deinit {
        close(descriptor)
    }

    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        let deadline = ContinuousClock.now + .seconds(5)
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes {
                Foundation.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                offset += count
            } else if errno == EAGAIN || errno == EINTR {
                guard wait(Int16(POLLOUT), until: deadline) else { throw ClientError(description: "send timed out") }
            } else {
                throw ClientError(description: "send failed: errno \(errno)")
            }
        }
    }

    /// Reads one response (skipping `100 Continue` unless `interim`), its body framed by Content-Length (none
    /// for the answer to a HEAD request).
    func readReply(timeout: Duration = .seconds(5), interim: Bool = false, toHead: Bool = false) throws -> HTTPReply {
        let deadline = ContinuousClock.now + timeout
        while true {
            while findHeadEnd() == nil {
                guard try fill(until: deadline) else {
                    throw ClientError(
                        description: "connection closed before a response head; got \(buffer.count) bytes")
                }
            }
            let (headLength, consumed) = findHeadEnd()!
            let head = String(decoding: buffer[..<headLength], as: UTF8.self)
            buffer.removeFirst(consumed)
            let lines = head.components(separatedBy: "\r\n")
            let statusParts = lines[0].split(separator: " ", maxSplits: 2)
            guard statusParts.count >= 2, statusParts[0] == "HTTP/1.1", let status = Int(statusParts[1]) else {
                throw ClientError(description: "bad status line \(lines[0])")
            }
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { throw ClientError(description: "bad header \(line)") }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(
                    in: .whitespaces)
            }
            if status == 100 && !interim { continue }
            let length = toHead ? 0 : Int(headers["content-length"] ?? "0") ?? 0
            while buffer.count < length {
                guard try fill(until: deadline) else { throw ClientError(description: "connection closed mid-body") }
            }
            let body = Array(buffer[..<length])
            buffer.removeFirst(length)
            return HTTPReply(status: status, headers: headers, body: body)
        }
    }

    /// Whether the server closes the connection within `timeout` (reading and dropping anything it sends).
    func closesWithin(_ timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            do {
                guard try fill(until: deadline) else { return true }
            } catch {
                return false
            }
        }
    }

    /// Reads more; false when the peer closed, throws on timeout.
    private func fill(until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            guard wait(Int16(POLLIN), until: deadline) else { throw ClientError(description: "read timed out") }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return true
            }
            if count == 0 { return false }
            if errno == EAGAIN || errno == EINTR { continue }
            if errno == ECONNRESET { return false }
            throw ClientError(description: "recv failed: errno \(errno)")
        }
    }

    private func findHeadEnd() -> (Int, Int)? {
        guard buffer.count >= 4 else { return nil }
        for index in 0...(buffer.count - 4)
        where buffer[index] == 13 && buffer[index + 1] == 10 && buffer[index + 2] == 13 && buffer[index + 3] == 10 {
            return (index, index + 4)
        }
        return nil
    }

    private func wait(_ events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - .now
        guard left > .zero else { return false }
        var descriptorSet = pollfd(fd: descriptor, events: events, revents: 0)
        let milliseconds = Int32(
            left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
        return poll(&descriptorSet, 1, milliseconds) > 0
    }
}

extension RawHTTPClient {
    /// One request on a fresh connection.
    static func request(
        port: Int, _ method: String, _ path: String, headers: [String: String] = [:], body: [UInt8] = []
    ) throws -> HTTPReply {
        let client = try RawHTTPClient(port: port)
        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            head += "\(name): \(value)\r\n"
        }
        if !body.isEmpty || method == "POST" {
            head += "Content-Length: \(body.count)\r\n"
        }
        try client.send(Array((head + "\r\n").utf8) + body)
        return try client.readReply()
    }

    static func get(port: Int, _ path: String) throws -> HTTPReply {
        try request(port: port, "GET", path)
    }

    static func postJSON(port: Int, _ path: String, _ json: String, token: String? = nil) throws -> HTTPReply {
        var headers = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try request(port: port, "POST", path, headers: headers, body: Array(json.utf8))
    }
}
