#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Testing

@testable import SluiceOperators

let isPerformanceRun = getenv("SLUICE_PERF").map { String(cString: $0) == "1" } ?? false

/// Speed and memory of the three-window set of DESIGN.md's budget. Not a timed test: it prints numbers
/// for docs/windows.md and only fails on the memory bound. Run it in release:
/// `SLUICE_PERF=1 swift test -c release --filter WindowPerformanceTests`.
@Suite(.serialized, .enabled(if: isPerformanceRun)) struct WindowPerformanceTests {
    static let threeWindows = [
        WindowDefinition(
            name: "card_1m", key: "card", kind: .tumbling(size: 60_000), allowedLateness: 5_000,
            aggregates: [Aggregate("n", .count), Aggregate("total", .sum(input: "amount"))]),
        WindowDefinition(
            name: "card_10m", key: "card", kind: .hopping(size: 600_000, advance: 60_000), allowedLateness: 5_000,
            aggregates: [
                Aggregate("n", .count), Aggregate("total", .sum(input: "amount")),
                Aggregate("peak", .max(input: "amount")),
            ]),
        WindowDefinition(
            name: "card_1h", key: "card", kind: .sliding(size: 3_600_000), allowedLateness: 5_000,
            aggregates: [Aggregate("n", .count), Aggregate("mean", .mean(input: "amount"))]),
    ]

    /// Resident set size from /proc/self/statm, in bytes; -1 where it cannot be read.
    static func residentBytes() -> Int {
        guard let file = fopen("/proc/self/statm", "r") else { return -1 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        guard fgets(&line, 256, file) != nil else { return -1 }
        let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return -1 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// CPU time of the calling thread, so that other processes on the machine do not count.
    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Writes `card-` and eight digits of `index` into `buffer`.
    static func key(_ index: Int, into buffer: UnsafeMutableRawBufferPointer) {
        let prefix: [UInt8] = Array("card-".utf8)
        for (offset, byte) in prefix.enumerated() { buffer[offset] = byte }
        var rest = index
        for position in stride(from: 12, through: 5, by: -1) {
            buffer[position] = UInt8(48 + rest % 10)
            rest /= 10
        }
    }

    static func report(_ engine: WindowEngine, label: String) {
        for window in engine.configuration.windows.indices {
            let statistics = engine.statistics(window: window)
            let perKey = statistics.liveKeys == 0 ? 0 : statistics.approximateBytes / statistics.liveKeys
            print(
                "[perf] \(label) \(engine.configuration.windows[window].name): live keys \(statistics.liveKeys), "
                    + "items \(statistics.liveItems), ≈\(perKey) B/key, late \(statistics.lateEvents)")
        }
        let shared = engine.statistics(window: 0)
        print(
            "[perf] \(label) keyspace: \(shared.keyspaceLiveKeys) keys, "
                + "≈\(shared.keyspaceApproximateBytes / max(shared.keyspaceLiveKeys, 1)) B/key for table, bytes and recency"
        )
    }

    @Test(arguments: [100_000, 10_000])
    func threeWindowsThroughput(keyCount: Int) throws {
        let engine = try WindowEngine(configuration: WindowEngineConfiguration(windows: Self.threeWindows))
        var event = engine.makeEvent()
        let amount = engine.valueIndex(named: "amount")!
        var keys = [UInt8](repeating: 0, count: keyCount * 13)
        keys.withUnsafeMutableBytes { buffer in
            for index in 0..<keyCount {
                Self.key(index, into: UnsafeMutableRawBufferPointer(rebasing: buffer[(index * 13)..<(index * 13 + 13)]))
            }
        }
        var random = SeededGenerator(seed: 5)
        let start: Int64 = 1_700_000_000_000
        // 2 ms of event time per event: 500 events/s per partition, 100 minutes for 3M events;
        // with 100k keys about 18 events per key inside the sliding hour, with 10k keys 180.
        func run(_ range: Range<Int>) -> (wall: Double, cpu: Double) {
            let began = ContinuousClock.now
            let cpuBegan = Self.threadCPUSeconds()
            keys.withUnsafeBytes { keys in
                for index in range {
                    let draw = random.next()
                    let key = Int(draw % UInt64(keyCount))
                    event.eventTime = start + Int64(index) * 2 - Int64((draw >> 32) % 2000)
                    event.values[amount] = Double((draw >> 40) % 50_000) / 100
                    event.setKey(UnsafeRawBufferPointer(rebasing: keys[(key * 13)..<(key * 13 + 13)]))
                    _ = engine.process(event)
                }
            }
            let elapsed = ContinuousClock.now - began
            let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            return (wall, Self.threadCPUSeconds() - cpuBegan)
        }
        let warmUp = run(0..<1_000_000)
        let measured = 3_000_000
        let (wall, cpu) = run(1_000_000..<(1_000_000 + measured))
        print(
            "[perf] three windows, \(keyCount / 1000)k keys: \(Int(Double(measured) / cpu)) events/s of thread CPU time "
                + "(\(Int(cpu / Double(measured) * 1e9)) ns/event), \(Int(Double(measured) / wall)) events/s wall clock; "
                + "warm-up 1M in \(warmUp.wall) s")
        Self.report(engine, label: "\(keyCount / 1000)k")
    }

    @Test func oneMillionKeysTimesThreeWindowsStayUnderOneGibibyte() throws {
        let before = Self.residentBytes()
        let engine = try WindowEngine(
            configuration: WindowEngineConfiguration(windows: Self.threeWindows, maxKeys: 2_000_000))
        var event = engine.makeEvent()
        let amount = engine.valueIndex(named: "amount")!
        var random = SeededGenerator(seed: 6)
        var key = [UInt8](repeating: 0, count: 13)
        let start: Int64 = 1_700_000_000_000
        let keyCount = 1_000_000
        // Every key first, then 4M more events at random: about 5 events per key over 10 minutes.
        let total = 5_000_000
        let began = ContinuousClock.now
        for index in 0..<total {
            let draw = random.next()
            let keyIndex = index < keyCount ? index : Int(draw % UInt64(keyCount))
            key.withUnsafeMutableBytes { Self.key(keyIndex, into: $0) }
            event.eventTime = start + Int64(index) * 120 / 1000 - Int64((draw >> 32) % 2000)
            event.values[amount] = Double((draw >> 40) % 50_000) / 100
            key.withUnsafeBytes { event.setKey($0) }
            _ = engine.process(event)
        }
        let elapsed = ContinuousClock.now - began
        let after = Self.residentBytes()
        print("[perf] 1M keys: \(total) events in \(elapsed)")
        Self.report(engine, label: "1M")
        print(
            "[perf] 1M keys × 3 windows: resident \(after / (1 << 20)) MiB (process), "
                + "\((after - before) / (1 << 20)) MiB grown, \((after - before) / keyCount) B/key for all three windows"
        )
        #expect(engine.statistics(window: 0).keyspaceLiveKeys == keyCount)
        #expect(after < 1 << 30)
    }
}
