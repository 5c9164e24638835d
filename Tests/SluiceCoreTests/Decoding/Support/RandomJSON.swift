import SluiceCore

/// A JSON document as a tree, and a seeded generator of random ones written in varied but valid ways:
/// random whitespace, optional escapes for ordinary characters, surrogate pairs, duplicate keys.
indirect enum JSONModel {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case object([(key: String, value: JSONModel)])
    case array([JSONModel])

    /// Every path to a member reachable through objects only, with addressable keys (no empty key).
    var memberPaths: [[String]] {
        guard case .object(let members) = self else { return [] }
        var result: [[String]] = []
        for (key, value) in members where !key.isEmpty {
            result.append([key])
            result += value.memberPaths.map { [key] + $0 }
        }
        return result
    }
}

struct RandomJSON {
    var generator: SeededGenerator

    init(seed: UInt64) { generator = SeededGenerator(seed: seed) }

    static let keyPool = [
        "a", "b", "c", "id", "amount", "payload", "event_id", "card_id", "ts", "x.y", "a\\b", "é", "中文",
        "emoji😀", "", "quote\"d", "tab\tkey", "long_key_name_exceeding_eight", "long_key_name_exceeding_eighT",
        String(repeating: "k", count: 63), String(repeating: "k", count: 64), String(repeating: "k", count: 70),
    ]

    static let characterPool: [Unicode.Scalar] = [
        "a", "b", "z", "A", "0", "9", " ", "\"", "\\", "/", "\u{0}", "\u{1}", "\u{8}", "\u{9}", "\u{A}", "\u{C}",
        "\u{D}", "\u{1F}", "\u{7F}", "é", "ß", "€", "中", "\u{FFFF}", "\u{2028}", "😀", "\u{10FFFF}", "𝄞",
    ]

    static let numberPool = [
        "0", "-0", "1", "-1", "42", "123.45", "-0.5", "0.1", "1e3", "1E+3", "-2.5e-3", "6.02214076e23",
        "9007199254740991", "9007199254740992", "9007199254740993", "-9007199254740993",
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "18446744073709551616", "123456789012345678901234567890", "0.30000000000000004",
        "1.7976931348623157e308", "2.2250738585072014e-308", "4.9e-324", "1e-320", "1e308", "1e-400",
        "3.141592653589793238462643383279", "0.000001", "1e22", "1e23", "123e25", "0e999",
    ]

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &generator) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &generator) < probability }

    mutating func number() -> String {
        switch int(0...3) {
        case 0: return Self.numberPool.randomElement(using: &generator)!
        case 1: return String(Int64.random(in: .min ... .max, using: &generator))
        case 2:
            let value = Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator))
            return (chance(0.5) ? "-" : "") + value.description
        default:
            let integer = int(0...999_999)
            let fraction = int(0...999_999)
            let exponent = int(-30...30)
            return "\(int(0...1) == 0 ? "-" : "")\(integer).\(fraction)" + (chance(0.5) ? "e\(exponent)" : "")
        }
    }

    mutating func string() -> String {
        var text = ""
        for _ in 0..<int(0...12) { text.unicodeScalars.append(Self.characterPool.randomElement(using: &generator)!) }
        if chance(0.1) { text += String(repeating: "plain ascii ", count: int(1...8)) }
        return text
    }

    mutating func value(depth: Int) -> JSONModel {
        let composite = depth < 6 ? 3 : 0
        switch int(0...(5 + composite)) {
        case 0: return .null
        case 1: return .bool(chance(0.5))
        case 2, 3: return .number(number())
        case 4, 5: return .string(string())
        case 6, 7: return object(depth: depth + 1)
        default: return .array((0..<int(0...4)).map { _ in value(depth: depth + 1) })
        }
    }

    mutating func object(depth: Int) -> JSONModel {
        var members: [(key: String, value: JSONModel)] = []
        for _ in 0..<int(0...7) {
            let key = chance(0.15) ? string() : Self.keyPool.randomElement(using: &generator)!
            members.append((key, value(depth: depth)))
        }
        if !members.isEmpty && chance(0.1) {
            members.append((members.randomElement(using: &generator)!.key, value(depth: depth)))
        }
        return .object(members)
    }

    mutating func document() -> JSONModel { object(depth: 1) }

    // MARK: Writing

    mutating func whitespace() -> String {
        guard chance(0.2) else { return "" }
        return String((0..<int(1...3)).map { _ in [" ", "\n", "\t", "\r"].randomElement(using: &generator)! })
    }

    mutating func write(_ model: JSONModel) -> String {
        switch model {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .number(let literal): return literal
        case .string(let text): return write(string: text)
        case .object(let members):
            var text = "{" + whitespace()
            for (index, member) in members.enumerated() {
                if index > 0 { text += "," + whitespace() }
                text += write(string: member.key) + whitespace() + ":" + whitespace() + write(member.value)
                text += whitespace()
            }
            return text + "}"
        case .array(let elements):
            var text = "[" + whitespace()
            for (index, element) in elements.enumerated() {
                if index > 0 { text += "," + whitespace() }
                text += write(element) + whitespace()
            }
            return text + "]"
        }
    }

    mutating func write(string: String) -> String {
        var text = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": text += "\\\""
            case "\\": text += "\\\\"
            case "\n": text += chance(0.5) ? "\\n" : "\\u000a"
            case "\t": text += chance(0.5) ? "\\t" : "\\u0009"
            case "\u{8}": text += "\\b"
            case "\u{C}": text += "\\f"
            case "\r": text += "\\r"
            case "/": text += chance(0.5) ? "\\/" : "/"
            default:
                if scalar.value < 0x20 || chance(0.1) {
                    text += escaped(scalar)
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
        }
        return text + "\""
    }

    mutating func escaped(_ scalar: Unicode.Scalar) -> String {
        func hex(_ unit: UInt32, upper: Bool) -> String {
            let digits = String(unit, radix: 16, uppercase: upper)
            return "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        }
        let upper = chance(0.5)
        if scalar.value < 0x10000 { return hex(scalar.value, upper: upper) }
        let value = scalar.value - 0x10000
        return hex(0xD800 + (value >> 10), upper: upper) + hex(0xDC00 + (value & 0x3FF), upper: upper)
    }
}
