import Testing

@testable import SluiceOperators

/// A compacted changelog topic as Kafka keeps it: latest state per (keyspace, key), tombstones delete.
struct CompactedChangelog {
    var states: [[UInt8]: [UInt8]] = [:]
    var progress: [UInt8] = []

    mutating func absorb(_ engine: WindowEngine) {
        engine.flushChanges { record in
            let key = [UInt8(record.keyspace)] + Array(record.key)
            if let state = record.state { states[key] = Array(state) } else { states[key] = nil }
        }
        progress.removeAll()
        engine.encodeProgress(into: &progress)
    }

    func restore(_ configuration: WindowEngineConfiguration) throws -> WindowEngine {
        let engine = try WindowEngine(configuration: configuration)
        try progress.withUnsafeBytes { try engine.restoreProgress($0) }
        // Any order: a compacted topic is read in offset order, which is not key order.
        for (key, state) in states.sorted(by: { $0.key.lexicographicallyPrecedes($1.key) }).reversed() {
            let keyspace = Int(key[0])
            try Array(key.dropFirst()).withUnsafeBytes { key in
                try state.withUnsafeBytes { try engine.restore(keyspace: keyspace, key: key, state: $0) }
            }
        }
        return engine
    }
}

@Suite struct ChangelogTests {
    static func configuration(maxKeys: Int) -> WindowEngineConfiguration {
        WindowEngineConfiguration(
            windows: [
                WindowDefinition(
                    name: "tumble", key: "k", kind: .tumbling(size: 1000), allowedLateness: 300,
                    aggregates: allAggregates, emitsOnClose: true),
                WindowDefinition(
                    name: "hop", key: "k", kind: .hopping(size: 1000, advance: 250), allowedLateness: 300,
                    aggregates: allAggregates, emitsOnClose: true),
                WindowDefinition(
                    name: "slide", key: "k", kind: .sliding(size: 1000), allowedLateness: 300,
                    aggregates: allAggregates, maxEventsPerKey: 40),
                WindowDefinition(
                    name: "session", key: "k", kind: .session(gap: 300), allowedLateness: 300,
                    aggregates: allAggregates, emitsOnClose: true),
            ],
            maxKeys: maxKeys,
            idleTimeout: nil
        )
    }

    /// Bit-for-bit comparison of what two engines report for one event.
    static func sameOutputs(_ a: WindowEngine, _ b: WindowEngine, _ ra: WindowProcessResult, _ rb: WindowProcessResult)
        -> Bool
    {
        guard ra == rb else { return false }
        for index in a.outputNames.indices where a.output(index).bitPattern != b.output(index).bitPattern {
            return false
        }
        let ca = Array(a.closedWindows)
        let cb = Array(b.closedWindows)
        guard ca.count == cb.count else { return false }
        for (x, y) in zip(ca, cb) {
            guard x.window == y.window, x.key == y.key, x.start == y.start, x.end == y.end,
                x.values.map(\.bitPattern) == y.values.map(\.bitPattern)
            else { return false }
        }
        return true
    }

    @Test(arguments: [(UInt64(21), 1000), (22, 1000), (23, 6)])
    func restoringTheChangelogAndContinuingMatchesAnUninterruptedRun(seed: UInt64, maxKeys: Int) throws {
        var shape = StreamShape(events: 2400, keys: 12)
        shape.advanceShare = 0
        let (differences, checked, evictions) = try Self.restoreAndCompare(
            Self.configuration(maxKeys: maxKeys), shape, seed: seed, every: 400)
        #expect(differences.isEmpty, "first differing steps: \(differences.prefix(10))")
        #expect(checked > 1500)
        if maxKeys < 12 { #expect(evictions > 100) }
    }

    /// Runs `steps` uninterrupted; every `every` steps, flushes its changelog into a compacted store, builds
    /// a fresh engine from the store and compares the two, event by event, until the next cut.
    static func restoreAndCompare(
        _ configuration: WindowEngineConfiguration, _ shape: StreamShape, seed: UInt64, every: Int
    ) throws -> (differences: [Int], checked: Int, evictions: Int) {
        let steps = shape.make(seed: seed)
        let uninterrupted = try WindowEngine(configuration: configuration)
        var event = uninterrupted.makeEvent()
        var changelog = CompactedChangelog()
        var restored: WindowEngine?
        var checked = 0
        var differences: [Int] = []
        for (index, step) in steps.enumerated() {
            guard case .event(let input) = step else { continue }
            if index > 0 && index % every == 0 {
                changelog.absorb(uninterrupted)
                restored = try changelog.restore(configuration)
            }
            event.eventTime = input.time
            event.values[uninterrupted.valueIndex(named: "x")!] = input.x
            event.values[uninterrupted.valueIndex(named: "y")!] = input.y
            event.predicates[0] = input.p
            event.hashes[0] = input.h
            for keyspace in uninterrupted.keyspaceNames.indices { event.setKey(input.key, keyspace: keyspace) }
            let expected = uninterrupted.process(event)
            if let restored {
                let got = restored.process(event)
                if !Self.sameOutputs(uninterrupted, restored, expected, got) { differences.append(index) }
                checked += 1
            }
        }
        let evictions = uninterrupted.keyspaceNames.indices.reduce(0) { total, keyspace in
            let window = uninterrupted.configuration.windows.indices.first {
                uninterrupted.keyspace(ofWindow: $0) == keyspace
            }!
            return total + uninterrupted.statistics(window: window).keyspaceEvictions
        }
        return (differences, checked, evictions)
    }

    @Test func changelogOfAnExpiredKeyIsATombstone() throws {
        let driver = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum())
        ])
        driver.send("a", 10)
        var records: [(String, Bool)] = []
        driver.engine.flushChanges { records.append((String(decoding: $0.key, as: UTF8.self), $0.state != nil)) }
        #expect(records.map(\.0) == ["a"] && records.map(\.1) == [true])
        #expect(!driver.engine.hasPendingChanges)
        driver.send("b", 1000)  // a's window closes and a holds nothing any more
        records.removeAll()
        driver.engine.flushChanges { records.append((String(decoding: $0.key, as: UTF8.self), $0.state != nil)) }
        #expect(records.map(\.0) == ["a", "b"] && records.map(\.1) == [false, true])
    }

    @Test func everyDamagedByteOrTruncationIsRefused() throws {
        let driver = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .hopping(size: 1000, advance: 100), aggregates: allAggregates)
        ])
        for time in stride(from: Int64(0), to: 900, by: 37) { driver.send("a", time, x: Double(time)) }
        var state: [UInt8] = []
        #expect(Array("a".utf8).withUnsafeBytes { driver.engine.encodeState(keyspace: 0, key: $0, into: &state) })
        let fresh = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .hopping(size: 1000, advance: 100), aggregates: allAggregates)
        ])
        let key = Array("a".utf8)
        func attempt(_ bytes: [UInt8]) -> WindowError? {
            do {
                try key.withUnsafeBytes { key in
                    try bytes.withUnsafeBytes { try fresh.engine.restore(keyspace: 0, key: key, state: $0) }
                }
                return nil
            } catch let error as WindowError {
                return error
            } catch {
                Issue.record("unexpected error \(error)")
                return nil
            }
        }
        #expect(attempt(state) == nil)
        for length in 0..<state.count { #expect(attempt(Array(state.prefix(length)))?.code == .corruptState) }
        for position in state.indices {
            for bit in 0..<8 {
                var damaged = state
                damaged[position] ^= 1 << UInt8(bit)
                #expect(attempt(damaged)?.code == .corruptState)
            }
        }
    }

    @Test func structurallyBrokenStateWithAValidChecksumIsRefusedWithoutTrapping() throws {
        let windows = [
            WindowDefinition(name: "p", key: "k", kind: .hopping(size: 1000, advance: 100), aggregates: allAggregates),
            WindowDefinition(name: "s", key: "k", kind: .session(gap: 100), aggregates: allAggregates),
            WindowDefinition(name: "l", key: "k", kind: .sliding(size: 1000), aggregates: allAggregates),
        ]
        let source = try EngineDriver(windows)
        for time in stride(from: Int64(0), to: 900, by: 37) { source.send("a", time, x: Double(time)) }
        var state: [UInt8] = []
        _ = Array("a".utf8).withUnsafeBytes { source.engine.encodeState(keyspace: 0, key: $0, into: &state) }
        let header = Array(state.prefix(5))
        let body = Array(state.dropFirst(5).dropLast(4))
        let target = try EngineDriver(windows)
        var random = SeededGenerator(seed: 99)
        var refused = 0
        for trial in 0..<3000 {
            var mutated = body
            switch trial % 3 {
            case 0:  // random bytes overwritten
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    mutated[Int.random(in: 0..<mutated.count, using: &random)] = UInt8.random(
                        in: 0...255, using: &random)
                }
            case 1:  // a random cut
                mutated = Array(mutated.prefix(Int.random(in: 0..<mutated.count, using: &random)))
            default:  // pure noise
                mutated = (0..<Int.random(in: 0...300, using: &random)).map { _ in
                    UInt8.random(in: 0...255, using: &random)
                }
            }
            var bytes = header + mutated
            let checksum = bytes.withUnsafeBytes { CRC32.checksum($0) }
            for shift in stride(from: 0, to: 32, by: 8) {
                bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift)))
            }
            do {
                try Array("a".utf8).withUnsafeBytes { key in
                    try bytes.withUnsafeBytes { try target.engine.restore(keyspace: 0, key: key, state: $0) }
                }
            } catch {
                refused += 1
            }
        }
        // Overwritten bytes inside a double are still a valid state; noise and cuts are refused.
        #expect(refused > 2000)
        // The engine still works after all that.
        target.send("a", 950, x: 1)
        #expect(target.value("p.n") >= 1)
    }

    @Test func stateForOtherDefinitionsOrVersionsIsIncompatible() throws {
        let driver = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 1000), aggregates: countAndSum())
        ])
        driver.send("a", 10)
        var state: [UInt8] = []
        _ = Array("a".utf8).withUnsafeBytes { driver.engine.encodeState(keyspace: 0, key: $0, into: &state) }
        let other = try EngineDriver([
            WindowDefinition(name: "w", key: "k", kind: .tumbling(size: 2000), aggregates: countAndSum())
        ])
        #expect(throws: WindowError.self) {
            try Array("a".utf8).withUnsafeBytes { key in
                try state.withUnsafeBytes { try other.engine.restore(keyspace: 0, key: key, state: $0) }
            }
        }
        var future = Array(state.dropLast(4))
        future[0] = 2
        let checksum = future.withUnsafeBytes { CRC32.checksum($0) }
        for shift in stride(from: 0, to: 32, by: 8) {
            future.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift)))
        }
        do {
            try Array("a".utf8).withUnsafeBytes { key in
                try future.withUnsafeBytes { try driver.engine.restore(keyspace: 0, key: key, state: $0) }
            }
            Issue.record("a future format version was accepted")
        } catch {
            #expect((error as? WindowError)?.code == .incompatibleState)
        }
        // Lateness is not part of the fingerprint: it may change between runs.
        let laterLateness = try EngineDriver([
            WindowDefinition(
                name: "w", key: "k", kind: .tumbling(size: 1000), allowedLateness: 500, aggregates: countAndSum())
        ])
        try Array("a".utf8).withUnsafeBytes { key in
            try state.withUnsafeBytes { try laterLateness.engine.restore(keyspace: 0, key: key, state: $0) }
        }
        laterLateness.send("a", 20)
        #expect(laterLateness.value("w.n") == 2)
    }
}
