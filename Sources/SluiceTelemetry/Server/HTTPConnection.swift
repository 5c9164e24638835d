#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One request with its whole body.
struct HTTPRequest {
    var head: HTTPRequestHead
    var body: [UInt8]
}

/// Serves the requests of one accepted connection, one after another, on the thread of the connection's own
/// queue. Every wait is bounded: `poll` with the time left until a deadline, never a blocking read or write.
/// Ends when the client closes, a deadline passes, a request is malformed (after answering it), or the
/// connection served its quota; the caller closes the descriptor.
final class HTTPConnection {
    enum ReadOutcome {
        case data
        case closed
        case timedOut
    }

    private let descriptor: Int32
    private let configuration: TelemetryServerConfiguration
    private let respond: (HTTPRequest) -> HTTPResponse
    /// Bytes received and not yet consumed by a request (the start of a pipelined request may be here).
    private var buffer: [UInt8] = []
    private var chunk = [UInt8](repeating: 0, count: 16 * 1024)

    init(
        descriptor: Int32, configuration: TelemetryServerConfiguration,
        respond: @escaping (HTTPRequest) -> HTTPResponse
    ) {
        self.descriptor = descriptor
        self.configuration = configuration
        self.respond = respond
    }

    func serve(acceptedAt: ContinuousClock.Instant) {
        var served = 0
        while served < configuration.maxRequestsPerConnection {
            let isFirst = served == 0
            if buffer.isEmpty {
                let deadline = isFirst ? acceptedAt + configuration.requestTimeout : .now + configuration.idleTimeout
                switch fill(until: deadline) {
                case .data: break
                case .closed: return
                case .timedOut:
                    // A silent new connection gets an answer; an idle kept-alive one just closes.
                    if isFirst { refuse(HTTPError(.requestTimeout, "no request within the time allowed")) }
                    return
                }
            }
            let deadline = isFirst ? acceptedAt + configuration.requestTimeout : .now + configuration.requestTimeout
            guard let request = readRequest(until: deadline) else { return }
            let response = respond(request)
            let keepAlive = request.head.isKeepAlive && served + 1 < configuration.maxRequestsPerConnection
            guard write(response.serialized(keepAlive: keepAlive, omitsBody: request.head.method == "HEAD")),
                keepAlive
            else { return }
            served += 1
        }
    }

    /// The next whole request, or nil after answering an error (or on a closed connection).
    private func readRequest(until deadline: ContinuousClock.Instant) -> HTTPRequest? {
        var headEnd: (head: Int, consumed: Int)?
        var searchedUpTo = 0
        while headEnd == nil {
            // Robustness (RFC 9112 §2.2): line breaks between requests are skipped.
            let leadingBreaks = buffer.prefix { $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\n") }.count
            if leadingBreaks > 0 {
                buffer.removeFirst(leadingBreaks)
                searchedUpTo = 0
            }
            headEnd = findHeadEnd(from: searchedUpTo)
            if headEnd != nil { break }
            searchedUpTo = max(buffer.count - 2, 0)
            if buffer.count > configuration.maxHeaderBytes {
                refuse(
                    HTTPError(.requestHeaderFieldsTooLarge, "request head over \(configuration.maxHeaderBytes) bytes"))
                return nil
            }
            switch fill(until: deadline) {
            case .data: continue
            case .closed: return nil
            case .timedOut:
                refuse(HTTPError(.requestTimeout, "the request was not complete within the time allowed"))
                return nil
            }
        }
        guard let (headLength, consumed) = headEnd else { return nil }
        guard headLength <= configuration.maxHeaderBytes else {
            refuse(HTTPError(.requestHeaderFieldsTooLarge, "request head over \(configuration.maxHeaderBytes) bytes"))
            return nil
        }
        let head: HTTPRequestHead
        do {
            head = try HTTPRequestHead.parse(buffer[..<headLength], maxBodyBytes: configuration.maxBodyBytes)
        } catch {
            refuse(error)
            return nil
        }
        buffer.removeFirst(consumed)
        if head.expectsContinue && buffer.count < head.contentLength {
            guard write(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        while buffer.count < head.contentLength {
            switch fill(until: deadline) {
            case .data: continue
            case .closed: return nil
            case .timedOut:
                refuse(HTTPError(.requestTimeout, "the request body was not complete within the time allowed"))
                return nil
            }
        }
        let body = Array(buffer[..<head.contentLength])
        buffer.removeFirst(head.contentLength)
        return HTTPRequest(head: head, body: body)
    }

    /// Where the head ends: the length of the head (up to the line feed before the empty line) and the
    /// bytes to consume (through the empty line). Searches from `start`, which is behind any earlier match.
    private func findHeadEnd(from start: Int) -> (head: Int, consumed: Int)? {
        var index = start
        let limit = min(buffer.count, configuration.maxHeaderBytes + 4)
        while index < limit {
            if buffer[index] == UInt8(ascii: "\n") {
                if index + 1 < buffer.count, buffer[index + 1] == UInt8(ascii: "\n") {
                    return (index, index + 2)
                }
                if index + 2 < buffer.count, buffer[index + 1] == UInt8(ascii: "\r"),
                    buffer[index + 2] == UInt8(ascii: "\n")
                {
                    return (index, index + 3)
                }
            }
            index += 1
        }
        return nil
    }

    /// Answers a request that cannot be served, closing the connection after it (the rest of what the
    /// client sent cannot be trusted to be framed right).
    private func refuse(_ error: HTTPError) {
        let response = HTTPResponse.text(error.status, error.message + "\n")
        guard write(response.serialized(keepAlive: false)) else { return }
        // Closing with unread input makes the kernel reset the connection, which can destroy the answer
        // before the client reads it. So: end our side, then read and drop what the client still sends, briefly.
        _ = shutdown(descriptor, Int32(SHUT_WR))
        let deadline = ContinuousClock.now + .milliseconds(500)
        var drained = 0
        while drained < 1 << 20, wait(for: Int16(POLLIN), until: deadline) {
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                drained += count
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                return
            }
        }
    }

    /// Reads what is there, waiting until `deadline` at most.
    private func fill(until deadline: ContinuousClock.Instant) -> ReadOutcome {
        while true {
            guard wait(for: Int16(POLLIN), until: deadline) else { return .timedOut }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count > 0 {
                buffer.append(contentsOf: chunk[..<count])
                return .data
            }
            if count == 0 { return .closed }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            return .closed
        }
    }

    /// Writes all of `bytes` within the write timeout; false when the client is gone or too slow.
    private func write(_ bytes: [UInt8]) -> Bool {
        let deadline = ContinuousClock.now + configuration.writeTimeout
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw in
                send(descriptor, raw.baseAddress! + offset, raw.count - offset, Int32(sendFlags))
            }
            if count > 0 {
                offset += count
                continue
            }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                guard wait(for: Int16(POLLOUT), until: deadline) else { return false }
                continue
            }
            return false
        }
        return true
    }

    /// Waits until the descriptor is ready for `events` (or hung up, which the next read or write reports);
    /// false when the deadline passed first.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        while true {
            let left = deadline - .now
            guard left > .zero else { return false }
            let (seconds, attoseconds) = left.components
            let milliseconds = Int32(
                clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            var descriptorSet = pollfd(fd: descriptor, events: events, revents: 0)
            let ready = poll(&descriptorSet, 1, milliseconds)
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR { return true }  // let the read or write report the error
        }
    }
}

#if canImport(Glibc)
    /// No SIGPIPE when the client has gone: the write reports EPIPE instead.
    private let sendFlags = Int(MSG_NOSIGNAL)
#else
    private let sendFlags = 0
#endif
