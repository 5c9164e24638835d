import Testing

@testable import sluice

/// `sluice bench` cuts each output's latency at its Kafka timestamp (whole wall-clock milliseconds); checked
/// against the true times of randomly placed sends, produce calls and arrivals.
@Suite struct LatencySplitTests {
    @Test func eachSideIsWithinHalfAMillisecondOfTheTruth() {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            // An arbitrary, not millisecond-aligned offset between the wall clock and uptime.
            let wallMinusUptime = 1_765_000_000_000_000_000 + Int64.random(in: 0..<1_000_000_000, using: &random)
            let sent = UInt64.random(in: 1_000_000_000..<2_000_000_000, using: &random)
            let producedUptime = sent + UInt64.random(in: 0..<30_000_000, using: &random)
            let received = producedUptime + UInt64.random(in: 0..<30_000_000, using: &random)
            // What librdkafka stamps: the produce call's wall clock, truncated to the millisecond.
            let timestamp = (Int64(producedUptime) + wallMinusUptime) / 1_000_000
            let split = LatencySplit(
                sentUptime: sent, receivedUptime: received, producedWallMilliseconds: timestamp,
                wallMinusUptime: wallMinusUptime)
            let trueUntil = Int64(producedUptime - sent) / 1000
            let trueAfter = Int64(received - producedUptime) / 1000
            // Within half a millisecond of either end a side may be cut to 0 instead; elsewhere both sides are
            // that close to the truth and add up to the whole.
            guard trueUntil >= 501, trueAfter >= 501 else { continue }
            #expect(abs(Int64(split.untilProduced) - trueUntil) <= 501)
            #expect(abs(Int64(split.afterProduced) - trueAfter) <= 501)
            #expect(abs(Int64(split.untilProduced + split.afterProduced) - Int64(received - sent) / 1000) <= 2)
        }
    }

    @Test func aTimestampOutsideSendAndArrivalReadsZeroNotAWrappedValue() {
        let wallMinusUptime: Int64 = 1_765_000_000_000_000_000
        let before = LatencySplit(
            sentUptime: 5_000_000_000, receivedUptime: 5_010_000_000,
            producedWallMilliseconds: (wallMinusUptime + 4_000_000_000) / 1_000_000, wallMinusUptime: wallMinusUptime)
        #expect(before.untilProduced == 0)
        #expect(before.afterProduced == 1_009_500)
        let after = LatencySplit(
            sentUptime: 5_000_000_000, receivedUptime: 5_010_000_000,
            producedWallMilliseconds: (wallMinusUptime + 6_000_000_000) / 1_000_000, wallMinusUptime: wallMinusUptime)
        #expect(after.untilProduced == 1_000_500)
        #expect(after.afterProduced == 0)
    }
}
