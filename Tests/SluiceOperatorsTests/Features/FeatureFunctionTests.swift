import Foundation
import Testing
import SluiceOperators

/// Every function against values computed independently: Foundation's math, hand-computed constants,
/// and a reference FNV-1a written in the test.
@Suite struct FeatureFunctionTests {
    static let samples: [Double] = [
        0, -0.0, 1, -1, 0.5, -0.5, 2, 10, 1e-300, 1e300, 709, 710, -745, 123.456, .infinity, -.infinity,
        .leastNonzeroMagnitude, .greatestFiniteMagnitude,
    ]

    static let unaryFunctions: [(String, @Sendable (Double) -> Double)] = [
        ("log", { Foundation.log($0) }), ("log1p", { Foundation.log1p($0) }), ("exp", { Foundation.exp($0) }),
        ("sqrt", { Foundation.sqrt($0) }), ("abs", { Foundation.fabs($0) }),
    ]

    @Test func unaryMathMatchesFoundation() throws {
        for (name, reference) in Self.unaryFunctions {
            let program = try compileFeatures([("f", "\(name)(amount)")])
            let evaluator = program.makeEvaluator()
            let event = FeatureEvent()
            for x in Self.samples {
                event.set("amount", .number(x))
                evaluator.evaluate(event)
                let expected = reference(x)
                #expect(same(evaluator.values[0], expected), "\(name)(\(x)) = \(evaluator.values[0]), not \(expected)")
                // folded at compile time: the same value
                let literal = x.isFinite ? "(\(x))" : (x > 0 ? "(1e308 * 10)" : "(-1e308 * 10)")
                let folded = try evaluate("\(name)(\(literal))")
                #expect(same(folded, expected), "folded \(name)(\(x)) = \(folded), not \(expected)")
            }
            event.set("amount", .missing)
            evaluator.evaluate(event)
            #expect(evaluator.values[0].isNaN, "\(name)(null)")
        }
    }

    @Test func mathEdgeCasesByHand() throws {
        #expect(try evaluate("log(0)") == -.infinity)
        #expect(try evaluate("log(-1)").isNaN)
        #expect(try evaluate("log1p(-1)") == -.infinity)
        #expect(try evaluate("log1p(-2)").isNaN)
        #expect(try evaluate("sqrt(-4)").isNaN)
        #expect(try evaluate("sqrt(16)") == 4)
        #expect(try evaluate("exp(0)") == 1)
        #expect(try evaluate("exp(1000)") == .infinity)
        #expect(try evaluate("abs(-3.5)") == 3.5)
        #expect(try evaluate("pow(2, 10)") == 1024)
        #expect(try evaluate("pow(2, -1)") == 0.5)
        #expect(try evaluate("pow(0, -1)") == .infinity)
        #expect(try evaluate("pow(-8, 1 / 3)").isNaN)
    }

    @Test func powerMatchesFoundationAndPropagatesNull() throws {
        let program = try compileFeatures([("f", "pow(a, b)")])
        let evaluator = program.makeEvaluator()
        let event = FeatureEvent()
        for base in [0, 1, -1, 2, -2, 0.5, 10, .infinity, -.infinity] as [Double] {
            for exponent in [0, 1, -1, 0.5, 2, 3, -2, 1e10, .infinity, -.infinity] as [Double] {
                event.set("a", .number(base))
                event.set("b", .number(exponent))
                evaluator.evaluate(event)
                #expect(same(evaluator.values[0], Foundation.pow(base, exponent)), "pow(\(base), \(exponent))")
            }
        }
        // C gives pow(NaN, 0) = 1 and pow(1, NaN) = 1; in the language null in means null out.
        for (a, b) in [
            (FeatureInput.missing, FeatureInput.number(0)), (.number(1), .missing), (.number(.nan), .number(0)),
        ] {
            event.set("a", a)
            event.set("b", b)
            evaluator.evaluate(event)
            #expect(evaluator.values[0].isNaN)
        }
        #expect(try evaluate("pow(null, 0)").isNaN)
    }

    @Test func minimumAndMaximum() throws {
        let event: [String: FeatureInput] = ["a": .number(2), "b": .number(-3), "c": .number(7)]
        #expect(try evaluate("min(a, b)", event) == -3)
        #expect(try evaluate("max(a, b)", event) == 2)
        #expect(try evaluate("min(a, b, c)", event) == -3)
        #expect(try evaluate("max(a, b, c, 100)", event) == 100)
        #expect(try evaluate("min(a, d)", event).isNaN)
        #expect(try evaluate("max(d, a, c)", event).isNaN)
        #expect(try evaluate("max(a, 1 / 0)", event) == .infinity)
        #expect(try evaluate("min(3, 1, 2)") == 1)
    }

    @Test func clipBoundsAValue() throws {
        let cases: [(FeatureInput, Double)] = [
            (.number(50), 50), (.number(-1), 0), (.number(101), 100), (.number(0), 0), (.number(100), 100),
            (.number(.infinity), 100), (.number(-.infinity), 0), (.missing, .nan),
        ]
        for (x, expected) in cases {
            #expect(same(try evaluate("clip(amount, 0, 100)", ["amount": x]), expected), "clip(\(x), 0, 100)")
        }
        #expect(try evaluate("clip(amount, 5, 5)", ["amount": .number(7)]) == 5)
        #expect(try evaluate("clip(amount, a, b)", ["amount": .number(7), "a": .number(0)]).isNaN)
        #expect(try evaluate("clip(amount, a, b)", ["amount": .number(7), "a": .number(0), "b": .number(3)]) == 3)
        // bounds computed per event: with low > high, high wins
        #expect(try evaluate("clip(amount, a, b)", ["amount": .number(7), "a": .number(10), "b": .number(3)]) == 3)
    }

    @Test func coalesceReplacesNullAndNaN() throws {
        #expect(try evaluate("coalesce(amount, 0)") == 0)
        #expect(try evaluate("coalesce(amount, 0)", ["amount": .number(.nan)]) == 0)
        #expect(try evaluate("coalesce(amount, 0)", ["amount": .number(4)]) == 4)
        #expect(try evaluate("coalesce(amount / count, 0)", ["amount": .number(0), "count": .number(0)]) == 0)
        #expect(try evaluate("coalesce(amount, count, 9)", ["count": .number(3)]) == 3)
        #expect(try evaluate("coalesce(amount, count, 9)") == 9)
        #expect(try evaluate("coalesce(amount, count)").isNaN)
        #expect(try evaluate("coalesce(null, amount, 2)") == 2)
        #expect(try evaluate("coalesce(country, \"none\") == \"none\"") == 1)
        #expect(try evaluate("coalesce(country, \"none\") == \"FR\"", ["country": .string("FR")]) == 1)
        #expect(try evaluate("coalesce(country, mcc, \"x\") == \"5411\"", ["mcc": .string("5411")]) == 1)
        #expect(try evaluate("coalesce(flag, true)") == 1)
        #expect(try evaluate("coalesce(flag, true)", ["flag": .number(0)]) == 0)
        #expect(try evaluate("coalesce(ts, 0)", ["ts": .number(5)]) == 5)
        // infinity is not null
        #expect(try evaluate("coalesce(amount, 0)", ["amount": .number(-.infinity)]) == -.infinity)
    }

    @Test func isNullOnEveryType() throws {
        #expect(try evaluate("is_null(amount)") == 1)
        #expect(try evaluate("is_null(amount)", ["amount": .number(.nan)]) == 1)
        #expect(try evaluate("is_null(amount)", ["amount": .number(0)]) == 0)
        #expect(try evaluate("is_null(country)") == 1)
        #expect(try evaluate("is_null(country)", ["country": .string("")]) == 0)
        #expect(try evaluate("is_null(flag)") == 1)
        #expect(try evaluate("is_null(flag)", ["flag": .number(0)]) == 0)
        #expect(try evaluate("is_null(ts)", ["ts": .number(0)]) == 0)
        #expect(try evaluate("is_null(null)") == 1)
        #expect(try evaluate("is_null(\"\")") == 0)
        #expect(try evaluate("is_null(0 / 0)") == 1)
        #expect(try evaluate("not is_null(merchant.category)", ["merchant.category": .string("x")]) == 1)
    }

    // MARK: bucketize

    @Test func bucketizeCountsTheBoundsAtOrBelowX() throws {
        let cases: [(Double, Double)] = [
            (-1, 0), (-0.0, 1), (0, 1), (5, 1), (9.999, 1), (10, 2), (99, 2), (100, 3), (1e9, 3),
            (-.infinity, 0), (.infinity, 3), (.nan, .nan),
        ]
        let program = try compileFeatures([("f", "bucketize(amount, [0, 10, 100])")])
        let evaluator = program.makeEvaluator()
        for (x, expected) in cases {
            evaluator.evaluate(FeatureEvent(["amount": .number(x)]))
            #expect(same(evaluator.values[0], expected), "bucketize(\(x))")
        }
        evaluator.evaluate(FeatureEvent())
        #expect(evaluator.values[0].isNaN)
        #expect(try evaluate("bucketize(amount, [-5])", ["amount": .number(-5)]) == 1)
        #expect(try evaluate("bucketize(amount, [-5])", ["amount": .number(-6)]) == 0)
        #expect(try evaluate("bucketize(42, [0, 10, 100])") == 2)
    }

    @Test func bucketizeWithManyBoundsMatchesALinearCount() throws {
        let bounds = (0..<37).map { Double($0 * $0) - 100 }
        let program = try compileFeatures([
            ("f", "bucketize(amount, [\(bounds.map { String(Int($0)) }.joined(separator: ", "))])")
        ])
        let evaluator = program.makeEvaluator()
        for x in stride(from: -150.0, through: 1400, by: 0.5) {
            evaluator.evaluate(FeatureEvent(["amount": .number(x)]))
            #expect(evaluator.values[0] == Double(bounds.filter { $0 <= x }.count), "x = \(x)")
        }
    }

    // MARK: hash_bucket

    @Test func referenceFNVMatchesPublishedVectors() {
        // From the FNV test suite (Landon Curt Noll): FNV-1a 64 of "", "a", "foobar".
        #expect(referenceFNV1a([]) == 0xcbf2_9ce4_8422_2325)
        #expect(referenceFNV1a(Array("a".utf8)) == 0xaf63_dc4c_8601_ec8c)
        #expect(referenceFNV1a(Array("foobar".utf8)) == 0x8594_4171_f739_67e8)
    }

    @Test func hashBucketOfStringsIsFNV1aOfTheUTF8BytesModN() throws {
        let program = try compileFeatures([("h", "hash_bucket(country, 1000)"), ("g", "hash_bucket(country, 7)")])
        let evaluator = program.makeEvaluator()
        for text in ["", "a", "US", "foobar", "Zürich", "日本", String(repeating: "long text ", count: 20)] {
            evaluator.evaluate(FeatureEvent(["country": .string(text)]))
            let hash = referenceFNV1a(Array(text.utf8))
            #expect(evaluator.values[0] == Double(hash % 1000), "\(text)")
            #expect(evaluator.values[1] == Double(hash % 7), "\(text)")
            #expect(try evaluate("hash_bucket(\"\(text)\", 1000)") == Double(hash % 1000))
        }
        evaluator.evaluate(FeatureEvent())
        #expect(evaluator.values[0].isNaN)
        // hand-computed: FNV-1a 64 of "a" is 12638187200555641996.
        #expect(try evaluate("hash_bucket(\"a\", 1000)") == 996)
    }

    @Test func hashBucketOfNumbersHashesDecimalDigitsOrIEEEBytes() throws {
        func bytesOfDouble(_ x: Double) -> [UInt8] {
            (0..<8).map { UInt8(truncatingIfNeeded: x.bitPattern >> ($0 * 8)) }
        }
        let cases: [(Double, [UInt8])] = [
            (0, Array("0".utf8)), (-0.0, Array("0".utf8)), (42, Array("42".utf8)), (-7, Array("-7".utf8)),
            (5411, Array("5411".utf8)), (1e15, Array("1000000000000000".utf8)),
            (9_007_199_254_740_992, Array("9007199254740992".utf8)),
            (-9_223_372_036_854_775_808, Array("-9223372036854775808".utf8)),
            (9_223_372_036_854_775_808, bytesOfDouble(9_223_372_036_854_775_808)), (0.5, bytesOfDouble(0.5)),
            (-2.25, bytesOfDouble(-2.25)), (1e300, bytesOfDouble(1e300)), (.infinity, bytesOfDouble(.infinity)),
        ]
        let program = try compileFeatures([("h", "hash_bucket(amount, 1000003)")])
        let evaluator = program.makeEvaluator()
        for (x, bytes) in cases {
            evaluator.evaluate(FeatureEvent(["amount": .number(x)]))
            #expect(evaluator.values[0] == Double(referenceFNV1a(bytes) % 1_000_003), "hash_bucket(\(x))")
        }
        evaluator.evaluate(FeatureEvent(["amount": .number(.nan)]))
        #expect(evaluator.values[0].isNaN)
        #expect(try evaluate("hash_bucket(42, 1000003)") == Double(referenceFNV1a(Array("42".utf8)) % 1_000_003))
        #expect(
            try evaluate("hash_bucket(ts, 10)", ["ts": .number(1_700_000_000_000)])
                == Double(referenceFNV1a(Array("1700000000000".utf8)) % 10))
        #expect(try evaluate("hash_bucket(amount, 1)", ["amount": .number(3)]) == 0)
    }

    /// Values from the Python recipe in docs/features.md (`hash_bucket` there), run with CPython 3.
    @Test func hashBucketMatchesTheDocumentedPythonRecipe() throws {
        let cases: [(String, Double)] = [
            ("hash_bucket(\"US\", 1000)", 17), ("hash_bucket(\"\", 1000)", 37), ("hash_bucket(\"Zürich\", 97)", 6),
            ("hash_bucket(42, 1000)", 691), ("hash_bucket(42.0, 1000)", 691), ("hash_bucket(-7, 10)", 7),
            ("hash_bucket(0.5, 1000)", 944), ("hash_bucket(1e20, 1000003)", 248_218), ("hash_bucket(1 / 0, 1000)", 168),
        ]
        for (expression, expected) in cases {
            #expect(try evaluate(expression) == expected, "\(expression)")
            // the same through the evaluator rather than constant folding
            let input = expression.replacingOccurrences(of: "hash_bucket(", with: "hash_bucket(if(flag, ")
                .replacingOccurrences(of: ", 1000", with: ", null), 1000").replacingOccurrences(
                    of: ", 97)", with: ", null), 97)"
                )
                .replacingOccurrences(of: ", 10)", with: ", null), 10)")
            #expect(try evaluate(input, ["flag": .number(1)]) == expected, "\(input)")
        }
    }

    // MARK: one_hot

    @Test func oneHotExpandsInPlaceWithNamedColumns() throws {
        let program = try compileFeatures([
            ("log_amount", "log1p(amount)"), ("country", "one_hot(country, [\"US\", \"GB\", \"DE\"])"),
            ("after", "amount * 2"),
        ])
        #expect(program.columnNames == ["log_amount", "country=US", "country=GB", "country=DE", "after"])
        #expect(program.columnCount == 5)
        #expect(program.features.map(\.columns) == [0..<1, 1..<4, 4..<5])
        #expect(program.features.map(\.isOneHot) == [false, true, false])
        #expect(program.columnIndex(named: "country=GB") == 2)
        let evaluator = program.makeEvaluator()
        let event = FeatureEvent(["amount": .number(0), "country": .string("GB")])
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [0, 0, 1, 0, 0])
        event.set("country", .string("FR"))  // unseen: all zeros
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [0, 0, 0, 0, 0])
        event.set("country", .string("DE"))
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [0, 0, 0, 1, 0])
        event.set("country", .missing)  // null: all zeros
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [0, 0, 0, 0, 0])
    }

    @Test func oneHotOfNumbersAndOfExpressions() throws {
        let program = try compileFeatures([
            ("tier", "one_hot(merchant.risk_tier, [1, 2, 3, 0.5, -1])"),
            ("kind", "one_hot(if(amount > 100, \"big\", \"small\"), [\"small\", \"big\"])"),
        ])
        #expect(program.columnNames == ["tier=1", "tier=2", "tier=3", "tier=0.5", "tier=-1", "kind=small", "kind=big"])
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(FeatureEvent(["merchant.risk_tier": .number(0.5), "amount": .number(500)]))
        #expect(Array(evaluator.values) == [0, 0, 0, 1, 0, 0, 1])
        evaluator.evaluate(FeatureEvent(["merchant.risk_tier": .number(-1)]))
        #expect(Array(evaluator.values) == [0, 0, 0, 0, 1, 1, 0])
        evaluator.evaluate(FeatureEvent(["merchant.risk_tier": .number(4)]))
        #expect(Array(evaluator.values.prefix(5)) == [0, 0, 0, 0, 0])
    }
}
