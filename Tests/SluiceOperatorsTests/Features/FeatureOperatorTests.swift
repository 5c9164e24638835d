import Testing
import SluiceOperators

/// Operators, precedence, null handling and the shape of compiled programs, against hand-computed values.
@Suite struct FeatureOperatorTests {
    static let abcd: [String: FeatureInput] = ["a": .number(2), "b": .number(3), "c": .number(4), "d": .number(-5)]

    /// Each expression over a = 2, b = 3, c = 4, d = -5, with its value worked out by hand.
    static let precedenceCases: [(String, Double)] = [
        ("a + b * c", 14),
        ("(a + b) * c", 20),
        ("a - b - c", -5),
        ("a - (b - c)", 3),
        ("c / a / a", 1),
        ("c / (a / a)", 4),
        ("a * b % c", 2),
        ("a + b % c", 5),
        ("-a * b", -6),
        ("-a + b", 1),
        ("- -a", 2),
        ("a - -b", 5),
        ("d % b", -2),
        ("-d % b", 2),
        ("a + b == 5", 1),
        ("a + b * c > 13", 1),
        ("a < b and b < c", 1),
        ("a < b and b > c", 0),
        ("a > b or b < c", 1),
        ("a > b or b < c and c < a", 0),
        ("(a > b or b < c) and c > a", 1),
        ("not a > b", 1),
        ("not a < b or true", 1),
        ("not (a < b or true)", 0),
        ("not not a < b", 1),
        ("a == 2 and not b == 2", 1),
        ("a in [1, 2, 3] and b in [4, 5]", 0),
        ("a * 2 in [4]", 1),
        ("if(a < b, a, b) * 10", 20),
        ("if(a > b, a, b + 1) + 1", 5),
        ("a * (b + c) - d / (a + 3)", 15),
        ("min(a, b) + max(c, d) * 2", 10),
        ("2 * 3 + 4 * 5", 26),
        ("1 - 2 - 3", -4),
        ("2 - -2", 4),
        ("10 / 4", 2.5),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("7.5 % 2", 1.5),
        ("1e3 + 2.5E-1", 1000.25),
        ("true and false or true", 1),
        ("true and (false or false)", 0),
    ]

    @Test(arguments: precedenceCases)
    func precedenceAndAssociativityOverInputs(expression: String, expected: Double) throws {
        #expect(try evaluate(expression, Self.abcd) == expected)
    }

    /// The same expressions with the inputs written as literals are folded at compile time, to the same value.
    @Test(arguments: precedenceCases)
    func constantFoldingAgreesWithEvaluation(expression: String, expected: Double) throws {
        // Each single-letter name a…d (not a letter of a longer word such as `and`) becomes its value.
        let values: [Character: String] = ["a": "2", "b": "3", "c": "4", "d": "(-5)"]
        let characters = Array(expression)
        var literal = ""
        for (index, character) in characters.enumerated() {
            let before = index > 0 ? characters[index - 1] : " "
            let after = index + 1 < characters.count ? characters[index + 1] : " "
            if let value = values[character], !before.isLetter, !after.isLetter {
                literal += value
            } else {
                literal.append(character)
            }
        }
        let program = try compileFeatures([("f", literal)])
        #expect(program.inputNames.isEmpty, "\(literal) still reads inputs")
        #expect(program.instructionCount == 1, "\(literal) is not folded to one output")
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(FeatureEvent())
        #expect(evaluator.values[0] == expected, "\(literal)")
    }

    @Test func divisionByZeroFollowsIEEE() throws {
        #expect(try evaluate("amount / 0", ["amount": .number(3)]) == .infinity)
        #expect(try evaluate("amount / 0", ["amount": .number(-3)]) == -.infinity)
        #expect(try evaluate("amount / count", ["amount": .number(0), "count": .number(0)]).isNaN)
        #expect(try evaluate("amount % count", ["amount": .number(5), "count": .number(0)]).isNaN)
        #expect(try evaluate("1 / 0") == .infinity)
        #expect(try evaluate("amount - amount", ["amount": .number(.infinity)]).isNaN)
        #expect(try evaluate("amount * 2", ["amount": .number(.greatestFiniteMagnitude)]) == .infinity)
    }

    @Test func arithmeticWithNullIsNull() throws {
        for expression in [
            "amount + 1", "amount * 0", "-amount", "amount % 2", "1 - amount", "amount / amount", "amount + null",
        ] {
            #expect(try evaluate(expression).isNaN, "\(expression) with amount missing")
            #expect(try evaluate(expression, ["amount": .number(.nan)]).isNaN, "\(expression) with amount NaN")
        }
        #expect(try evaluate("null").isNaN)
        #expect(try evaluate("null * 3").isNaN)
    }

    @Test func everyComparisonWithNullIsFalse() throws {
        for expression in [
            "amount < 1", "amount <= 1", "amount > 1", "amount >= 1", "amount == 1", "amount != 1", "1 != amount",
            "amount != amount", "amount == amount", "amount in [1, 2]", "country == \"US\"", "country != \"US\"",
            "\"US\" != country", "country in [\"US\"]", "flag == true", "flag != true", "flag != false",
        ] {
            #expect(try evaluate(expression) == 0, "\(expression) with inputs missing")
        }
        #expect(try evaluate("amount != 1", ["amount": .number(.nan)]) == 0)
        #expect(try evaluate("amount != 1", ["amount": .number(2)]) == 1)
        #expect(try evaluate("amount == 1", ["amount": .number(1)]) == 1)
    }

    @Test func infinitiesCompareAsNumbers() throws {
        #expect(try evaluate("amount > 1e308", ["amount": .number(.infinity)]) == 1)
        #expect(try evaluate("amount < -1e308", ["amount": .number(-.infinity)]) == 1)
        #expect(try evaluate("amount == amount", ["amount": .number(.infinity)]) == 1)
    }

    @Test func stringsCompareByBytes() throws {
        let us: [String: FeatureInput] = ["country": .string("US")]
        #expect(try evaluate("country == \"US\"", us) == 1)
        #expect(try evaluate("country != \"US\"", us) == 0)
        #expect(try evaluate("\"US\" == country", us) == 1)
        #expect(try evaluate("country == \"us\"", us) == 0)
        #expect(try evaluate("country == \"USA\"", us) == 0)
        #expect(try evaluate("country != \"U\"", us) == 1)
        #expect(try evaluate("country == \"\"", ["country": .string("")]) == 1)
        #expect(try evaluate("country != \"\"", ["country": .string("")]) == 0)
        #expect(try evaluate("country == mcc", ["country": .string("5411"), "mcc": .string("5411")]) == 1)
        #expect(try evaluate("country != mcc", ["country": .string("5411"), "mcc": .string("5412")]) == 1)
        #expect(try evaluate("city == \"Zürich\"", ["city": .string("Zürich")]) == 1)
        #expect(try evaluate("city == \"Zu\u{308}rich\"", ["city": .string("Zürich")]) == 0)
        #expect(try evaluate("city == \"say \\\"hi\\\" \\\\ now\"", ["city": .string("say \"hi\" \\ now")]) == 1)
        #expect(try evaluate("city == \"a\\tb\\nc\"", ["city": .string("a\tb\nc")]) == 1)
        #expect(try evaluate("\"a\" == \"a\"") == 1)
        #expect(try evaluate("\"a\" != \"b\"") == 1)
    }

    @Test func membershipInLists() throws {
        let gb: [String: FeatureInput] = ["country": .string("GB"), "amount": .number(2)]
        #expect(try evaluate("country in [\"US\", \"GB\", \"DE\"]", gb) == 1)
        #expect(try evaluate("country in [\"US\", \"DE\"]", gb) == 0)
        #expect(try evaluate("country in [\"G\", \"GBR\"]", gb) == 0)
        #expect(try evaluate("not country in [\"US\"]", gb) == 1)
        #expect(try evaluate("amount in [1, 2]", gb) == 1)
        #expect(try evaluate("amount in [1, -2, 2.5]", gb) == 0)
        #expect(try evaluate("-amount in [1, -2]", gb) == 1)
        #expect(try evaluate("\"x\" in [\"x\"]") == 1)
        #expect(try evaluate("3 in [1, 2]") == 0)
    }

    @Test func boolsAreOneOrZeroAndNullCountsAsFalse() throws {
        let cases: [(flag: FeatureInput, other: FeatureInput, and: Double, or: Double, notFlag: Double)] = [
            (.number(1), .number(1), 1, 1, 0), (.number(1), .number(0), 0, 1, 0), (.number(0), .number(0), 0, 0, 1),
            (.missing, .number(1), 0, 1, 1), (.missing, .missing, 0, 0, 1), (.number(0), .missing, 0, 0, 1),
        ]
        for (flag, other, and, or, notFlag) in cases {
            let event: [String: FeatureInput] = ["flag": flag, "other_flag": other]
            #expect(try evaluate("flag and other_flag", event) == and)
            #expect(try evaluate("flag or other_flag", event) == or)
            #expect(try evaluate("not flag", event) == notFlag)
            #expect(try evaluate("if(flag, 10, 20)", event) == (notFlag == 0 ? 10 : 20))
        }
        #expect(try evaluate("flag", ["flag": .number(1)]) == 1)
        #expect(try evaluate("flag", ["flag": .number(0)]) == 0)
        #expect(try evaluate("flag").isNaN)
        #expect(try evaluate("amount > 1", ["amount": .number(2)]) == 1)
        #expect(try evaluate("true") == 1)
        #expect(try evaluate("false") == 0)
        #expect(try evaluate("flag == false", ["flag": .number(0)]) == 1)
        #expect(try evaluate("flag != other_flag", ["flag": .number(0), "other_flag": .number(1)]) == 1)
    }

    @Test func conditionalsSelectValuesOfOneType() throws {
        #expect(try evaluate("if(amount > 10, amount, 0)", ["amount": .number(12)]) == 12)
        #expect(try evaluate("if(amount > 10, amount, 0)", ["amount": .number(3)]) == 0)
        #expect(try evaluate("if(amount > 10, amount, 0)") == 0)
        #expect(try evaluate("if(amount > 10, null, 1)", ["amount": .number(12)]).isNaN)
        #expect(try evaluate("if(flag, country, \"none\") == \"none\"", ["country": .string("US")]) == 1)
        #expect(
            try evaluate("if(flag, country, \"none\") == \"US\"", ["country": .string("US"), "flag": .number(1)]) == 1)
        #expect(try evaluate("if(flag, country, null) == \"US\"", ["country": .string("US")]) == 0)
        #expect(try evaluate("is_null(if(flag, country, null))", ["country": .string("US")]) == 1)
        #expect(try evaluate("if(flag, amount > 1, false)", ["flag": .number(1), "amount": .number(2)]) == 1)
        #expect(try evaluate("if(flag, ts, 5)", ["flag": .number(1), "ts": .number(1_000)]) == 1_000)
    }

    /// An `if` or `coalesce` whose every branch is null is null whatever its condition, and can stand where
    /// a string is expected.
    @Test func expressionsThatCanOnlyBeNullFitEveryType() throws {
        let onlyNull = "if(other_flag, null, null)"
        let event: [String: FeatureInput] = ["country": .string("US"), "flag": .number(0), "other_flag": .number(1)]
        #expect(try evaluate("is_null(if(flag, country, \(onlyNull)))", event) == 1)
        #expect(try evaluate("coalesce(\(onlyNull), country) == \"US\"", event) == 1)
        #expect(try evaluate("if(flag, country, \(onlyNull)) == \"US\"", event) == 0)
        #expect(try evaluate("hash_bucket(coalesce(\(onlyNull), null), 10)", event).isNaN)
        #expect(try evaluate("\(onlyNull) + 1", event).isNaN)
        let program = try compileFeatures([("f", onlyNull)])
        #expect(program.inputNames.isEmpty)
    }

    @Test func timestampArithmeticGivesNumbers() throws {
        let event: [String: FeatureInput] = ["ts": .number(1_700_000_000_000)]
        #expect(try evaluate("ts", event) == 1_700_000_000_000)
        #expect(try evaluate("ts + 60000", event) == 1_700_000_060_000)
        #expect(try evaluate("(ts - ts) / 1000", event) == 0)
        #expect(try evaluate("ts > 1600000000000", event) == 1)
        #expect(try evaluate("ts % 86400000", event) == 1_700_000_000_000.truncatingRemainder(dividingBy: 86_400_000))
    }

    @Test func inputsFromEverySourceAreRead() throws {
        let event: [String: FeatureInput] = [
            "card_10m.total": .number(30), "card_10m.n": .number(4), "merchant.risk_tier": .number(2),
            "merchant.category": .string("grocery"),
        ]
        #expect(try evaluate("card_10m.total / card_10m.n", event) == 7.5)
        #expect(try evaluate("merchant.risk_tier * 10", event) == 20)
        #expect(try evaluate("merchant.category == \"grocery\"", event) == 1)
    }

    // MARK: Program shape

    @Test func laterFeaturesUseEarlierOnesWithTheirTypes() throws {
        let program = try compileFeatures([
            ("ratio", "amount / max(card_10m.total / card_10m.n, 1)"),
            ("big", "ratio > 2"),
            ("score", "if(big, ratio * 10, -1)"),
            ("big_and_foreign", "big and country != \"US\""),
        ])
        #expect(program.features.map(\.type) == [.number, .bool, .number, .bool])
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(
            FeatureEvent([
                "amount": .number(9), "card_10m.total": .number(8), "card_10m.n": .number(4), "country": .string("FR"),
            ]))
        #expect(Array(evaluator.values) == [4.5, 1, 45, 1])
        evaluator.evaluate(
            FeatureEvent(["amount": .number(1), "card_10m.total": .number(0), "card_10m.n": .number(0)]))
        // max(0 / 0, 1) is max(null, 1): null; so ratio is null, and comparisons with it are false.
        #expect(evaluator.values[0].isNaN)
        #expect(Array(evaluator.values.dropFirst()) == [0, -1, 0])
    }

    @Test func constantFeaturesFoldIntoLaterOnes() throws {
        let program = try compileFeatures([("k", "2 * 3"), ("g", "k + amount"), ("h", "k * 7")])
        #expect(program.inputNames == ["amount"])
        // three outputs and one addition
        #expect(program.instructionCount == 4)
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(FeatureEvent(["amount": .number(1)]))
        #expect(Array(evaluator.values) == [6, 7, 42])
    }

    @Test func repeatedSubexpressionsAreComputedOnce() throws {
        let shared = try compileFeatures([
            ("mean", "card_10m.total / card_10m.n"), ("ratio", "amount / (card_10m.total / card_10m.n)"),
            ("again", "log1p(card_10m.total / card_10m.n)"),
        ])
        // one division for the mean, one for the ratio, one log1p, three outputs
        #expect(shared.instructionCount == 6)
        #expect(shared.inputNames == ["amount", "card_10m.n", "card_10m.total"])
    }

    @Test func codeNoOutputNeedsIsRemoved() throws {
        let program = try compileFeatures([("f", "if(true, amount, log(count) + 1)"), ("g", "coalesce(3, count)")])
        #expect(program.inputNames == ["amount"])
        #expect(program.instructionCount == 2)
        let evaluator = program.makeEvaluator()
        evaluator.evaluate(FeatureEvent(["amount": .number(5), "count": .number(9)]))
        #expect(Array(evaluator.values) == [5, 3])
    }

    @Test func oneEvaluatorIsReusedAcrossEvents() throws {
        let program = try compileFeatures([("f", "coalesce(amount, -1)"), ("g", "country == \"US\"")])
        let evaluator = program.makeEvaluator()
        let event = FeatureEvent(["amount": .number(5), "country": .string("US")])
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [5, 1])
        event.set("amount", .missing)
        event.set("country", .string("DE"))
        evaluator.evaluate(event)
        #expect(Array(evaluator.values) == [-1, 0])
        var external = [Double](repeating: 99, count: 3)
        external.withUnsafeMutableBufferPointer { evaluator.evaluate(event, into: $0) }
        #expect(external == [-1, 0, 99])
    }

    @Test func evaluatorsOfOneProgramAreIndependent() throws {
        let program = try compileFeatures([("f", "amount * 2")])
        let first = program.makeEvaluator()
        let second = program.makeEvaluator()
        first.evaluate(FeatureEvent(["amount": .number(1)]))
        second.evaluate(FeatureEvent(["amount": .number(10)]))
        #expect(first.values[0] == 2)
        #expect(second.values[0] == 20)
    }
}
