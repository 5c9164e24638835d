#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
@testable import SluiceOperators

/// Every aggregate function, over inputs x (values), p (predicate) and h (hash).
let allAggregates: [Aggregate] = [
    Aggregate("n", .count),
    Aggregate("nx", .countValues(input: "x")),
    Aggregate("sum", .sum(input: "x")),
    Aggregate("mean", .mean(input: "x")),
    Aggregate("min", .min(input: "x")),
    Aggregate("max", .max(input: "x")),
    Aggregate("var_s", .variance(input: "x", kind: .sample)),
    Aggregate("var_p", .variance(input: "x", kind: .population)),
    Aggregate("sd_s", .standardDeviation(input: "x", kind: .sample)),
    Aggregate("sd_p", .standardDeviation(input: "x", kind: .population)),
    Aggregate("first", .first(input: "x")),
    Aggregate("last", .last(input: "x")),
    Aggregate("hits", .countIf(predicate: "p")),
    Aggregate("distinct", .distinctCount(hash: "h", precision: 10)),
    Aggregate("median", .quantile(input: "x", q: 0.5)),
    Aggregate("p90", .quantile(input: "y", q: 0.9, relativeAccuracy: 0.02, maxBins: 512)),
    Aggregate("sum_y", .sum(input: "y")),
]

/// Checks one engine value against the brute-force value of `function` over `contents`; returns a
/// description of the mismatch, or nil.
func mismatch(_ function: Aggregate.Function, engine value: Double, contents: [Contribution]) -> String? {
    func input(_ name: String) -> [Double] {
        contents.map { name == "x" ? $0.event.x : $0.event.y }
    }
    func exact(_ expected: Double) -> String? {
        if expected.isNaN && value.isNaN { return nil }
        return expected == value ? nil : "expected \(expected), got \(value)"
    }
    func close(_ expected: Double) -> String? {
        if expected.isNaN && value.isNaN { return nil }
        let tolerance = 1e-9 * max(1, abs(expected))
        return abs(expected - value) <= tolerance ? nil : "expected \(expected) ± \(tolerance), got \(value)"
    }
    switch function {
    case .count:
        return exact(Double(contents.count))
    case .countValues(let name):
        return exact(Double(input(name).filter { !$0.isNaN }.count))
    case .sum(let name):
        // Test values are multiples of 1/4 below 2^20, so every partial sum is exact in any order.
        return exact(input(name).filter { !$0.isNaN }.reduce(0, +))
    case .mean(let name):
        let present = input(name).filter { !$0.isNaN }
        return exact(present.isEmpty ? .nan : present.reduce(0, +) / Double(present.count))
    case .min(let name):
        return exact(input(name).filter { !$0.isNaN }.min() ?? .nan)
    case .max(let name):
        return exact(input(name).filter { !$0.isNaN }.max() ?? .nan)
    case .variance(let name, let kind), .standardDeviation(let name, let kind):
        let present = input(name).filter { !$0.isNaN }
        let n = Double(present.count)
        var variance = Double.nan
        if (kind == .sample && present.count >= 2) || (kind == .population && present.count >= 1) {
            let mean = present.reduce(0, +) / n
            let squares = present.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            variance = squares / (kind == .sample ? n - 1 : n)
        }
        if case .standardDeviation = function { return close(variance.squareRoot()) }
        return close(variance)
    case .first(let name):
        return exact(input(name).first { !$0.isNaN } ?? .nan)
    case .last(let name):
        return exact(input(name).last { !$0.isNaN } ?? .nan)
    case .countIf:
        return exact(Double(contents.filter { $0.event.p }.count))
    case .distinctCount(_, let precision):
        let hashes = contents.map(\.event.h)
        let truth = Double(Set(hashes).count)
        var sketch = HyperLogLog(precision: precision)
        for hash in hashes { sketch.insert(hash: hash) }
        // The same hashes give the same registers whatever the merging; the estimate is near the truth.
        if sketch.estimate() != value {
            return "sketch of the window's hashes gives \(sketch.estimate()), got \(value)"
        }
        let bound = 3 * sketch.relativeStandardError * truth + 0.5
        return abs(value - truth) <= bound ? nil : "distinct \(truth), estimate \(value) beyond \(bound)"
    case .quantile(let name, let q, let alpha, let maxBins):
        let present = input(name).filter { $0.isFinite }.sorted()
        var sketch = DDSketch(relativeAccuracy: alpha, maxBins: maxBins)
        for v in input(name) { sketch.add(v) }
        if !(sketch.quantile(q) == value || (sketch.quantile(q).isNaN && value.isNaN)) {
            return "sketch of the window's values gives \(sketch.quantile(q)), got \(value)"
        }
        guard !present.isEmpty else { return value.isNaN ? nil : "expected NaN, got \(value)" }
        let truth = present[Int(q * Double(present.count - 1))]
        let bound = alpha * abs(truth) * (1 + 1e-9) + 1e-300
        return abs(value - truth) <= bound ? nil : "quantile \(q): exact \(truth), got \(value), bound \(bound)"
    }
}

/// A small, fast, seedable generator (SplitMix64) so failures reproduce from the seed.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    /// Seeds pass through the output mix, so that nearby seeds give unrelated sequences.
    init(seed: UInt64) {
        var z = seed &+ 0x1234_5678
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        state = z ^ (z >> 31)
    }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random streams with bursts, out-of-order and very late events, missing values and idle gaps.
struct StreamShape {
    var events = 3000
    var keys = 12
    /// Largest forward step of the base time per event, ms.
    var step: Int64 = 40
    /// Events land up to this far before the base time, ms.
    var jitter: Int64 = 250
    /// Share of events thrown far back (certainly late for small lateness).
    var farLateShare = 0.03
    /// Share of steps that are wall-clock `advance` calls; some of them long enough to idle.
    var advanceShare = 0.02
    var startTime: Int64 = 1_000_000

    func make(seed: UInt64) -> [TestStep] {
        var random = SeededGenerator(seed: seed)
        var steps: [TestStep] = []
        var base = startTime
        var wall: Int64 = 50_000_000
        let keyNames = (0..<keys).map { Array("key-\($0)".utf8) + (0..<($0 % 3)).map { _ in UInt8(0) } }
        func value() -> Double {
            if Double.random(in: 0..<1, using: &random) < 0.1 { return .nan }
            // Multiples of 1/4 keep sums exact whatever the order of addition.
            return Double(Int.random(in: -2000...40_000, using: &random)) / 4
        }
        while steps.count < events {
            if Double.random(in: 0..<1, using: &random) < advanceShare {
                wall += Int64.random(in: 0...3000, using: &random)
                steps.append(.advance(wallClock: wall))
                continue
            }
            base += Int64.random(in: 0...step, using: &random)
            wall += Int64.random(in: 0...step, using: &random)
            var time = base - Int64.random(in: 0...jitter, using: &random)
            if Double.random(in: 0..<1, using: &random) < farLateShare {
                time = base - Int64.random(in: 1000...20_000, using: &random)
            }
            // A skewed key choice so that some keys are busy and some rare.
            let pick = Int.random(in: 0..<(keys * keys), using: &random)
            let key = keyNames[Int(Double(pick).squareRoot())]
            steps.append(
                .event(
                    TestEvent(
                        key: key, time: time, x: value(), y: value(), p: Bool.random(using: &random),
                        h: UInt64.random(in: 0..<40, using: &random))))
        }
        return steps
    }
}

/// Feeds steps to an engine and compares every output and every closed window with the reference.
struct EquivalenceRun {
    var mismatches: [String] = []
    var lateCount = 0
    var acceptedCount = 0
    var closedCount = 0

    /// Runs `steps` through `engine` (from `offset` on, for reporting) and `reference` in lockstep.
    mutating func run(
        _ steps: ArraySlice<TestStep>, engine: WindowEngine, reference: WindowReference, event: inout WindowEvent
    ) {
        let definitions = engine.configuration.windows
        let x = engine.valueIndex(named: "x")
        let y = engine.valueIndex(named: "y")
        let p = engine.predicateIndex(named: "p")
        let h = engine.hashIndex(named: "h")
        for (index, step) in zip(steps.indices, steps) {
            let expected = reference.step(step)
            let closedCount: Int
            switch step {
            case .event(let input):
                event.eventTime = input.time
                if let x { event.values[x] = input.x }
                if let y { event.values[y] = input.y }
                if let p { event.predicates[p] = input.p }
                if let h { event.hashes[h] = input.h }
                for keyspace in engine.keyspaceNames.indices { event.setKey(input.key, keyspace: keyspace) }
                let result = engine.process(event)
                closedCount = result.closedWindowCount
                for (window, outcome) in expected.outcomes!.enumerated() {
                    let definition = definitions[window]
                    switch outcome {
                    case .late:
                        lateCount += 1
                        if !result.lateWindows.contains(window: window) {
                            report(index, "\(definition.name): reference says late, engine accepted t=\(input.time)")
                        }
                    case .accepted(let contents):
                        acceptedCount += 1
                        if result.lateWindows.contains(window: window) {
                            report(index, "\(definition.name): engine says late, reference accepted t=\(input.time)")
                            continue
                        }
                        for aggregate in definition.aggregates {
                            let output = engine.outputIndex(named: "\(definition.name).\(aggregate.name)")!
                            if let problem = mismatch(
                                aggregate.function, engine: engine.output(output), contents: contents)
                            {
                                report(index, "\(definition.name).\(aggregate.name) at t=\(input.time): \(problem)")
                            }
                        }
                    }
                }
            case .advance(let now):
                closedCount = engine.advance(wallClockNow: now)
            }
            self.closedCount += closedCount
            let closed = Array(engine.closedWindows)
            if closed.count != expected.closed.count {
                report(index, "closed \(closed.count) windows, reference \(expected.closed.count)")
                continue
            }
            for (got, want) in zip(closed, expected.closed) {
                guard got.window == want.window, Array(got.key) == want.key, got.start == want.start,
                    got.end == want.end
                else {
                    report(
                        index,
                        "closed window \(got.window) [\(got.start), \(got.end)) ≠ reference \(want.window) [\(want.start), \(want.end))"
                    )
                    continue
                }
                let definition = definitions[got.window]
                for (position, aggregate) in definition.aggregates.enumerated() {
                    let value = got.values[got.values.startIndex + position]
                    if let problem = mismatch(aggregate.function, engine: value, contents: want.contents) {
                        report(
                            index, "closed \(definition.name).\(aggregate.name) [\(got.start), \(got.end)): \(problem)")
                    }
                }
            }
        }
    }

    private mutating func report(_ step: Int, _ message: String) {
        if mismatches.count < 20 { mismatches.append("step \(step): \(message)") }
    }
}
