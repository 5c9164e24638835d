import Testing

@testable import SluiceOperators

@Suite struct SessionWindowTests {
    func sessions(emitting: Bool = true, lateness: Int64 = 0) throws -> EngineDriver {
        try EngineDriver([
            WindowDefinition(
                name: "s", key: "k", kind: .session(gap: 100), allowedLateness: lateness,
                aggregates: countAndSum() + [
                    Aggregate("first", .first(input: "x")), Aggregate("last", .last(input: "x")),
                ],
                emitsOnClose: emitting)
        ])
    }

    @Test func eventsCloserThanTheGapShareASession() throws {
        let driver = try sessions(lateness: 1000)
        driver.send("a", 0, x: 1)
        driver.send("a", 99, x: 2)
        #expect(driver.value("s.n") == 2)
        driver.send("a", 199, x: 4)  // 199 − 99 = 100 = gap: a new session
        #expect(driver.value("s.n") == 1)
        #expect(driver.engine.statistics(window: 0).liveItems == 2)
    }

    @Test func outOfOrderEventBridgingTwoSessionsMergesThem() throws {
        let driver = try sessions(lateness: 1000)
        driver.send("a", 0, x: 1)
        driver.send("a", 80, x: 2)  // [0, 180)
        driver.send("a", 260, x: 4)  // [260, 360)
        #expect(driver.engine.statistics(window: 0).liveItems == 2)
        driver.send("a", 170, x: 8)  // [170, 270) touches both: one session [0, 360)
        #expect(driver.value("s.n") == 4)
        #expect(driver.value("s.s") == 15)
        #expect(driver.value("s.first") == 1)
        #expect(driver.value("s.last") == 4)
        #expect(driver.engine.statistics(window: 0).liveItems == 1)
        driver.send("b", 1359)
        #expect(driver.closed.isEmpty)
        driver.send("b", 1360)  // watermark 360 closes [0, 360)
        #expect(driver.closed.count == 1)
        #expect(driver.closed.first?.start == 0 && driver.closed.first?.end == 360)
        #expect(driver.closed.first?.values == [4, 15, 1, 4])
    }

    @Test func eventWhoseOwnWindowIsClosedJoinsAnOpenSessionItTouches() throws {
        let driver = try sessions()
        driver.send("a", 50)  // [50, 150)
        driver.send("a", 120)  // [50, 220), watermark 120
        driver.send("b", 150)  // watermark 150
        // [10, 110) alone would be closed (110 ≤ 150) but it touches the open session.
        let result = driver.send("a", 10)
        #expect(!result.isLate)
        #expect(driver.value("s.n") == 3)
        // [−100, 0) touches nothing open: late.
        #expect(driver.send("a", -100).isLate)
    }

    @Test func closedSessionIsNeverReopenedNorSplit() throws {
        let driver = try sessions()
        driver.send("a", 0)
        driver.send("b", 100)  // closes a's [0, 100)
        #expect(driver.closed.map(\.end) == [100])
        // t = 60 would have joined [0, 100) but that session is closed; its own window [60, 160) is open.
        #expect(!driver.send("a", 60).isLate)
        #expect(driver.value("s.n") == 1)
    }

    @Test func sessionsOfDifferentKeysAreIndependent() throws {
        let driver = try sessions(emitting: false, lateness: 1000)
        for time: Int64 in [0, 50, 100] { driver.send("a", time) }
        driver.send("b", 60)
        #expect(driver.value("s.n") == 1)
        driver.send("a", 150)
        #expect(driver.value("s.n") == 4)
    }
}

@Suite struct KeyEvictionTests {
    @Test func fullKeyspaceEvictsTheLeastRecentlyUpdatedKeyWithoutEmittingIt() throws {
        let driver = try EngineDriver(
            [
                WindowDefinition(
                    name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum(), emitsOnClose: true)
            ], maxKeys: 3)
        driver.send("a", 10)
        driver.send("b", 20)
        driver.send("c", 30)
        driver.send("a", 40)  // recency now: b, c, a
        driver.send("d", 50)  // evicts b
        let statistics = driver.engine.statistics(window: 0)
        #expect(statistics.keyspaceEvictions == 1)
        #expect(statistics.keyspaceLiveKeys == 3)
        var buffer: [UInt8] = []
        #expect(
            !driver.engine.encodeState(keyspace: 0, key: UnsafeRawBufferPointer(start: nil, count: 0), into: &buffer))
        let hasB = Array("b".utf8).withUnsafeBytes { driver.engine.encodeState(keyspace: 0, key: $0, into: &buffer) }
        #expect(!hasB)
        var tombstones: [String] = []
        var states: [String] = []
        driver.engine.flushChanges { record in
            let key = String(decoding: record.key, as: UTF8.self)
            if record.state == nil { tombstones.append(key) } else { states.append(key) }
        }
        #expect(tombstones == ["b"])
        #expect(Set(states) == ["a", "c", "d"])
        // b comes back fresh; c is now the least recent and goes.
        driver.send("b", 60)
        #expect(driver.value("w.n") == 1)
        // b's arrival evicted c. Now [0, 1000) closes for a, b and d, emptying them, so x evicts nobody.
        driver.send("x", 2000)
        #expect(driver.closed.map(\.key) == ["a", "b", "d"])
    }

    @Test func lateEventsDoNotRefreshRecency() throws {
        let driver = try EngineDriver(
            [WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum())],
            maxKeys: 2)
        driver.send("a", 1500)
        driver.send("b", 1600)
        #expect(driver.send("a", 10).isLate)  // [0, 1000) is closed: late, a stays least recent
        driver.send("c", 1700)
        driver.send("b", 1800)
        #expect(driver.value("w.n") == 2)  // b survived
        driver.send("a", 1900)
        #expect(driver.value("w.n") == 1)  // a was evicted by c
    }

    @Test func stateStaysBoundedUnderEndlessNewKeys() throws {
        let driver = try EngineDriver(
            [
                WindowDefinition(name: "t", key: "k", kind: .tumbling(size: 60_000), aggregates: countAndSum()),
                WindowDefinition(name: "s", key: "k", kind: .sliding(size: 600_000), aggregates: countAndSum()),
            ], maxKeys: 500)
        for index in 0..<20_000 { driver.send("key-\(index)", Int64(index)) }
        let statistics = driver.engine.statistics(window: 1)
        #expect(statistics.keyspaceLiveKeys == 500)
        #expect(statistics.liveKeys == 500)
        #expect(statistics.liveItems == 500)
        #expect(statistics.keyspaceEvictions == 19_500)
    }

    @Test func withoutChangeRecordingKeyChurnLeavesNoChangelogBacklog() throws {
        let engine = try WindowEngine(
            configuration: WindowEngineConfiguration(
                windows: [WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 100), aggregates: countAndSum())],
                maxKeys: 10, recordsChanges: false))
        var event = engine.makeEvent()
        for index in 0..<5000 {
            event.eventTime = Int64(index)
            event.setKey("key-\(index)")
            _ = engine.process(event)
        }
        #expect(!engine.hasPendingChanges)
        var records = 0
        engine.flushChanges { _ in records += 1 }
        #expect(records == 0)
        #expect(engine.keyspaces[0].tombstoneRanges.isEmpty && engine.keyspaces[0].dirtySlots.isEmpty)
        // State itself still works and stays capped.
        #expect(engine.statistics(window: 0).keyspaceLiveKeys <= 10)
    }

    @Test func slidingWindowKeepsAtMostMaxEventsPerKey() throws {
        let driver = try EngineDriver([
            WindowDefinition(
                name: "s", key: "k", kind: .sliding(size: 1_000_000), aggregates: countAndSum(), maxEventsPerKey: 5)
        ])
        for time: Int64 in 1...8 { driver.send("a", time, x: Double(time)) }
        // The read of t = 8 still saw 6 events (5 kept + itself); then the oldest was dropped.
        #expect(driver.value("s.n") == 6)
        #expect(driver.value("s.s") == 3 + 4 + 5 + 6 + 7 + 8)
        #expect(driver.engine.statistics(window: 0).truncatedEvents == 3)
        #expect(driver.engine.statistics(window: 0).liveItems == 5)
    }
}
