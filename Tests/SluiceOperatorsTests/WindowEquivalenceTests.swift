#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Testing

@testable import SluiceOperators

/// Randomized streams through the engine and through the brute-force reference, compared at every
/// step: lateness per window, every aggregate as of every event, and every closed window.
@Suite struct WindowEquivalenceTests {
    static let seeds: [UInt64] = [1, 2, 3, 4]

    static func configuration(lateness: Int64) -> WindowEngineConfiguration {
        WindowEngineConfiguration(
            windows: [
                WindowDefinition(
                    name: "tumble", key: "k", kind: .tumbling(size: 1000), allowedLateness: lateness,
                    aggregates: allAggregates, emitsOnClose: true),
                WindowDefinition(
                    name: "hop", key: "k", kind: .hopping(size: 1000, advance: 250), allowedLateness: lateness,
                    aggregates: allAggregates, emitsOnClose: true),
                WindowDefinition(
                    name: "slide", key: "k", kind: .sliding(size: 1000), allowedLateness: lateness,
                    aggregates: allAggregates),
                WindowDefinition(
                    name: "session", key: "k", kind: .session(gap: 300), allowedLateness: lateness,
                    aggregates: allAggregates, emitsOnClose: true),
            ],
            idleTimeout: 2000
        )
    }

    static func check(_ configuration: WindowEngineConfiguration, _ shape: StreamShape, seed: UInt64) throws {
        let steps = shape.make(seed: seed)
        let engine = try WindowEngine(configuration: configuration)
        let reference = WindowReference(configuration: configuration)
        var event = engine.makeEvent()
        var run = EquivalenceRun()
        run.run(steps[...], engine: engine, reference: reference, event: &event)
        #expect(run.mismatches.isEmpty, "seed \(seed):\n\(run.mismatches.joined(separator: "\n"))")
        // The streams must exercise what they claim to: late events, accepted ones, and closings.
        #expect(run.lateCount > 20)
        #expect(run.acceptedCount > shape.events)
        #expect(run.closedCount > 100)
    }

    @Test(arguments: seeds)
    func everyKindAndAggregateMatchesBruteForceWithLateness(seed: UInt64) throws {
        try Self.check(Self.configuration(lateness: 300), StreamShape(), seed: seed)
    }

    @Test(arguments: seeds)
    func everyKindAndAggregateMatchesBruteForceWithoutLateness(seed: UInt64) throws {
        try Self.check(Self.configuration(lateness: 0), StreamShape(jitter: 120), seed: seed)
    }

    @Test(arguments: [UInt64(7), 8])
    func negativeTimesAndSparseKeysMatchBruteForce(seed: UInt64) throws {
        var shape = StreamShape(events: 2000, keys: 40, step: 200, jitter: 900)
        shape.startTime = -400_000
        try Self.check(Self.configuration(lateness: 500), shape, seed: seed)
    }

    @Test func hoppingWithManyPanesPerWindowMatchesBruteForce() throws {
        let configuration = WindowEngineConfiguration(
            windows: [
                WindowDefinition(
                    name: "hop", key: "k", kind: .hopping(size: 2000, advance: 100), allowedLateness: 700,
                    aggregates: Array(allAggregates.prefix(13)), emitsOnClose: true),
                WindowDefinition(
                    name: "quiet", key: "k", kind: .hopping(size: 600, advance: 200), allowedLateness: 0,
                    aggregates: [Aggregate("n", .count), Aggregate("s", .sum(input: "x"))]),
            ],
            idleTimeout: nil
        )
        try Self.check(configuration, StreamShape(events: 2500, keys: 8), seed: 11)
    }
}

let isLongRun = getenv("SLUICE_LONG").map { String(cString: $0) == "1" } ?? false

/// The same comparison over many more seeds, shapes and window parameters; minutes in a debug build.
/// `SLUICE_LONG=1 swift test -c release -Xswiftc -enable-testing --filter LongEquivalenceTests`.
@Suite(.enabled(if: isLongRun)) struct LongEquivalenceTests {
    @Test(arguments: Array(UInt64(100)..<UInt64(140)))
    func randomWindowParametersMatchBruteForce(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &random)] }
        let lateness: Int64 = pick([0, 50, 300, 1500])
        let advance: Int64 = pick([50, 100, 250])
        let multiple: Int64 = pick([1, 2, 4, 10])
        let windows = [
            WindowDefinition(
                name: "tumble", key: pick(["k", "j"]), kind: .tumbling(size: pick([200, 1000, 5000])),
                allowedLateness: lateness, aggregates: allAggregates, emitsOnClose: pick([true, false])),
            WindowDefinition(
                name: "hop", key: pick(["k", "j"]), kind: .hopping(size: advance * multiple, advance: advance),
                allowedLateness: pick([0, lateness]), aggregates: allAggregates, emitsOnClose: pick([true, false])),
            WindowDefinition(
                name: "slide", key: pick(["k", "j"]), kind: .sliding(size: pick([100, 1000, 4000])),
                allowedLateness: lateness, aggregates: allAggregates),
            WindowDefinition(
                name: "session", key: pick(["k", "j"]), kind: .session(gap: pick([30, 300, 2000])),
                allowedLateness: lateness, aggregates: allAggregates, emitsOnClose: pick([true, false])),
        ]
        let configuration = WindowEngineConfiguration(windows: windows, idleTimeout: pick([nil, 500, 3000]))
        var shape = StreamShape(events: 5000, keys: pick([3, 12, 60]), step: pick([5, 40, 200]))
        shape.jitter = pick([0, 100, 1000])
        shape.farLateShare = pick([0, 0.03, 0.2])
        shape.advanceShare = pick([0, 0.02, 0.1])
        try WindowEquivalenceTests.checkWithoutMinimums(configuration, shape, seed: seed)
    }
}

extension LongEquivalenceTests {
    @Test(arguments: Array(UInt64(200)..<UInt64(220)))
    func restoringUnderRandomParametersMatchesAnUninterruptedRun(seed: UInt64) throws {
        var random = SeededGenerator(seed: seed)
        func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &random)] }
        let lateness: Int64 = pick([0, 300, 1500])
        let windows = [
            WindowDefinition(
                name: "hop", key: pick(["k", "j"]), kind: .hopping(size: 1000, advance: pick([100, 250, 1000])),
                allowedLateness: lateness, aggregates: allAggregates, emitsOnClose: pick([true, false])),
            WindowDefinition(
                name: "slide", key: pick(["k", "j"]), kind: .sliding(size: pick([300, 2000])),
                allowedLateness: lateness, aggregates: allAggregates, maxEventsPerKey: pick([5, 4096])),
            WindowDefinition(
                name: "session", key: pick(["k", "j"]), kind: .session(gap: pick([50, 400])),
                allowedLateness: lateness, aggregates: allAggregates, emitsOnClose: pick([true, false])),
        ]
        let configuration = WindowEngineConfiguration(windows: windows, maxKeys: pick([3, 8, 1000]), idleTimeout: nil)
        var shape = StreamShape(events: 4000, keys: pick([5, 20]), step: pick([10, 60]))
        shape.jitter = pick([0, 400])
        shape.advanceShare = 0
        let (differences, checked, _) = try ChangelogTests.restoreAndCompare(
            configuration, shape, seed: seed, every: pick([97, 500]))
        #expect(differences.isEmpty, "seed \(seed): first differing steps \(differences.prefix(10))")
        #expect(checked > 3000)
    }
}

extension WindowEquivalenceTests {
    static func checkWithoutMinimums(_ configuration: WindowEngineConfiguration, _ shape: StreamShape, seed: UInt64)
        throws
    {
        let steps = shape.make(seed: seed)
        let engine = try WindowEngine(configuration: configuration)
        let reference = WindowReference(configuration: configuration)
        var event = engine.makeEvent()
        var run = EquivalenceRun()
        run.run(steps[...], engine: engine, reference: reference, event: &event)
        #expect(run.mismatches.isEmpty, "seed \(seed):\n\(run.mismatches.joined(separator: "\n"))")
        #expect(run.acceptedCount > 0)
    }
}
