import SluiceOperators

/// A value of a test event's input.
enum FeatureInput {
    case number(Double)
    case string(String)
    case missing
}

/// The inputs every feature test can use, with their types. Slots are per source.
enum FeatureTestSchema {
    static let numbers = ["amount", "count", "a", "b", "c", "d"]
    static let timestamps = ["ts"]
    static let bools = ["flag", "other_flag"]
    static let strings = ["country", "mcc", "city"]
    static let windowNumbers = ["card_10m.total", "card_10m.n"]
    static let lookupNumbers = ["merchant.risk_tier"]
    static let lookupStrings = ["merchant.category"]

    static let symbols: ExpressionSymbolTable = {
        var table = ExpressionSymbolTable()
        var slot = 0
        for (names, type) in [
            (numbers, ExpressionType.number), (timestamps, .timestamp), (bools, .bool), (strings, .string),
        ] {
            for name in names {
                table.declare(name, source: .event, slot: slot, type: type)
                slot += 1
            }
        }
        for (index, name) in windowNumbers.enumerated() {
            table.declare(name, source: .window, slot: index, type: .number)
        }
        table.declare(lookupNumbers[0], source: .lookup, slot: 0, type: .number)
        table.declare(lookupStrings[0], source: .lookup, slot: 1, type: .string)
        return table
    }()
}

/// A test event: values by input name; strings kept in buffers of their own so that borrowed pointers stay
/// valid. Unset inputs are missing.
final class FeatureEvent: ExpressionInputs {
    private var numbers: [ExpressionSymbol: Double] = [:]
    private var strings: [ExpressionSymbol: UnsafeMutableRawBufferPointer] = [:]

    init(_ values: [String: FeatureInput] = [:]) {
        for (name, value) in values { set(name, value) }
    }

    deinit {
        for buffer in strings.values { buffer.deallocate() }
    }

    func set(_ name: String, _ value: FeatureInput) {
        guard let symbol = FeatureTestSchema.symbols.symbol(named: name) else { fatalError("no test input \(name)") }
        strings.removeValue(forKey: symbol)?.deallocate()
        numbers[symbol] = nil
        switch value {
        case .number(let number): numbers[symbol] = number
        case .string(let text):
            let bytes = Array(text.utf8)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            strings[symbol] = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<bytes.count])
        case .missing: break
        }
    }

    func number(_ symbol: ExpressionSymbol) -> Double { numbers[symbol] ?? .nan }

    func string(_ symbol: ExpressionSymbol) -> UnsafeRawBufferPointer? {
        strings[symbol].map { UnsafeRawBufferPointer($0) }
    }
}

/// Compiles `features` (`name: expression` pairs) over the test schema.
func compileFeatures(_ features: [(String, String)]) throws(FeatureError) -> FeatureProgram {
    try FeatureProgram(features: features.map { FeatureDefinition($0.0, $0.1) }, symbols: FeatureTestSchema.symbols)
}

/// The value of `expression` as a one-feature program, for the event `values`.
func evaluate(_ expression: String, _ values: [String: FeatureInput] = [:]) throws(FeatureError) -> Double {
    let program = try compileFeatures([("f", expression)])
    let evaluator = program.makeEvaluator()
    evaluator.evaluate(FeatureEvent(values))
    return evaluator.values[0]
}

/// Whether two results agree: equal, or both NaN (null). Signs of zero are not compared.
func same(_ a: Double, _ b: Double) -> Bool { a == b || (a.isNaN && b.isNaN) }

/// The diagnostics of compiling `features`, or none when they compile.
func diagnostics(_ features: [(String, String)]) -> [FeatureDiagnostic] {
    do {
        _ = try compileFeatures(features)
        return []
    } catch {
        return error.diagnostics
    }
}

/// The single diagnostic of a one-feature program `f: expression`.
func diagnostic(_ expression: String) -> FeatureDiagnostic? {
    let found = diagnostics([("f", expression)])
    return found.count == 1 ? found[0] : nil
}

/// FNV-1a 64, written from the published definition (offset basis 14695981039346656037, prime 2^40 + 435).
func referenceFNV1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 14_695_981_039_346_656_037
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 1_099_511_628_211
    }
    return hash
}
