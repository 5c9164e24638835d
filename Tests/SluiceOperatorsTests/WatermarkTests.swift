import Testing

@testable import SluiceOperators

@Suite struct WatermarkTests {
    @Test func tumblingWindowStaysOpenWhileTheWatermarkIsOneBelowItsEnd() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "w", key: "k", kind: .tumbling(size: 1000), allowedLateness: 100, aggregates: countAndSum())
        ])
        driver.send("a", 500)
        driver.send("b", 1099)  // watermark 999: [0, 1000) still open
        #expect(driver.engine.watermark(window: 0) == 999)
        let result = driver.send("a", 999)
        #expect(!result.isLate)
        #expect(driver.value("w.n") == 2)
    }

    @Test func tumblingWindowClosesWhenTheWatermarkReachesItsEnd() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "w", key: "k", kind: .tumbling(size: 1000), allowedLateness: 100, aggregates: countAndSum(),
                emitsOnClose: true)
        ])
        driver.send("a", 500, x: 3)
        let closing = driver.send("b", 1100)  // watermark 1000 = end of [0, 1000)
        #expect(closing.closedWindowCount == 1)
        #expect(driver.closed.first?.key == "a" && driver.closed.first?.start == 0 && driver.closed.first?.end == 1000)
        #expect(driver.closed.first?.values == [1, 3])
        let late = driver.send("a", 999)
        #expect(late.lateWindows.contains(window: 0))
        #expect(driver.value("w.n").isNaN)
        #expect(driver.engine.statistics(window: 0).lateEvents == 1)
        // The next window is open: t = 1000 is accepted.
        #expect(!driver.send("a", 1000).isLate)
    }

    @Test func hoppingEventIsAcceptedWhileAnyWindowHoldingItIsOpen() throws {
        // Windows [0,1000), [250,1250), [500,1500), [750,1750) hold t = 800.
        let driver = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .hopping(size: 1000, advance: 250), aggregates: countAndSum())
        ])
        driver.send("a", 100)
        driver.send("b", 1749)  // watermark 1749: only [750, 1750) still holds 800
        let result = driver.send("a", 800)
        #expect(!result.isLate)
        // The read window is the earliest-ending open one: [750, 1750), which holds only this event.
        #expect(driver.value("w.n") == 1)
        driver.send("b", 1750)
        #expect(driver.send("a", 999).isLate)  // every window holding 999 ends by 1750
    }

    @Test func hoppingReadsTheWindowEndingAtTheNextPaneBoundary() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "w", key: "k", kind: .hopping(size: 1000, advance: 250), allowedLateness: 10_000,
                aggregates: countAndSum())
        ])
        for time: Int64 in [100, 300, 600, 900, 1100] { driver.send("a", time) }
        // t = 1100 reads [250, 1250): 300, 600, 900, 1100.
        #expect(driver.value("w.n") == 4)
        // An out-of-order t = 200 reads [−750, 250): 100 and itself.
        driver.send("a", 200)
        #expect(driver.value("w.n") == 2)
    }

    @Test func slidingLookbackIncludesTheEventAndExcludesItsStart() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "w", key: "k", kind: .sliding(size: 1000), allowedLateness: 50, aggregates: countAndSum())
        ])
        driver.send("a", 0, x: 1)
        driver.send("a", 999, x: 2)
        #expect(driver.value("w.s") == 3)  // (−1, 999] holds both
        driver.send("a", 1000, x: 4)
        #expect(driver.value("w.s") == 6)  // (0, 1000] excludes t = 0
        // Watermark 950: t = 950 is accepted, t = 949 is late.
        #expect(!driver.send("a", 950, x: 8).isLate)
        #expect(driver.value("w.s") == 9)  // (−50, 950]: 0 and 950
        #expect(driver.send("a", 949).lateWindows.contains(window: 0))
    }

    @Test func idlePartitionClosesWindowsOnceTheIdleTimeoutHasPassed() throws {
        let driver = try EngineDriver(
            [
                WindowDefinition(
                    name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum(), emitsOnClose: true)
            ],
            idleTimeout: 1000)
        driver.send("a", 10_500)
        #expect(driver.engine.advance(wallClockNow: 50_000) == 0)  // the batch's activity
        #expect(driver.engine.advance(wallClockNow: 50_999) == 0)  // idle for 999 ms: nothing moves
        #expect(driver.engine.currentEventClock == 10_500)
        #expect(driver.engine.advance(wallClockNow: 51_000) == 1)  // idle 1000 ms: clock 10_500 + 1000
        #expect(driver.engine.currentEventClock == 11_500)
        #expect(driver.closed.map(\.end) == [11_000])
        #expect(driver.send("a", 10_999).isLate)
        #expect(!driver.send("a", 11_600).isLate)
        // That event was activity: the next advance records it and does not move the clock.
        driver.engine.advance(wallClockNow: 60_000)
        #expect(driver.engine.currentEventClock == 11_600)
        driver.engine.advance(wallClockNow: 61_000)
        #expect(driver.engine.currentEventClock == 12_600)
        #expect(driver.closed.map(\.end) == [12_000])
    }

    @Test func idleTimeoutNilNeverMovesTheClock() throws {
        let driver = try EngineDriver(
            [WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum())],
            idleTimeout: nil)
        driver.send("a", 500)
        driver.engine.advance(wallClockNow: 0)
        driver.engine.advance(wallClockNow: 10_000_000)
        #expect(driver.engine.currentEventClock == 500)
    }

    @Test func closedWindowsAreOrderedByEndThenWindowThenKeyBytesThenStart() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "a", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum(), emitsOnClose: true),
            WindowDefinition(
                name: "b", key: "k", kind: .hopping(size: 2000, advance: 1000), aggregates: countAndSum(),
                emitsOnClose: true),
        ])
        for key in ["b", "a\u{0}", "a", "c"] { driver.send(key, 500) }
        driver.send("z", 1500)
        let closed = driver.engine.closedWindows.map { ($0.window, String(decoding: $0.key, as: UTF8.self), $0.end) }
        let expected: [(Int, String, Int64)] = [
            (0, "a", 1000), (0, "a\u{0}", 1000), (0, "b", 1000), (0, "c", 1000),
            (1, "a", 1000), (1, "a\u{0}", 1000), (1, "b", 1000), (1, "c", 1000),
        ]
        #expect(closed.count == expected.count)
        for (got, want) in zip(closed, expected) { #expect(got == want) }
    }

    @Test func eventTimesOutsideTheSupportedRangeAreRefused() throws {
        let driver = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum())
        ])
        let result = driver.send("a", .max)
        #expect(result.isTimeOutOfRange)
        #expect(driver.value("w.n").isNaN)
        #expect(driver.engine.currentEventClock == nil)
        #expect(!driver.send("a", WindowEngine.maximumEventTime).isTimeOutOfRange)
    }
}
