import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A GET on loopback: status and body, or nil when nothing answers.
func get(_ address: String) -> (status: Int, body: String)? {
    var request = URLRequest(url: URL(string: address)!, timeoutInterval: 5)
    request.httpMethod = "GET"
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var result: (status: Int, body: String)?
    URLSession.shared.dataTask(with: request) { data, response, _ in
        if let response = response as? HTTPURLResponse {
            result = (response.statusCode, data.map { String(decoding: $0, as: UTF8.self) } ?? "")
        }
        done.signal()
    }.resume()
    _ = done.wait(timeout: .now() + 10)
    return result
}

/// Polls `condition` every 0.2 s until it holds or `seconds` have passed; returns whether it held.
func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.2)
    }
    return condition()
}

/// A TCP port on 127.0.0.1 that was free a moment ago.
func freeLoopbackPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
            bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
        }
    }
    guard bound else { throw POSIXError(.EADDRINUSE) }
    return Int(UInt16(bigEndian: address.sin_port))
}
