#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Foundation
@testable import SluiceCore
import Testing
import SluiceOperators

/// Inputs read from flat per-event buffers, the way a lane holds decoded fields and window outputs: the
/// concrete conformance the evaluator is specialized for.
struct FlatInputs: ExpressionInputs {
    var numbers: UnsafePointer<Double>
    var strings: UnsafePointer<UnsafeRawBufferPointer?>

    @inline(__always) func number(_ symbol: ExpressionSymbol) -> Double { numbers[symbol.slot] }
    @inline(__always) func string(_ symbol: ExpressionSymbol) -> UnsafeRawBufferPointer? { strings[symbol.slot] }
}

/// Speed of compiled features. Not a timed test: it prints numbers for docs/features.md. Run it in
/// release: `SLUICE_PERF=1 swift test -c release --filter FeaturePerformanceTests`.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["SLUICE_PERF"] == "1"))
struct FeaturePerformanceTests {
    static let numberNames = ["amount", "x", "a", "b", "ts", "card_10m.total", "card_10m.n", "card_1h.mean"]
    static let stringNames = ["country", "mcc"]
    static let eventCount = 1024

    /// Number slots in `numberNames` order, string slots in `stringNames` order.
    static let symbols: ExpressionSymbolTable = {
        var table = ExpressionSymbolTable()
        for (slot, name) in numberNames.enumerated() {
            table.declare(
                name, source: name.contains(".") ? .window : .event, slot: slot,
                type: name == "ts" ? .timestamp : .number)
        }
        for (slot, name) in stringNames.enumerated() { table.declare(name, source: .event, slot: slot, type: .string) }
        return table
    }()

    /// 1,024 varied events in flat buffers (some values missing), and the string bytes they borrow.
    final class Events {
        let numbers: UnsafeMutablePointer<Double>
        let strings: UnsafeMutablePointer<UnsafeRawBufferPointer?>
        let bytes: [UnsafeMutableRawBufferPointer]

        init() {
            var random = SeededGenerator(seed: 11)
            let countries = ["US", "GB", "DE", "FR", "BR", "JP", "United States of America"]
            bytes = countries.map { text in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: text.utf8.count, alignment: 1)
                buffer.copyBytes(from: Array(text.utf8))
                return buffer
            }
            let numberCount = FeaturePerformanceTests.numberNames.count
            numbers = .allocate(capacity: eventCount * numberCount)
            strings = .allocate(capacity: eventCount * 2)
            for event in 0..<eventCount {
                for slot in 0..<numberCount {
                    let value =
                        slot == 4
                        ? Double(Int64.random(in: 1_600_000_000_000..<1_800_000_000_000, using: &random))
                        : Double.random(in: -5...500, using: &random)
                    numbers[event * numberCount + slot] = Int.random(in: 0..<50, using: &random) == 0 ? .nan : value
                }
                for slot in 0..<2 {
                    let index = Int.random(in: 0..<(countries.count + 1), using: &random)
                    strings[event * 2 + slot] = index == countries.count ? nil : UnsafeRawBufferPointer(bytes[index])
                }
            }
        }

        deinit {
            numbers.deallocate()
            strings.deallocate()
            for buffer in bytes { buffer.deallocate() }
        }

        @inline(__always) func inputs(_ event: Int) -> FlatInputs {
            FlatInputs(
                numbers: numbers + event * FeaturePerformanceTests.numberNames.count, strings: strings + event * 2)
        }
    }

    static func threadCPUSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Nanoseconds per evaluation of `features` over the varied events: the best of 5 rounds.
    static func measure(_ features: [(String, String)], iterations: Int = 5_000_000) throws -> (
        ns: Double, instructions: Int
    ) {
        let program = try FeatureProgram(features: features.map { FeatureDefinition($0.0, $0.1) }, symbols: symbols)
        let evaluator = program.makeEvaluator()
        let events = Events()
        var checksum = 0.0
        var best = Double.infinity
        for _ in 0..<5 {
            let start = threadCPUSeconds()
            for iteration in 0..<iterations {
                evaluator.evaluate(events.inputs(iteration & (eventCount - 1)))
                checksum += evaluator.values[0]
            }
            best = min(best, (threadCPUSeconds() - start) / Double(iterations) * 1e9)
        }
        if checksum == 42 { print("") }  // keeps the loop's results alive
        return (best, program.instructionCount)
    }

    static let typicalExpressions: [String] = [
        "log1p(amount)",
        "amount / max(card_10m.total / card_10m.n, 1)",
        "country != \"US\"",
        "clip(x, 0, 100)",
        "coalesce(amount, 0) * 2 + 1",
        "if(amount > 100 and country != \"US\", 1, 0)",
        "country in [\"US\", \"GB\", \"DE\", \"FR\", \"ES\", \"IT\"]",
        "bucketize(amount, [0, 10, 50, 100, 250, 500, 1000])",
        "hash_bucket(country, 1000)",
        "hash_bucket(mcc, 100)",
        "hour_of_day(ts, \"UTC\")",
        "hour_of_day(ts, \"America/New_York\")",
        "day_of_week(ts, \"Europe/Berlin\")",
        "one_hot(country, [\"US\", \"GB\", \"DE\", \"FR\"])",
    ]

    @Test func typicalExpressionsOneAtATime() throws {
        print("| expression | instructions | ns per evaluation | evaluations/s |")
        print("|---|---:|---:|---:|")
        for expression in Self.typicalExpressions {
            let (ns, instructions) = try Self.measure([("f", expression)])
            print(
                "| `\(expression)` | \(instructions) | \(String(format: "%.1f", ns)) | \(String(format: "%.1f M", 1000 / ns)) |"
            )
        }
    }

    static let tenFeatures: [(String, String)] = [
        ("log_amount", "log1p(amount)"),
        ("amount_vs_mean", "amount / max(card_10m.total / card_10m.n, 1)"),
        ("foreign", "country != \"US\""),
        ("clipped", "clip(x, 0, 100)"),
        ("night", "hour_of_day(ts, \"America/New_York\") < 6"),
        ("weekend", "day_of_week(ts, \"America/New_York\") >= 5"),
        ("mean_10m", "coalesce(card_10m.total / card_10m.n, 0)"),
        ("spike", "amount > 3 * card_1h.mean and not foreign"),
        ("amount_bucket", "bucketize(amount, [0, 10, 50, 100, 250, 500, 1000])"),
        ("mcc_bucket", "hash_bucket(mcc, 1000)"),
    ]

    @Test func tenFeatureProgram() throws {
        let (ns, instructions) = try Self.measure(Self.tenFeatures, iterations: 2_000_000)
        print(
            "10-feature program: \(instructions) instructions, \(String(format: "%.1f", ns)) ns per event (\(String(format: "%.1f", ns / 10)) ns per feature, \(String(format: "%.1f", 10_000 / ns)) M feature evaluations/s)"
        )
    }

    /// The same program read through `EventExpressionInputs` from `EventFields` and window outputs.
    @Test func tenFeatureProgramOverEventFields() throws {
        func field(_ name: String, _ type: FieldType) -> FieldSpecification {
            FieldSpecification(
                name: name, path: name, type: type, isRequired: false,
                location: FileLocation(file: "perf", line: 1, column: 1))
        }
        let schema = [
            field("amount", .double), field("x", .double), field("ts", .timestamp), field("country", .string),
            field("mcc", .string),
        ]
        let windowOutputs = ["card_10m.total", "card_10m.n", "card_1h.mean"]
        let symbols = ExpressionSymbolTable(schema: schema, windowOutputs: windowOutputs)
        let program = try FeatureProgram(
            features: Self.tenFeatures.map { FeatureDefinition($0.0, $0.1) }, symbols: symbols)
        let evaluator = program.makeEvaluator()
        let fields = EventFields(schema: schema)
        let us = Array("US".utf8)
        let mcc = Array("5411".utf8)
        var windows: [Double] = [1200, 8, 90]
        let iterations = 2_000_000
        var best = Double.infinity
        var checksum = 0.0
        us.withUnsafeBytes { country in
            mcc.withUnsafeBytes { mccBytes in
                windows.withUnsafeMutableBufferPointer { window in
                    for _ in 0..<5 {
                        let start = Self.threadCPUSeconds()
                        for iteration in 0..<iterations {
                            // a lane fills the fields per event; that part is counted too
                            fields.setNumber(0, Double(iteration & 1023))
                            fields.setNumber(1, 50)
                            fields.setInteger(2, 1_700_000_000_000 + Int64(iteration) * 60_000)
                            fields.setString(3, country)
                            fields.setString(4, mccBytes)
                            evaluator.evaluate(
                                EventExpressionInputs(fields: fields, windowOutputs: UnsafeBufferPointer(window)))
                            checksum += evaluator.values[1]
                        }
                        best = min(best, (Self.threadCPUSeconds() - start) / Double(iterations) * 1e9)
                    }
                }
            }
        }
        if checksum == 42 { print("") }
        print(
            "10-feature program over EventFields + window outputs (filling 5 fields included): \(String(format: "%.1f", best)) ns per event"
        )
    }
}

/// A workload for checking that evaluation allocates nothing: run it under heaptrack with a small and a
/// large number of rounds and compare the allocation counts (see docs/features.md).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["SLUICE_ALLOC_ROUNDS"] != nil))
struct FeatureAllocationProbe {
    @Test func tenFeatureProgram() throws {
        let rounds = Int(ProcessInfo.processInfo.environment["SLUICE_ALLOC_ROUNDS"] ?? "") ?? 1
        let program = try FeatureProgram(
            features: (FeaturePerformanceTests.tenFeatures + [("country_code", "one_hot(country, [\"US\", \"GB\"])")])
                .map {
                    FeatureDefinition($0.0, $0.1)
                },
            symbols: FeaturePerformanceTests.symbols)
        let evaluator = program.makeEvaluator()
        let events = FeaturePerformanceTests.Events()
        var checksum = 0.0
        for round in 0..<rounds {
            for event in 0..<FeaturePerformanceTests.eventCount {
                evaluator.evaluate(events.inputs(event))
                checksum += evaluator.values[round % program.columnCount]
            }
        }
        #expect(!checksum.isInfinite)
    }
}
