import Foundation
import SluiceCore
import Testing

/// Numbers convert to the same Double bits as Swift's `Double(String)` and the C library's `strtod`, and
/// integer literals to the exact Int64 that `Int64(String)` gives.
@Suite struct DecoderNumberTests {
    static let decoder = try! EventDecoder(paths: ["n"])

    /// The decoded number of `{"n":literal}`, checked against the references; nil if it was not a number.
    static func check(_ literal: String, fields: DecodedFields, sourceLocation: SourceLocation = #_sourceLocation) {
        let bytes = Array("{\"n\":\(literal)}".utf8)
        guard case .success(let values) = decodeSnapshots(bytes, decoder: decoder, fields: fields),
            case .number(let double, let int64, let isIntegerLiteral, let decodedLiteral) = values[0]
        else {
            Issue.record("\(literal) did not decode as a number", sourceLocation: sourceLocation)
            return
        }
        let expectedDouble = Double(literal)!
        let cDouble = literal.withCString { strtod($0, nil) }
        if double.bitPattern != expectedDouble.bitPattern || double.bitPattern != cDouble.bitPattern {
            let message =
                "\(literal): decoded \(double) (\(String(double.bitPattern, radix: 16))), "
                + "Double(String) \(expectedDouble), strtod \(cDouble)"
            Issue.record("\(message)", sourceLocation: sourceLocation)
        }
        let isInteger = !literal.contains(where: { ".eE".contains($0) })
        if isIntegerLiteral != isInteger || int64 != (isInteger ? Int64(literal) : nil) {
            Issue.record(
                "\(literal): int64 \(String(describing: int64)), integer \(isIntegerLiteral)",
                sourceLocation: sourceLocation)
        }
        if decodedLiteral != literal {
            Issue.record("\(literal): literal \(decodedLiteral)", sourceLocation: sourceLocation)
        }
    }

    static let boundaries = [
        // Around 2^53, where Doubles stop holding every integer.
        "9007199254740991", "9007199254740992", "9007199254740993", "9007199254740994", "9007199254740995",
        "-9007199254740991", "-9007199254740993", "9007199254740993.0", "9007199254740993e0", "90071992547409930e-1",
        // Int64 limits and one beyond.
        "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
        "18446744073709551615", "18446744073709551616", "99999999999999999999", "-99999999999999999999",
        // Range ends, subnormals, zeros.
        "1e308", "1.7976931348623157e308", "1.7976931348623158e308", "-1.7976931348623157e308",
        "2.2250738585072014e-308", "2.2250738585072011e-308", "2.2250738585072012e-308", "1e-320", "-1e-320",
        "4.9e-324", "5e-324", "2.4703282292062327e-324", "2.4703282292062328e-324", "1e-324", "1e-400", "-1e-400",
        "0", "-0", "0.0", "-0.0", "0e0", "-0e-0", "0.000", "0E+10",
        // Classic decimals and the fast path's edges.
        "0.1", "0.2", "0.3", "0.30000000000000004", "123.45", "-123.45", "1e22", "1e23", "-1e22", "1e-22",
        "1e-23", "123e25", "9007199254740992e22", "9007199254740993e-22", "4503599627370496.5",
        "4503599627370497.5", "1.5e15", "1E+2", "1e-7", "6.02214076e23", "6.62607015e-34", "2e-1",
        // Long mantissas, including ones whose rounding depends on digits beyond the 19th.
        "0.1000000000000000055511151231257827021181583404541015625",
        "0.1000000000000000055511151231257827021181583404541015624",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203125000000000000000000001",
        "9007199254740993.00000000000000000000000000001",
        "3.14159265358979323846264338327950288419716939937510582097494459",
        "12345678901234567890123456789012345678901234567890",
        "0.000000000000000000000000000000000000000000000000000000000000000000000000000001234567890123456789",
        "1" + String(repeating: "0", count: 308), "1" + String(repeating: "0", count: 300) + "e-300",
        "0." + String(repeating: "0", count: 320) + "1e320",
        "7.2057594037927933e16", "89255.0e-22", "8.98846567431158e307", "1.448997445238699",
        "2.225073858507201136057409796709131975934819546351645648e-308",
    ]

    @Test func boundaryNumbersConvertLikeStrtod() {
        let fields = Self.decoder.makeFields()
        for literal in Self.boundaries {
            Self.check(literal, fields: fields)
            if !literal.hasPrefix("-") { Self.check("-" + literal, fields: fields) }
        }
    }

    @Test func integerLiteralsBeyondInt64AreFlaggedNotRejected() {
        let fields = Self.decoder.makeFields()
        let bytes = Array(#"{"n":9223372036854775808}"#.utf8)
        bytes.withUnsafeBytes { buffer in
            do throws(DecodeError) {
                try Self.decoder.decode(buffer, into: fields)
                guard case .number(let number) = fields[0] else {
                    Issue.record("not a number: \(fields[0])")
                    return
                }
                #expect(number.overflowsInt64)
                #expect(number.int64 == nil)
                #expect(number.double == 9_223_372_036_854_775_808)
                #expect(fields.int64(at: 0) == nil)
                #expect(fields.double(at: 0) == 9_223_372_036_854_775_808)
            } catch {
                Issue.record("\(error)")
            }
        }
    }

    @Test func randomDoublesInShortestAndLongFormsConvertLikeStrtod() {
        var generator = SeededGenerator(seed: 0xD0_0B1E)
        let fields = Self.decoder.makeFields()
        for round in 0..<4000 {
            // Uniform over bit patterns covers every binade, subnormals included.
            let value = Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator))
            let shortest = value.description.replacingOccurrences(of: "e+", with: "e")
            Self.check(shortest, fields: fields)
            Self.check(String(format: round % 2 == 0 ? "%.17g" : "%.25e", value), fields: fields)
        }
    }

    @Test func randomDecimalLiteralsConvertLikeStrtod() {
        var generator = SeededGenerator(seed: 0xDEC1_3A15)
        let fields = Self.decoder.makeFields()
        for _ in 0..<6000 {
            let integerDigits = Int.random(in: 1...25, using: &generator)
            var literal = Bool.random(using: &generator) ? "-" : ""
            literal += String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<integerDigits { literal += String(Int.random(in: 0...9, using: &generator)) }
            if Bool.random(using: &generator) {
                literal += "."
                for _ in 0..<Int.random(in: 1...25, using: &generator) {
                    literal += String(Int.random(in: 0...9, using: &generator))
                }
            }
            if Int.random(in: 0...2, using: &generator) == 0 {
                literal += ["e", "E", "e+", "e-", "E-"].randomElement(using: &generator)!
                literal += String(Int.random(in: 0...300, using: &generator))
            }
            guard Double(literal)!.isFinite else { continue }
            Self.check(literal, fields: fields)
        }
    }

    @Test func longMantissasWithSmallExponentsConvertLikeStrtod() {
        // 16 to 19 digits and exponents within ±19: the exact 128-bit path, ties and near-ties included.
        var generator = SeededGenerator(seed: 0x128_B175)
        let fields = Self.decoder.makeFields()
        for round in 0..<6000 {
            let digits = Int.random(in: 16...19, using: &generator)
            var mantissa = String(Int.random(in: 1...9, using: &generator))
            for _ in 1..<digits { mantissa += String(Int.random(in: 0...9, using: &generator)) }
            if round % 3 == 0 {
                // Near a midpoint: a Double's exact decimal expansion, cut and nudged.
                let value = Double(
                    bitPattern: UInt64.random(
                        in: 0x3C00_0000_0000_0000...0x4400_0000_0000_0000,
                        using: &generator))
                mantissa = String(String(format: "%.40e", value).filter(\.isNumber).prefix(digits))
            }
            let exponent = Int.random(in: -19...19, using: &generator) - (digits - 1)
            let pointAt = Int.random(in: 1...digits, using: &generator)
            let literal =
                String(mantissa.prefix(pointAt)) + "." + String(mantissa.dropFirst(pointAt))
                + "0e\(exponent + digits - pointAt)"
            Self.check(literal, fields: fields)
            Self.check(mantissa + "e\(exponent)", fields: fields)
        }
    }

    @Test func randomIntegersAreExact() {
        var generator = SeededGenerator(seed: 0x1_0000_0001)
        let fields = Self.decoder.makeFields()
        for _ in 0..<3000 {
            let value =
                Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator)
            Self.check(String(value), fields: fields)
        }
    }
}
