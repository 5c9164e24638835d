import Testing

@testable import SluiceOperators

/// The per-window key counts telemetry reads after each batch: keys holding state, and keys whose state the key
/// cap dropped, told apart per window even when windows share a keyspace.
@Suite struct WindowKeyCountTests {
    /// `wide` never closes within the test; `narrow` closes every 10 ms, so a key can hold state in `wide` only.
    func driver() throws -> EngineDriver {
        try EngineDriver(
            [
                WindowDefinition(
                    name: "wide", key: "k", kind: .tumbling(size: 1_000_000), allowedLateness: 0,
                    aggregates: countAndSum()),
                WindowDefinition(
                    name: "narrow", key: "k", kind: .tumbling(size: 10), allowedLateness: 0,
                    aggregates: countAndSum()),
            ], maxKeys: 3)
    }

    @Test func liveAndEvictedKeysAreCountedPerWindow() throws {
        let driver = try driver()
        let wide = try #require(driver.engine.windowIndex(named: "wide"))
        let narrow = try #require(driver.engine.windowIndex(named: "narrow"))
        for key in ["a", "b", "c"] { driver.send(key, 0) }
        #expect(driver.engine.liveKeys(window: wide) == 3 && driver.engine.liveKeys(window: narrow) == 3)

        // Time 20 closes [0, 10) of a, b and c first; then d needs room and evicts a, which held `wide` state only.
        driver.send("d", 20)
        #expect(driver.engine.liveKeys(window: wide) == 3 && driver.engine.liveKeys(window: narrow) == 1)
        #expect(driver.engine.evictedKeys(window: wide) == 1 && driver.engine.evictedKeys(window: narrow) == 0)

        // e and f evict b and c (wide state only); g evicts d, which holds state in both.
        driver.send("e", 21)
        driver.send("f", 22)
        driver.send("g", 23)
        #expect(driver.engine.evictedKeys(window: wide) == 4)
        #expect(driver.engine.evictedKeys(window: narrow) == 1)
        #expect(driver.engine.liveKeys(window: wide) == 3 && driver.engine.liveKeys(window: narrow) == 3)
        // The keyspace's own count does not tell the windows apart.
        #expect(driver.engine.statistics(window: narrow).keyspaceEvictions == 4)
        #expect(driver.engine.statistics(window: wide).liveKeys == driver.engine.liveKeys(window: wide))
    }
}
