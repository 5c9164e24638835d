import SluiceCore
import Testing
import SluiceOperators

/// Load-time errors: where they are, what they say, and what they suggest.
@Suite struct FeatureErrorTests {
    /// (expression, code, offset, a fragment of the message, a fragment of the suggestion or nil for none).
    static let brokenExpressions: [(String, FeatureDiagnostic.Code, Int, String, String?)] = [
        ("log1p(amount", .syntax, 12, "expected ',' or ')' to close the call of log1p, found the end", nil),
        ("amount +", .syntax, 8, "expected an expression, found the end of the expression", nil),
        ("amount $ 2", .syntax, 7, "unexpected character '$'", nil),
        ("\"abc", .syntax, 0, "no closing '\"'", nil),
        ("\"a\\qb\"", .syntax, 2, "unknown escape '\\q'", "\\n and \\t"),
        ("1.", .syntax, 2, "expected a digit after '.'", nil),
        ("1e+x", .syntax, 3, "expected the digits of an exponent", nil),
        ("amout + 1", .unknownName, 0, "unknown name 'amout'", "did you mean 'amount'?"),
        ("lgo1p(amount)", .unknownFunction, 0, "unknown function 'lgo1p'", "did you mean log1p?"),
        ("log1p()", .argumentCount, 6, "log1p takes 1 argument, but got 0", "log1p(x)"),
        ("pow(amount)", .argumentCount, 10, "pow takes 2 arguments, but got 1", "pow(base, exponent)"),
        ("min(amount)", .argumentCount, 10, "min takes at least 2 arguments, but got 1", nil),
        ("log(1, 2)", .argumentCount, 7, "log takes 1 argument, but got 2", nil),
        ("hour_of_day(ts, \"UTC\", 1)", .argumentCount, 23, "hour_of_day takes 1 or 2 arguments, but got 3", nil),
        ("a < b < c", .syntax, 6, "comparisons cannot be chained", "a < b and b < c"),
        ("country in \"US\"", .syntax, 11, "expected a list such as [\"a\", \"b\"] after 'in'", nil),
        ("(amount", .syntax, 7, "expected ')' to close the '(' at offset 0", nil),
        ("amount 2", .syntax, 7, "expected an operator or the end of the expression, found '2'", nil),
        ("card_10m.", .syntax, 9, "expected a name after '.'", nil),
        ("card_10m.totl / 2", .unknownName, 0, "unknown name 'card_10m.totl'", "did you mean 'card_10m.total'?"),
        ("[1, 2]", .syntax, 0, "a list can only follow 'in'", nil),
        ("amount = 3", .syntax, 7, "unexpected '='", "did you mean '=='?"),
        ("amount && flag", .syntax, 7, "unexpected '&'", "write 'and'"),
        ("!flag", .syntax, 0, "unexpected '!'", "write 'not'"),
        ("flag || flag", .syntax, 5, "unexpected '|'", "write 'or'"),
        ("'US'", .syntax, 0, "unexpected \"'\"", "double quotes"),
        ("", .syntax, 0, "the expression is empty", nil),
        ("amount,", .syntax, 6, "found ','", nil),
        (".5", .syntax, 0, "a number needs a digit before its '.'", "write 0.5"),
        ("12abc", .syntax, 2, "unexpected 'a' after a number", nil),
        ("if amount", .syntax, 3, "expected '(' after 'if'", nil),
        ("log1p + 1", .syntax, 0, "'log1p' is a function", "log1p(x)"),
        ("()", .syntax, 1, "expected an expression inside '()'", nil),
        ("log1p(amount))", .syntax, 13, "found ')'", nil),
        ("1e999", .syntax, 0, "too large for a double", nil),
        ("amount(1)", .unknownFunction, 0, "'amount' is not a function", nil),
        ("amount +\n  * 2", .syntax, 11, "expected an expression, found '*'", nil),
        ("country not in [\"US\"]", .syntax, 8, "'not in' is not an operator", "not (x in"),
    ]

    @Test(arguments: brokenExpressions)
    func brokenExpressionsAreReportedWhereTheyBreak(
        expression: String, code: FeatureDiagnostic.Code, offset: Int, message: String, suggestion: String?
    ) throws {
        let found = try #require(diagnostic(expression), "\(expression) compiled, or gave several diagnostics")
        #expect(found.code == code)
        #expect(found.offset == offset)
        #expect(found.feature == "f")
        #expect(found.message.contains(message), "\(found.message)")
        if let suggestion {
            #expect(found.suggestion?.contains(suggestion) == true, "\(found.suggestion ?? "no suggestion")")
        }
    }

    /// (expression, offset, the whole message).
    static let typeErrors: [(String, Int, String)] = [
        ("amount == \"US\"", 0, "'amount' is a number but \"US\" is a string; '==' compares values of the same type"),
        ("flag != country", 0, "'flag' is a bool but 'country' is a string; '!=' compares values of the same type"),
        ("ts == flag", 0, "'ts' is a timestamp but 'flag' is a bool; '==' compares values of the same type"),
        ("country + 1", 0, "'+' needs a number, but 'country' is a string"),
        ("1 - flag", 4, "'-' needs a number, but 'flag' is a bool"),
        ("-country", 1, "'-' needs a number, but 'country' is a string"),
        ("amount and flag", 0, "'and' needs a bool, but 'amount' is a number"),
        ("not amount", 4, "'not' needs a bool, but 'amount' is a number"),
        ("if(amount, 1, 2)", 3, "the condition of if needs a bool, but 'amount' is a number"),
        ("if(flag, 1, \"x\")", 12, "the branches of if must have one type, but '1' is a number and \"x\" is a string"),
        ("country < \"US\"", 0, "'<' needs a number, but 'country' is a string"),
        ("flag in [1]", 0, "'in' needs a number or a string, but 'flag' is a bool"),
        (
            "amount in [\"a\"]", 11,
            "the list after 'in' must hold numbers, as 'amount' is a number, but \"a\" is a string"
        ),
        ("log(country)", 4, "log needs a number, but 'country' is a string"),
        ("hour_of_day(country)", 12, "hour_of_day needs a number, but 'country' is a string"),
        ("hash_bucket(flag, 10)", 12, "hash_bucket needs a string or a number, but 'flag' is a bool"),
        (
            "coalesce(amount, \"x\")", 17,
            "the arguments of coalesce must have one type, but 'amount' is a number and \"x\" is a string"
        ),
        (
            "one_hot(country, [1])", 18,
            "the categories of one_hot must hold strings, as 'country' is a string, but '1' is a number"
        ),
        ("max(amount, merchant.category)", 12, "max needs a number, but 'merchant.category' is a string"),
    ]

    @Test(arguments: typeErrors)
    func typeErrorsNameBothSides(expression: String, offset: Int, message: String) throws {
        let found = try #require(diagnostic(expression))
        #expect(found.code == .typeMismatch)
        #expect(found.offset == offset)
        #expect(found.message == message)
    }

    @Test func comparingWithNullSuggestsIsNull() throws {
        for expression in ["amount == null", "null != country", "amount < null", "if(flag, null, null) == 1"] {
            let found = try #require(diagnostic(expression))
            #expect(found.code == .typeMismatch)
            #expect(found.message.contains("with null is always false"))
            #expect(found.suggestion == "test for a missing value with is_null(x)")
        }
    }

    /// (expression, offset, a fragment of the message).
    static let invalidArguments: [(String, Int, String)] = [
        ("amount in []", 10, "the list after 'in' is empty"),
        ("amount in [count]", 11, "must hold constants, but 'count' is computed per event"),
        ("amount in [1, 1 / 0]", 14, "must hold finite numbers"),
        ("bucketize(amount, [3, 1])", 22, "the bounds of bucketize must increase, but '1' follows '3'"),
        ("bucketize(amount, [1, 1])", 22, "must increase"),
        ("bucketize(amount, 3)", 18, "must be a non-empty list of increasing bounds"),
        ("bucketize(amount, [])", 18, "must be a non-empty list"),
        (
            "hash_bucket(country, 0)", 21,
            "the bucket count of hash_bucket must be a constant whole number from 1 to 2^53"
        ),
        ("hash_bucket(country, 2.5)", 21, "but it is '2.5'"),
        ("hash_bucket(country, count)", 21, "but it is 'count'"),
        ("hash_bucket(country, 1e300)", 21, "from 1 to 2^53"),
        ("hour_of_day(ts, country)", 16, "the time zone of hour_of_day must be a constant string"),
        ("day_of_week(ts, \"Mars/Olympus\")", 16, "unknown time zone \"Mars/Olympus\""),
        ("hour_of_day(ts, \"+25:00\")", 16, "unknown time zone \"+25:00\""),
        ("one_hot(country, [\"a\"]) + 1", 0, "can only be the whole expression of a feature"),
        ("one_hot(country, [\"a\", \"a\"])", 23, "the category \"a\" appears twice"),
        ("one_hot(amount, [1, 1.0])", 20, "the category '1.0' appears twice"),
        ("one_hot(country, [])", 17, "must be a non-empty list of categories"),
        ("clip(amount, 10, 1)", 13, "clip's low bound '10' is above its high bound '1'"),
    ]

    @Test(arguments: invalidArguments)
    func invalidConstantArguments(expression: String, offset: Int, message: String) throws {
        let found = try #require(diagnostic(expression))
        #expect(found.code == .invalidArgument)
        #expect(found.offset == offset)
        #expect(found.message.contains(message), "\(found.message)")
    }

    @Test func misspelledTimeZonesGetTheClosestName() throws {
        let found = try #require(diagnostic("hour_of_day(ts, \"America/New_Yrok\")"))
        #expect(found.suggestion == "did you mean \"America/New_York\"?")
        let berlin = try #require(diagnostic("hour_of_day(ts, \"Europe/Berln\")"))
        #expect(berlin.suggestion == "did you mean \"Europe/Berlin\"?")
    }

    @Test func stringFeaturesMustBeEncoded() throws {
        for expression in ["country", "if(flag, country, \"x\")", "coalesce(country, \"x\")", "\"constant\""] {
            let found = try #require(diagnostic(expression))
            #expect(found.code == .stringResult)
            #expect(found.message.hasPrefix("feature 'f' is a string"))
            #expect(found.message.contains("a feature vector holds only numbers"))
            #expect(found.suggestion?.contains("one_hot") == true)
            #expect(found.suggestion?.contains("hash_bucket") == true)
        }
    }

    // MARK: References between features

    @Test func aFeatureCannotUseALaterOne() {
        let found = diagnostics([("p", "q + 1"), ("q", "amount * 2")])
        #expect(found.count == 1)
        #expect(found.first?.feature == "p")
        #expect(found.first?.code == .forwardReference)
        #expect(
            found.first?.message
                == "'q' is a feature defined after 'p'; a feature may only use features defined before it")
        #expect(found.first?.suggestion == "move 'q' above 'p'")
    }

    @Test func cyclesAreNamed() {
        let found = diagnostics([("x", "amount"), ("p", "x + q"), ("q", "r * 2"), ("r", "p - 1")])
        // p and q use later features (within the cycle); r uses p, which failed, and is not reported again.
        #expect(found.first?.feature == "p")
        #expect(found.first?.offset == 4)
        #expect(found.first?.message.contains("they form a cycle: p → q → r → p") == true, "\(found)")
        #expect(found.first?.suggestion == nil)
        #expect(found.map(\.feature) == ["p", "q"])
        #expect(found.last?.message.contains("'r' is a feature defined after 'q'") == true)
        #expect(found.last?.message.contains("they form a cycle: q → r → p → q") == true)
    }

    @Test func aFeatureCannotUseItself() throws {
        let found = try #require(diagnostic("f + 1"))
        #expect(found.code == .forwardReference)
        #expect(found.message == "feature 'f' uses itself")
    }

    @Test func featuresUsingABrokenFeatureAreNotReportedAgain() {
        let found = diagnostics([("p", "amout * 2"), ("q", "p + 1"), ("r", "log(p) + q"), ("s", "lgo(amount)")])
        #expect(found.map(\.feature) == ["p", "s"])
    }

    @Test func everyBrokenFeatureIsReportedAtOnce() {
        let found = diagnostics([
            ("ok", "amount * 2"), ("one", "amount +"), ("two", "country * 2"), ("three", "log1p(amount, 1)"),
            ("fine", "ok + 1"),
        ])
        #expect(found.map(\.feature) == ["one", "two", "three"])
        #expect(found.map(\.code) == [.syntax, .typeMismatch, .argumentCount])
    }

    @Test func oneHotFeaturesHaveNoSingleValue() {
        let found = diagnostics([("kind", "one_hot(country, [\"US\", \"GB\"])"), ("next", "kind + 1")])
        #expect(found.count == 1)
        #expect(found.first?.feature == "next")
        #expect(found.first?.message.contains("'kind' is a one_hot feature (columns kind=US, kind=GB)") == true)
    }

    @Test func featureNamesAreCheckedFirst() {
        let found = diagnostics([
            ("log_amount", "log1p(amount)"), ("log_amount", "amount"), ("bad-name", "1"), ("amount", "amount * 2"),
            ("in", "1"), ("9lives", "1"), ("", "1"),
        ])
        #expect(found.count == 6)
        #expect(found.allSatisfy { $0.code == .invalidFeatureName })
        #expect(found[0].message == "feature 'log_amount' is already defined (feature 1)")
        #expect(found[1].message.hasPrefix("'bad-name' is not a valid feature name"))
        #expect(found[2].message == "feature 'amount' has the name of the event field 'amount'")
        #expect(found[3].message == "'in' is a keyword and cannot name a feature")
    }

    @Test func aOneHotFeatureMayHaveTheNameOfItsInput() throws {
        let program = try compileFeatures([("country", "one_hot(country, [\"US\"])"), ("us", "country == \"US\"")])
        #expect(program.columnNames == ["country=US", "us"])
    }

    @Test func unknownNamesAreSuggestedFromInputsAndEarlierFeaturesOnly() {
        let early = diagnostics([("ratio_total", "amount"), ("g", "ratio_totl + 1")])
        #expect(early.first?.suggestion == "did you mean 'ratio_total'?")
        let late = diagnostics([("g", "ratio_totl + 1"), ("ratio_total", "amount")])
        #expect(late.first?.code == .unknownName)
        #expect(late.first?.suggestion == nil)
    }

    // MARK: Positions

    @Test func linesAndColumnsCountCharacters() throws {
        let found = try #require(diagnostic("amount *\n  (count +\n   amout)"))
        #expect(found.offset == 23)
        #expect(found.line == 3)
        #expect(found.column == 4)
        let unicode = try #require(diagnostic("city == \"Zürich\" and amout > 1"))
        #expect(unicode.offset == 21)
        #expect(unicode.column == 22)
    }

    @Test func fileLocationsAddTheExpressionsPosition() throws {
        let start = FileLocation(file: "topologies/fraud.yaml", line: 12, column: 15)
        let definitions = [
            FeatureDefinition("p", "log1p(amout)", location: start),
            FeatureDefinition("q", "amount +\n  flg", location: start),
        ]
        do {
            _ = try FeatureProgram(features: definitions, symbols: FeatureTestSchema.symbols)
            Issue.record("compiled")
        } catch {
            #expect(
                error.diagnostics[0].fileLocation == FileLocation(file: "topologies/fraud.yaml", line: 12, column: 21))
            #expect(
                error.diagnostics[1].fileLocation == FileLocation(file: "topologies/fraud.yaml", line: 13, column: 3))
            #expect(
                error.diagnostics[0].description
                    == "topologies/fraud.yaml:12:21: error: feature 'p': unknown name 'amout': it is not an event field, window aggregate, lookup field or earlier feature; did you mean 'amount'?"
            )
            let topology = error.diagnostics[1].topologyDiagnostic(fallback: start)
            #expect(topology.location == FileLocation(file: "topologies/fraud.yaml", line: 13, column: 3))
            #expect(topology.message.hasPrefix("features.q: unknown name 'flg'"))
            #expect(topology.suggestion == "did you mean 'flag'?")
        }
        let plain = try #require(diagnostic("amount $"))
        #expect(plain.fileLocation == nil)
        #expect(plain.description == "feature 'f' at 1:8: error: unexpected character '$'")
    }
}
