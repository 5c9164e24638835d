/// Recursive-descent parser for the feature expression language.
///
/// Precedence, loosest first: `or`; `and`; `not`; comparisons (`<` `<=` `>` `>=` `==` `!=` `in`, not
/// chainable); `+` `-`; `*` `/` `%`; unary `-`; literals, names, calls, parentheses and lists.
struct ExpressionParser {
    private let text: [Character]
    private let tokens: [ExpressionToken]
    private var index = 0

    /// Parses the whole of `text`.
    static func parse(_ text: [Character]) throws(ExpressionProblem) -> ExpressionSyntax {
        var parser = ExpressionParser(text: text, tokens: try ExpressionLexer.tokens(of: text))
        guard parser.current.kind != .end else {
            throw ExpressionProblem(.syntax, at: 0, "the expression is empty")
        }
        let expression = try parser.orExpression()
        guard parser.current.kind == .end else {
            throw parser.unexpected("an operator or the end of the expression")
        }
        return expression
    }

    private init(text: [Character], tokens: [ExpressionToken]) {
        self.text = text
        self.tokens = tokens
    }

    private var current: ExpressionToken { tokens[index] }

    private mutating func advance() -> ExpressionToken {
        let token = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return token
    }

    private mutating func take(_ punctuation: ExpressionToken.Punctuation) -> ExpressionToken? {
        guard current.kind == .punctuation(punctuation) else { return nil }
        return advance()
    }

    private mutating func take(_ keyword: ExpressionToken.Keyword) -> ExpressionToken? {
        guard current.kind == .keyword(keyword) else { return nil }
        return advance()
    }

    /// The current token as a message names it.
    private var currentDescription: String {
        switch current.kind {
        case .end: "the end of the expression"
        case .string: "the string \(String(text[current.range]))"
        default: "'\(String(text[current.range]))'"
        }
    }

    private func unexpected(_ expected: String) -> ExpressionProblem {
        ExpressionProblem(.syntax, at: current.range.lowerBound, "expected \(expected), found \(currentDescription)")
    }

    private mutating func expect(
        _ punctuation: ExpressionToken.Punctuation, _ expected: String
    ) throws(ExpressionProblem) -> ExpressionToken {
        guard let token = take(punctuation) else { throw unexpected(expected) }
        return token
    }

    // MARK: Levels

    private mutating func orExpression() throws(ExpressionProblem) -> ExpressionSyntax {
        var left = try andExpression()
        while take(.or) != nil {
            let right = try andExpression()
            left = ExpressionSyntax(
                kind: .binary(.or, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func andExpression() throws(ExpressionProblem) -> ExpressionSyntax {
        var left = try notExpression()
        while take(.and) != nil {
            let right = try notExpression()
            left = ExpressionSyntax(
                kind: .binary(.and, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
        return left
    }

    private mutating func notExpression() throws(ExpressionProblem) -> ExpressionSyntax {
        if let token = take(.not) {
            let operand = try notExpression()
            return ExpressionSyntax(
                kind: .unary(.not, operand), range: token.range.lowerBound..<operand.range.upperBound)
        }
        return try comparison()
    }

    private static let comparisonOperators: [ExpressionToken.Punctuation: ExpressionSyntax.BinaryOperator] = [
        .less: .less, .lessOrEqual: .lessOrEqual, .greater: .greater, .greaterOrEqual: .greaterOrEqual,
        .equal: .equal, .notEqual: .notEqual,
    ]

    private var currentComparison: ExpressionSyntax.BinaryOperator? {
        switch current.kind {
        case .punctuation(let punctuation): Self.comparisonOperators[punctuation]
        case .keyword(.in): .in
        default: nil
        }
    }

    private mutating func comparison() throws(ExpressionProblem) -> ExpressionSyntax {
        let left = try additive()
        if current.kind == .keyword(.not), tokens[index + 1].kind == .keyword(.in) {
            throw ExpressionProblem(
                .syntax, at: current.range.lowerBound, "'not in' is not an operator",
                suggestion: "negate the whole test: not (x in [\"a\", \"b\"])")
        }
        guard let operation = currentComparison else { return left }
        _ = advance()
        let right: ExpressionSyntax
        if operation == .in {
            guard current.kind == .punctuation(.leftBracket) else {
                throw unexpected("a list such as [\"a\", \"b\"] after 'in'")
            }
            right = try primary()
        } else {
            right = try additive()
        }
        if let chained = currentComparison {
            throw ExpressionProblem(
                .syntax, at: current.range.lowerBound,
                "comparisons cannot be chained: '\(chained.rawValue)' follows another comparison",
                suggestion: "join them with 'and', as in a < b and b < c")
        }
        return ExpressionSyntax(
            kind: .binary(operation, left, right), range: left.range.lowerBound..<right.range.upperBound)
    }

    private mutating func additive() throws(ExpressionProblem) -> ExpressionSyntax {
        var left = try multiplicative()
        while true {
            let operation: ExpressionSyntax.BinaryOperator
            if take(.plus) != nil {
                operation = .add
            } else if take(.minus) != nil {
                operation = .subtract
            } else {
                return left
            }
            let right = try multiplicative()
            left = ExpressionSyntax(
                kind: .binary(operation, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
    }

    private mutating func multiplicative() throws(ExpressionProblem) -> ExpressionSyntax {
        var left = try unary()
        while true {
            let operation: ExpressionSyntax.BinaryOperator
            if take(.star) != nil {
                operation = .multiply
            } else if take(.slash) != nil {
                operation = .divide
            } else if take(.percent) != nil {
                operation = .remainder
            } else {
                return left
            }
            let right = try unary()
            left = ExpressionSyntax(
                kind: .binary(operation, left, right), range: left.range.lowerBound..<right.range.upperBound)
        }
    }

    private mutating func unary() throws(ExpressionProblem) -> ExpressionSyntax {
        if let token = take(.minus) {
            let operand = try unary()
            return ExpressionSyntax(
                kind: .unary(.negate, operand), range: token.range.lowerBound..<operand.range.upperBound)
        }
        return try primary()
    }

    private mutating func primary() throws(ExpressionProblem) -> ExpressionSyntax {
        let token = current
        switch token.kind {
        case .number(let value):
            _ = advance()
            return ExpressionSyntax(kind: .number(value), range: token.range)
        case .string(let bytes):
            _ = advance()
            return ExpressionSyntax(kind: .string(bytes), range: token.range)
        case .keyword(.true):
            _ = advance()
            return ExpressionSyntax(kind: .bool(true), range: token.range)
        case .keyword(.false):
            _ = advance()
            return ExpressionSyntax(kind: .bool(false), range: token.range)
        case .keyword(.null):
            _ = advance()
            return ExpressionSyntax(kind: .null, range: token.range)
        case .name(let name):
            _ = advance()
            guard take(.leftParenthesis) != nil else {
                if name == "if" { throw unexpected("'(' after 'if', as in if(condition, a, b)") }
                return ExpressionSyntax(kind: .name(name), range: token.range)
            }
            let arguments = try sequence(closing: .rightParenthesis, "')' to close the call of \(name)")
            return ExpressionSyntax(
                kind: .call(name: name, nameRange: token.range, arguments: arguments.items),
                range: token.range.lowerBound..<arguments.end)
        case .punctuation(.leftParenthesis):
            _ = advance()
            if current.kind == .punctuation(.rightParenthesis) { throw unexpected("an expression inside '()'") }
            var inner = try orExpression()
            let close = try expect(.rightParenthesis, "')' to close the '(' at offset \(token.range.lowerBound)")
            inner.range = token.range.lowerBound..<close.range.upperBound
            return inner
        case .punctuation(.leftBracket):
            _ = advance()
            let items = try sequence(closing: .rightBracket, "']' to close the list")
            return ExpressionSyntax(kind: .list(items.items), range: token.range.lowerBound..<items.end)
        case .keyword(let keyword) where keyword == .and || keyword == .or || keyword == .in:
            throw unexpected("an expression before '\(keyword.rawValue)'")
        default:
            throw unexpected("an expression")
        }
    }

    /// Comma-separated expressions up to `closing`, which is consumed; `end` is its upper bound.
    private mutating func sequence(
        closing: ExpressionToken.Punctuation, _ expected: String
    ) throws(ExpressionProblem) -> (items: [ExpressionSyntax], end: Int) {
        var items: [ExpressionSyntax] = []
        if let close = take(closing) { return (items, close.range.upperBound) }
        while true {
            items.append(try orExpression())
            if let close = take(closing) { return (items, close.range.upperBound) }
            guard take(.comma) != nil else { throw unexpected("',' or \(expected)") }
        }
    }
}
