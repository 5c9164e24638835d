import Dispatch
import Foundation

/// One output's end-to-end latency cut at its Kafka timestamp, the wall-clock millisecond at which the pipeline
/// handed it to its producer (librdkafka's `CreateTime`). Send and arrival are uptime nanoseconds, so the
/// timestamp is moved onto the uptime clock with the offset between the two clocks. The timestamp has whole
/// milliseconds: it is read as the middle of its millisecond, so each side is within ±0.5 ms; a side that would be
/// negative (the clocks stepped) reads 0.
struct LatencySplit: Equatable {
    /// Microseconds from send to the produce call.
    var untilProduced: UInt64
    /// Microseconds from the produce call to the output being readable downstream.
    var afterProduced: UInt64

    init(sentUptime: UInt64, receivedUptime: UInt64, producedWallMilliseconds: Int64, wallMinusUptime: Int64) {
        let producedUptime = producedWallMilliseconds &* 1_000_000 &+ 500_000 &- wallMinusUptime
        untilProduced = UInt64(max(producedUptime &- Int64(truncatingIfNeeded: sentUptime), 0) / 1000)
        afterProduced = UInt64(max(Int64(truncatingIfNeeded: receivedUptime) &- producedUptime, 0) / 1000)
    }

    /// Wall-clock nanoseconds since 1970 minus uptime nanoseconds, now.
    static func wallMinusUptimeNanoseconds() -> Int64 {
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let uptime = DispatchTime.now().uptimeNanoseconds
        return Int64(wall.tv_sec) &* 1_000_000_000 &+ Int64(wall.tv_nsec) &- Int64(truncatingIfNeeded: uptime)
    }
}
