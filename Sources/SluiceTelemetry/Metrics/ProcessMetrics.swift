#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process' own resource use, read from `/proc/self` at every scrape, under the names Prometheus' client
/// libraries use: `process_cpu_seconds_total`, `process_resident_memory_bytes`, `process_virtual_memory_bytes`,
/// `process_open_fds`, `process_max_fds`, `process_threads`, `process_start_time_seconds`. Where `/proc` is
/// missing (macOS) it writes nothing.
public struct ProcessMetrics: MetricCollector {
    /// One reading of `/proc/self`.
    public struct Reading: Sendable, Equatable {
        /// User plus system CPU time, in seconds.
        public var cpuSeconds: Double
        /// Resident set size, in bytes.
        public var residentBytes: Int
        /// Virtual memory size, in bytes.
        public var virtualBytes: Int
        /// Threads in the process.
        public var threads: Int
        /// Start of the process, in seconds since the Unix epoch.
        public var startTimeSeconds: Double?
        /// Open file descriptors.
        public var openFileDescriptors: Int?
        /// The soft limit on file descriptors.
        public var maxFileDescriptors: Int?
    }

    public init() {}

    /// Reads `/proc/self/stat` (and `/proc/stat`, `/proc/self/fd`); nil where there is no `/proc`.
    public static func reading() -> Reading? {
        guard let stat = readFile("/proc/self/stat"),
            let closing = stat.lastIndex(of: UInt8(ascii: ")"))
        else { return nil }
        // The command name (field 2) is in parentheses and may hold spaces: fields count from after it.
        let fields = stat[(closing + 1)...].split(separator: UInt8(ascii: " ")).map {
            String(decoding: $0, as: UTF8.self)
        }
        func field(_ number: Int) -> Int? {
            let index = number - 3
            return index < fields.count ? Int(fields[index].filter { !$0.isWhitespace }) : nil
        }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        guard let userTicks = field(14), let systemTicks = field(15), let threads = field(20),
            let startTicks = field(22), let virtualBytes = field(23), let residentPages = field(24),
            ticksPerSecond > 0
        else { return nil }
        return Reading(
            cpuSeconds: Double(userTicks + systemTicks) / ticksPerSecond,
            residentBytes: residentPages * pageSize,
            virtualBytes: virtualBytes,
            threads: threads,
            startTimeSeconds: bootTime.map { $0 + Double(startTicks) / ticksPerSecond },
            openFileDescriptors: openFileDescriptorCount(),
            maxFileDescriptors: fileDescriptorLimit())
    }

    public func collect(into writer: inout MetricWriter) {
        guard let reading = Self.reading() else { return }
        writer.family(
            "process_cpu_seconds_total", help: "Total user and system CPU time spent in seconds.", type: .counter)
        writer.sample("process_cpu_seconds_total", value: reading.cpuSeconds)
        writer.family("process_resident_memory_bytes", help: "Resident memory size in bytes.", type: .gauge)
        writer.sample("process_resident_memory_bytes", value: Double(reading.residentBytes))
        writer.family("process_virtual_memory_bytes", help: "Virtual memory size in bytes.", type: .gauge)
        writer.sample("process_virtual_memory_bytes", value: Double(reading.virtualBytes))
        writer.family("process_threads", help: "Number of OS threads in the process.", type: .gauge)
        writer.sample("process_threads", value: Double(reading.threads))
        if let start = reading.startTimeSeconds {
            writer.family(
                "process_start_time_seconds", help: "Start time of the process since unix epoch in seconds.",
                type: .gauge)
            writer.sample("process_start_time_seconds", value: start)
        }
        if let open = reading.openFileDescriptors {
            writer.family("process_open_fds", help: "Number of open file descriptors.", type: .gauge)
            writer.sample("process_open_fds", value: Double(open))
        }
        if let limit = reading.maxFileDescriptors {
            writer.family("process_max_fds", help: "Maximum number of open file descriptors.", type: .gauge)
            writer.sample("process_max_fds", value: Double(limit))
        }
    }

    /// Seconds since the epoch at which the machine booted (`btime` in `/proc/stat`), read once.
    private static let bootTime: Double? = readBootTime()

    private static func readBootTime() -> Double? {
        guard let stat = readFile("/proc/stat") else { return nil }
        for line in stat.split(separator: UInt8(ascii: "\n")) where line.starts(with: "btime ".utf8) {
            return Double(String(decoding: line.dropFirst(6), as: UTF8.self))
        }
        return nil
    }

    private static func openFileDescriptorCount() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { name in
                name[0] == UInt8(ascii: ".")
            }
            if !isDot { count += 1 }
        }
        // The directory stream itself holds one descriptor while we count.
        return max(count - 1, 0)
    }

    private static func fileDescriptorLimit() -> Int? {
        var limit = rlimit()
        #if canImport(Glibc)
            let resource = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
        #else
            let resource = RLIMIT_NOFILE
        #endif
        // RLIM_INFINITY is all ones; Swift cannot import its C definition as an unsigned constant.
        guard getrlimit(resource, &limit) == 0, limit.rlim_cur != rlim_t.max else { return nil }
        return Int(clamping: limit.rlim_cur)
    }

    /// A small file's whole content (`/proc` files report size 0, so read until end of file).
    static func readFile(_ path: String) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[..<count])
        }
        return bytes
    }
}

extension MetricRegistry {
    /// Adds ``ProcessMetrics`` to this registry (once, however often it is called).
    public func registerProcessMetrics() {
        if processMetricsRegistered.exchange(true, ordering: .relaxed) == false {
            register(ProcessMetrics())
        }
    }
}
