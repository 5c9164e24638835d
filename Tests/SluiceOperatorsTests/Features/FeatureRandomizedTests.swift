import Foundation
import Testing
import SluiceOperators

/// Random programs of random expressions, compiled and evaluated on random events, against a
/// straightforward tree-walking interpreter written here from the language's definition
/// (docs/features.md). Expressions are rendered with the fewest parentheses precedence allows (plus some
/// redundant ones), so that the parser's precedence is tested too.
@Suite struct FeatureRandomizedTests {
    enum Kind {
        case number, bool, string
    }

    /// A random expression, as the test understands it.
    indirect enum Node {
        case number(Double)
        case string(String)
        case bool(Bool)
        case null
        case input(String)
        case feature(String)
        case negate(Node)
        case not(Node)
        case binary(String, Node, Node)
        case call(String, [Node])
        case inNumbers(Node, [Double])
        case inStrings(Node, [String])
        case bucketize(Node, [Double])
        case hashBucket(Node, Double)
        case time(String, Node, String?)
    }

    /// A value during interpretation: numbers, bools (1/0) and null (NaN) as Doubles; strings as bytes.
    enum Value {
        case number(Double)
        case string([UInt8]?)

        var number: Double {
            if case .number(let value) = self { return value }
            fatalError("not a number")
        }

        var string: [UInt8]? {
            if case .string(let value) = self { return value }
            if case .number(let value) = self, value.isNaN { return nil }
            fatalError("not a string")
        }
    }

    // MARK: Generating

    struct Generator {
        var random: SeededGenerator
        /// Earlier features usable by the one being generated, with their kinds.
        var features: [(name: String, kind: Kind)] = []

        mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &random) < probability }

        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &random)] }

        mutating func literalNumber() -> Double {
            pick([0, 1, 2, 3, 0.5, 2.5, 10, 100, 1e-3, 7, 1e300, 42])
        }

        /// An expression of `kind`; `allowsNull` lets the null literal stand for it.
        mutating func expression(_ kind: Kind, depth: Int, allowsNull: Bool = false) -> Node {
            if allowsNull && chance(0.08) { return .null }
            if depth <= 0 || chance(0.25) { return leaf(kind) }
            switch kind {
            case .number: return numberNode(depth)
            case .bool: return boolNode(depth)
            case .string: return stringNode(depth)
            }
        }

        mutating func leaf(_ kind: Kind) -> Node {
            let earlier = features.filter { $0.kind == kind }
            if !earlier.isEmpty && chance(0.2) { return .feature(pick(earlier).name) }
            switch kind {
            case .number:
                if chance(0.4) { return .number(literalNumber()) }
                return .input(
                    pick(["amount", "count", "a", "b", "ts", "card_10m.total", "card_10m.n", "merchant.risk_tier"]))
            case .bool:
                if chance(0.3) { return .bool(chance(0.5)) }
                return .input(pick(["flag", "other_flag"]))
            case .string:
                if chance(0.4) { return .string(pick(["US", "GB", "", "Zürich", "a\"b"])) }
                return .input(pick(["country", "mcc", "merchant.category"]))
            }
        }

        mutating func numberNode(_ depth: Int) -> Node {
            let next = depth - 1
            switch Int.random(in: 0..<14, using: &random) {
            case 0: return .negate(expression(.number, depth: next, allowsNull: true))
            case 1, 2, 3:
                return .binary(
                    pick(["+", "-", "*", "/", "%"]), expression(.number, depth: next, allowsNull: true),
                    expression(.number, depth: next))
            case 4:
                return .call(pick(["log", "log1p", "exp", "sqrt", "abs"]), [expression(.number, depth: next)])
            case 5:
                let name = pick(["pow", "min", "max", "min", "max"])
                let count = name == "pow" ? 2 : Int.random(in: 2...4, using: &random)
                return .call(name, (0..<count).map { _ in expression(.number, depth: next) })
            case 6:
                return .call(
                    "clip", [expression(.number, depth: next), .number(pick([0, -1, 2])), .number(pick([2, 5, 100]))])
            case 7:
                return .call(
                    "coalesce",
                    [expression(.number, depth: next, allowsNull: true), expression(.number, depth: next)]
                        + (chance(0.3) ? [.number(literalNumber())] : []))
            case 8:
                let first = chance(0.5)
                return .call(
                    "if",
                    [
                        expression(.bool, depth: next), expression(.number, depth: next, allowsNull: first),
                        expression(.number, depth: next, allowsNull: !first),
                    ])
            case 9:
                var bounds = Set<Double>()
                for _ in 0..<Int.random(in: 1...5, using: &random) {
                    bounds.insert(Double(Int.random(in: -5...20, using: &random)))
                }
                return .bucketize(expression(.number, depth: next), bounds.sorted())
            case 10:
                let x = chance(0.5) ? expression(.string, depth: next) : expression(.number, depth: next)
                return .hashBucket(x, pick([1, 2, 7, 1000, 1_000_003]))
            case 11:
                // integral times only: the ts input, shifted by whole hours or minutes
                let shift = Double(Int.random(in: -48...48, using: &random)) * pick([3_600_000, 60_000])
                let time: Node = chance(0.5) ? .input("ts") : .binary("+", .input("ts"), .number(shift))
                return .time(
                    pick(["hour_of_day", "day_of_week"]), time, pick([nil, "UTC", "+05:30", "-03:00", "Europe/Berlin"]))
            default:
                return .binary(
                    pick(["+", "*", "-"]), expression(.number, depth: next), expression(.number, depth: next))
            }
        }

        mutating func boolNode(_ depth: Int) -> Node {
            let next = depth - 1
            switch Int.random(in: 0..<11, using: &random) {
            case 0, 1:
                return .binary(
                    pick(["<", "<=", ">", ">=", "==", "!="]), expression(.number, depth: next),
                    expression(.number, depth: next))
            case 2:
                return .binary(pick(["==", "!="]), expression(.string, depth: next), expression(.string, depth: next))
            case 3: return .binary(pick(["==", "!="]), expression(.bool, depth: next), expression(.bool, depth: next))
            case 4, 5:
                return .binary(
                    pick(["and", "or"]), expression(.bool, depth: next, allowsNull: true),
                    expression(.bool, depth: next))
            case 6: return .not(expression(.bool, depth: next, allowsNull: true))
            case 7:
                if chance(0.5) {
                    return .inStrings(
                        expression(.string, depth: next),
                        (0..<Int.random(in: 1...3, using: &random)).map { _ in pick(["US", "GB", "", "Zürich"]) })
                }
                return .inNumbers(
                    expression(.number, depth: next),
                    (0..<Int.random(in: 1...3, using: &random)).map { _ in pick([0, 1, 2, -1, 3, 100]) })
            case 8:
                return .call("is_null", [expression(pick([.number, .bool, .string]), depth: next)])
            case 9:
                let first = chance(0.5)
                return .call(
                    "if",
                    [
                        expression(.bool, depth: next), expression(.bool, depth: next, allowsNull: first),
                        expression(.bool, depth: next, allowsNull: !first),
                    ])
            default:
                return .call(
                    "coalesce", [expression(.bool, depth: next, allowsNull: true), expression(.bool, depth: next)])
            }
        }

        mutating func stringNode(_ depth: Int) -> Node {
            let next = depth - 1
            if chance(0.5) {
                let first = chance(0.5)
                return .call(
                    "if",
                    [
                        expression(.bool, depth: next), expression(.string, depth: next, allowsNull: first),
                        expression(.string, depth: next, allowsNull: !first),
                    ])
            }
            return .call(
                "coalesce", [expression(.string, depth: next, allowsNull: true), expression(.string, depth: next)])
        }
    }

    // MARK: Rendering

    /// Precedence levels, loosest first, as docs/features.md lists them.
    static func level(_ operation: String) -> Int {
        switch operation {
        case "or": 1
        case "and": 2
        case "<", "<=", ">", ">=", "==", "!=", "in": 4
        case "+", "-": 5
        default: 6
        }
    }

    static func literal(_ value: Double) -> String { "\(value)" }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The text of `node` and its precedence level (8 for atoms).
    static func render(_ node: Node, _ generator: inout Generator) -> (text: String, level: Int) {
        func wrap(_ child: Node, needs: (Int) -> Bool) -> String {
            let (text, level) = render(child, &generator)
            return needs(level) || generator.chance(0.05) ? "(\(text))" : text
        }
        func list(_ items: [String]) -> String {
            "[" + items.joined(separator: generator.chance(0.5) ? ", " : ",") + "]"
        }
        func numbers(_ values: [Double]) -> String { list(values.map { $0 < 0 ? "-\(literal(-$0))" : literal($0) }) }
        func arguments(_ nodes: [Node]) -> String { nodes.map { render($0, &generator).text }.joined(separator: ", ") }
        switch node {
        case .number(let value): return (literal(value), 8)
        case .string(let text): return (quoted(text), 8)
        case .bool(let value): return (value ? "true" : "false", 8)
        case .null: return ("null", 8)
        case .input(let name), .feature(let name): return (name, 8)
        case .negate(let operand): return ("-" + wrap(operand) { $0 < 7 }, 7)
        case .not(let operand): return ("not " + wrap(operand) { $0 < 3 }, 3)
        case .binary(let operation, let left, let right):
            let level = level(operation)
            let isComparison = level == 4
            let leftText = wrap(left) { isComparison ? $0 <= level : $0 < level }
            let rightText = wrap(right) { $0 <= level }
            let space = generator.chance(0.1) ? "\n " : " "
            return ("\(leftText) \(operation)\(space)\(rightText)", level)
        case .call(let name, let nodes): return ("\(name)(\(arguments(nodes)))", 8)
        case .inNumbers(let value, let items): return (wrap(value) { $0 <= 4 } + " in " + numbers(items), 4)
        case .inStrings(let value, let items): return (wrap(value) { $0 <= 4 } + " in " + list(items.map(quoted)), 4)
        case .bucketize(let value, let bounds):
            return ("bucketize(\(render(value, &generator).text), \(numbers(bounds)))", 8)
        case .hashBucket(let value, let buckets):
            return ("hash_bucket(\(render(value, &generator).text), \(Int(buckets)))", 8)
        case .time(let name, let value, let zone):
            return ("\(name)(\(render(value, &generator).text)\(zone.map { ", " + quoted($0) } ?? ""))", 8)
        }
    }

    // MARK: Interpreting

    struct Interpreter {
        var inputs: [String: FeatureInput]
        var features: [String: Value] = [:]

        static func isTrue(_ value: Double) -> Bool { !value.isNaN && value != 0 }
        static func truth(_ condition: Bool) -> Double { condition ? 1 : 0 }

        func input(_ name: String) -> Value {
            let isString = FeatureTestSchema.strings.contains(name) || FeatureTestSchema.lookupStrings.contains(name)
            switch inputs[name] ?? .missing {
            case .number(let value): return .number(value)
            case .string(let text): return .string(Array(text.utf8))
            case .missing: return isString ? .string(nil) : .number(.nan)
            }
        }

        func evaluate(_ node: Node) -> Value {
            switch node {
            case .number(let value): return .number(value)
            case .string(let text): return .string(Array(text.utf8))
            case .bool(let value): return .number(value ? 1 : 0)
            case .null: return .number(.nan)
            case .input(let name): return input(name)
            case .feature(let name): return features[name]!
            case .negate(let operand): return .number(-evaluate(operand).number)
            case .not(let operand): return .number(Self.truth(!Self.isTrue(evaluate(operand).number)))
            case .binary(let operation, let left, let right):
                return .number(binary(operation, evaluate(left), evaluate(right)))
            case .call(let name, let nodes): return call(name, nodes)
            case .inNumbers(let value, let items):
                let x = evaluate(value).number
                return .number(Self.truth(items.contains { $0 == x }))
            case .inStrings(let value, let items):
                guard let x = evaluate(value).string else { return .number(0) }
                return .number(Self.truth(items.contains { Array($0.utf8) == x }))
            case .bucketize(let value, let bounds):
                let x = evaluate(value).number
                return .number(x.isNaN ? .nan : Double(bounds.filter { $0 <= x }.count))
            case .hashBucket(let value, let buckets):
                let bytes: [UInt8]
                switch evaluate(value) {
                case .string(nil): return .number(.nan)
                case .string(let text?): bytes = text
                case .number(let x):
                    if x.isNaN { return .number(.nan) }
                    if x == x.rounded(.towardZero) && x >= -9.223_372_036_854_775_808e18
                        && x < 9.223_372_036_854_775_808e18
                    {
                        bytes = Array(String(Int64(x)).utf8)
                    } else {
                        bytes = (0..<8).map { UInt8(truncatingIfNeeded: x.bitPattern >> ($0 * 8)) }
                    }
                }
                return .number(Double(referenceFNV1a(bytes) % UInt64(buckets)))
            case .time(let name, let value, let zone):
                return .number(Self.time(name, evaluate(value).number, zone))
            }
        }

        func binary(_ operation: String, _ left: Value, _ right: Value) -> Double {
            var isString = false
            if case .string = left { isString = true }
            if case .string = right { isString = true }
            if isString {
                // a null of string type may arrive as NaN (from the null literal)
                guard let a = left.string, let b = right.string else { return 0 }
                return Self.truth(operation == "==" ? a == b : a != b)
            }
            let a = left.number
            let b = right.number
            let eitherNull = a.isNaN || b.isNaN
            switch operation {
            case "+": return a + b
            case "-": return a - b
            case "*": return a * b
            case "/": return a / b
            case "%": return a.truncatingRemainder(dividingBy: b)
            case "<": return Self.truth(!eitherNull && a < b)
            case "<=": return Self.truth(!eitherNull && a <= b)
            case ">": return Self.truth(!eitherNull && a > b)
            case ">=": return Self.truth(!eitherNull && a >= b)
            case "==": return Self.truth(!eitherNull && a == b)
            case "!=": return Self.truth(!eitherNull && a != b)
            case "and": return Self.truth(Self.isTrue(a) && Self.isTrue(b))
            case "or": return Self.truth(Self.isTrue(a) || Self.isTrue(b))
            default: fatalError(operation)
            }
        }

        func call(_ name: String, _ nodes: [Node]) -> Value {
            let values = nodes.map(evaluate)
            func number(_ index: Int) -> Double { values[index].number }
            switch name {
            case "log": return .number(Foundation.log(number(0)))
            case "log1p": return .number(Foundation.log1p(number(0)))
            case "exp": return .number(Foundation.exp(number(0)))
            case "sqrt": return .number(Foundation.sqrt(number(0)))
            case "abs": return .number(Swift.abs(number(0)))
            case "pow":
                return .number(number(0).isNaN || number(1).isNaN ? .nan : Foundation.pow(number(0), number(1)))
            case "min", "max":
                let numbers = values.map(\.number)
                if numbers.contains(where: \.isNaN) { return .number(.nan) }
                var result = numbers[0]
                for next in numbers.dropFirst() where name == "min" ? next < result : next > result { result = next }
                return .number(result)
            case "clip":
                let (x, low, high) = (number(0), number(1), number(2))
                if x.isNaN || low.isNaN || high.isNaN { return .number(.nan) }
                return .number(x < low ? low : (x > high ? high : x))
            case "coalesce":
                for value in values {
                    switch value {
                    case .number(let x) where !x.isNaN: return value
                    case .string(let text?): return .string(text)
                    default: continue
                    }
                }
                return values.last!
            case "is_null":
                switch values[0] {
                case .number(let x): return .number(Self.truth(x.isNaN))
                case .string(let text): return .number(Self.truth(text == nil))
                }
            case "if":
                return Self.isTrue(number(0)) ? values[1] : values[2]
            default: fatalError(name)
            }
        }

        /// Hour or ISO weekday (0 = Monday) of an integral epoch-ms time, by integer arithmetic for UTC and
        /// fixed offsets and by Foundation's Calendar for named zones.
        static func time(_ name: String, _ t: Double, _ zone: String?) -> Double {
            guard !t.isNaN, Swift.abs(t) <= 8.64e15 else { return .nan }
            if zone == "Europe/Berlin" {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "Europe/Berlin")!
                let date = Date(timeIntervalSince1970: t / 1000)
                if name == "hour_of_day" { return Double(calendar.component(.hour, from: date)) }
                return Double((calendar.component(.weekday, from: date) + 5) % 7)
            }
            let offsetMinutes: Int64 = ["+05:30": 330, "-03:00": -180][zone ?? ""] ?? 0
            let local = Int64(t) + offsetMinutes * 60_000
            var day = local / 86_400_000
            if local % 86_400_000 < 0 { day -= 1 }
            if name == "hour_of_day" { return Double((local - day * 86_400_000) / 3_600_000) }
            return Double(((day + 3) % 7 + 7) % 7)
        }
    }

    // MARK: Events

    static func randomEvent(_ generator: inout Generator) -> [String: FeatureInput] {
        var event: [String: FeatureInput] = [:]
        for name in ["amount", "count", "a", "b", "card_10m.total", "card_10m.n", "merchant.risk_tier"] {
            event[name] =
                generator.chance(0.15)
                ? .missing
                : .number(
                    generator.pick([
                        0, -0.0, 1, -1, 2, 2.5, 3, 7, 100, -3.5, 1e300, -1e-300, .infinity, -.infinity, .nan,
                        Double.random(in: -1000...1000, using: &generator.random),
                    ]))
        }
        for name in ["flag", "other_flag"] {
            event[name] = generator.pick([.number(0), .number(1), .missing])
        }
        for name in ["country", "mcc", "merchant.category"] {
            event[name] = generator.pick([
                .string("US"), .string("GB"), .string(""), .string("Zürich"), .string("a\"b"), .missing,
            ])
        }
        event["ts"] =
            generator.chance(0.1)
            ? .missing
            : .number(Double(Int64.random(in: -2_000_000_000_000...5_000_000_000_000, using: &generator.random)))
        return event
    }

    // MARK: The test

    @Test(arguments: [UInt64(1), 2, 3, 4])
    func compiledProgramsAgreeWithATreeWalkingInterpreter(seed: UInt64) throws {
        var generator = Generator(random: SeededGenerator(seed: seed))
        var checkedValues = 0
        for programIndex in 0..<400 {
            generator.features = []
            var definitions: [(String, String)] = []
            var nodes: [(name: String, node: Node, kind: Kind?)] = []
            for index in 0..<Int.random(in: 1...4, using: &generator.random) {
                let name = "f\(index)"
                if generator.chance(0.1) {
                    // a one_hot feature: its columns, never referenced later
                    let categories = ["US", "GB", "Zürich"]
                    let x = generator.expression(.string, depth: 2)
                    let text =
                        "one_hot(\(Self.render(x, &generator).text), [\(categories.map(Self.quoted).joined(separator: ", "))])"
                    definitions.append((name, text))
                    nodes.append((name, .inStrings(x, categories), nil))
                    continue
                }
                let kind: Kind = generator.chance(0.6) ? .number : .bool
                let node = generator.expression(kind, depth: Int.random(in: 1...5, using: &generator.random))
                definitions.append((name, Self.render(node, &generator).text))
                nodes.append((name, node, kind))
                generator.features.append((name, kind))
            }
            let program: FeatureProgram
            do {
                program = try compileFeatures(definitions)
            } catch {
                Issue.record("program \(programIndex) did not compile: \(definitions)\n\(error)")
                continue
            }
            let evaluator = program.makeEvaluator()
            for _ in 0..<12 {
                let values = Self.randomEvent(&generator)
                evaluator.evaluate(FeatureEvent(values))
                var interpreter = Interpreter(inputs: values)
                var expected: [Double] = []
                for (name, node, kind) in nodes {
                    if kind == nil, case .inStrings(let x, let categories) = node {
                        let value = interpreter.evaluate(x).string
                        expected += categories.map { Interpreter.truth(value == Array($0.utf8)) }
                        continue
                    }
                    let value = interpreter.evaluate(node)
                    interpreter.features[name] = value
                    expected.append(value.number)
                }
                let actual = Array(evaluator.values)
                checkedValues += actual.count
                if actual.count != expected.count || !zip(actual, expected).allSatisfy({ same($0, $1) }) {
                    Issue.record("program \(definitions)\nevent \(values)\ncompiled \(actual)\nexpected \(expected)")
                    return
                }
            }
        }
        #expect(checkedValues > 400 * 12)
    }
}
