#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An IPv4 or IPv6 address to listen on, parsed from the configured host.
struct ListenAddress {
    enum Family {
        case v4(in_addr)
        case v6(in6_addr)
    }

    var family: Family
    var port: UInt16

    /// `host` as an address literal (`localhost` is 127.0.0.1); nil for anything else.
    init?(host: String, port: UInt16) {
        self.port = port
        let literal = host == "localhost" ? "127.0.0.1" : host
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, literal, &v4) == 1 {
            family = .v4(v4)
        } else if inet_pton(AF_INET6, literal.trimmingBrackets(), &v6) == 1 {
            family = .v6(v6)
        } else {
            return nil
        }
    }

    /// 127.0.0.0/8 or ::1 (or ::ffff:127.x.y.z).
    var isLoopback: Bool {
        switch family {
        case .v4(let address):
            return UInt32(bigEndian: address.s_addr) >> 24 == 127
        case .v6(let address):
            let bytes = withUnsafeBytes(of: address) { Array($0) }
            let isOne = bytes[0..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
            let isMappedLoopback =
                bytes[0..<10].allSatisfy { $0 == 0 } && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
            return isOne || isMappedLoopback
        }
    }
}

extension String {
    fileprivate func trimmingBrackets() -> String {
        hasPrefix("[") && hasSuffix("]") ? String(dropFirst().dropLast()) : self
    }
}

/// A bound, listening, non-blocking TCP socket. Owns its descriptor until ``close()``.
struct ListeningSocket {
    let descriptor: Int32
    /// The port actually bound (the system's pick when 0 was asked).
    let port: Int

    static func open(_ address: ListenAddress, backlog: Int32) throws(TelemetryError) -> ListeningSocket {
        let domain: Int32
        switch address.family {
        case .v4: domain = AF_INET
        case .v6: domain = AF_INET6
        }
        #if canImport(Glibc)
            let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
            let streamType = SOCK_STREAM
        #endif
        let descriptor = socket(domain, streamType, 0)
        guard descriptor >= 0 else {
            throw TelemetryError(.listenFailed, "socket() failed: \(errnoText())")
        }
        var failed = false
        defer { if failed { closeDescriptor(descriptor) } }
        var one: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))

        var result: Int32
        switch address.family {
        case .v4(let ip):
            var socketAddress = sockaddr_in()
            socketAddress.sin_family = sa_family_t(AF_INET)
            socketAddress.sin_port = address.port.bigEndian
            socketAddress.sin_addr = ip
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        case .v6(let ip):
            var socketAddress = sockaddr_in6()
            socketAddress.sin6_family = sa_family_t(AF_INET6)
            socketAddress.sin6_port = address.port.bigEndian
            socketAddress.sin6_addr = ip
            result = withUnsafePointer(to: &socketAddress) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        }
        guard result == 0 else {
            failed = true
            throw TelemetryError(.listenFailed, "cannot bind port \(address.port): \(errnoText())")
        }
        guard listen(descriptor, backlog) == 0 else {
            failed = true
            throw TelemetryError(.listenFailed, "listen() failed: \(errnoText())")
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)

        var bound = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let port: UInt16 =
            switch address.family {
            case .v4:
                withUnsafePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_port }
                }
            case .v6:
                withUnsafePointer(to: &bound) {
                    $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_port }
                }
            }
        return ListeningSocket(descriptor: descriptor, port: Int(UInt16(bigEndian: port)))
    }

    func close() {
        closeDescriptor(descriptor)
    }
}

/// Closes a descriptor this module owns (a free function: types here have their own `close`).
func closeDescriptor(_ descriptor: Int32) {
    _ = close(descriptor)
}

/// The text of the current `errno`.
func errnoText() -> String {
    let code = errno
    return "\(String(cString: strerror(code))) (errno \(code))"
}
