#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a model file's bytes with POSIX calls, so SluiceModels needs no Foundation.
enum ModelFile {
    /// Files larger than this are refused rather than read into memory. Default: 2 GiB.
    static let maximumSize = 2 << 30

    static func read(path: String) throws(ModelError) -> [UInt8] {
        // Non-blocking, so that opening a FIFO by mistake fails below instead of hanging.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw ModelError(.fileUnreadable, path: path, "cannot open the file: \(describeErrno(errno))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw ModelError(.fileUnreadable, path: path, "cannot stat the file: \(describeErrno(errno))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw ModelError(.fileUnreadable, path: path, "not a regular file")
        }
        let size = Int(status.st_size)
        guard size <= maximumSize else {
            throw ModelError(
                .fileUnreadable, path: path, "the file is \(size) bytes, more than the \(maximumSize) allowed")
        }
        var bytes = [UInt8](repeating: 0, count: size)
        var filled = 0
        while filled < size {
            let count = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + filled, size - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw ModelError(.fileUnreadable, path: path, "read failed: \(describeErrno(errno))")
            }
            if count == 0 { break }
            filled += count
        }
        if filled < size { bytes.removeLast(size - filled) }
        return bytes
    }

    private static func describeErrno(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
