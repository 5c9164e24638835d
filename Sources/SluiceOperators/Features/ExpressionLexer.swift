/// Splits an expression into tokens. Offsets count characters (grapheme clusters) of the expression.
struct ExpressionLexer {
    let text: [Character]
    private var position = 0

    init(_ text: [Character]) {
        self.text = text
    }

    /// Every token of the text, ending with `.end`.
    static func tokens(of text: [Character]) throws(ExpressionProblem) -> [ExpressionToken] {
        var lexer = ExpressionLexer(text)
        var tokens: [ExpressionToken] = []
        while true {
            let token = try lexer.next()
            tokens.append(token)
            if token.kind == .end { return tokens }
        }
    }

    private func character(at index: Int) -> Character? { index < text.count ? text[index] : nil }

    private static func isNameStart(_ character: Character) -> Bool {
        character == "_" || (character.isASCII && character.isLetter)
    }

    private static func isNameContinuation(_ character: Character) -> Bool {
        isNameStart(character) || isDigit(character)
    }

    private static func isDigit(_ character: Character) -> Bool {
        character.isASCII && character.isWholeNumber
    }

    mutating func next() throws(ExpressionProblem) -> ExpressionToken {
        while let character = character(at: position), character.isWhitespace { position += 1 }
        let start = position
        guard let character = character(at: position) else {
            return ExpressionToken(kind: .end, range: start..<start)
        }
        if Self.isDigit(character) { return try number() }
        if character == "." {
            let fraction = text[(position + 1)...].prefix { Self.isDigit($0) }
            if !fraction.isEmpty {
                throw ExpressionProblem(
                    .syntax, at: start, "a number needs a digit before its '.'",
                    suggestion: "write 0.\(String(fraction))")
            }
            throw ExpressionProblem(.syntax, at: start, "unexpected '.'")
        }
        if Self.isNameStart(character) { return try name() }
        if character == "\"" { return try string() }
        position += 1
        let punctuation: ExpressionToken.Punctuation
        switch character {
        case "(": punctuation = .leftParenthesis
        case ")": punctuation = .rightParenthesis
        case "[": punctuation = .leftBracket
        case "]": punctuation = .rightBracket
        case ",": punctuation = .comma
        case "+": punctuation = .plus
        case "-": punctuation = .minus
        case "*": punctuation = .star
        case "/": punctuation = .slash
        case "%": punctuation = .percent
        case "<": punctuation = take("=") ? .lessOrEqual : .less
        case ">": punctuation = take("=") ? .greaterOrEqual : .greater
        case "=":
            guard take("=") else {
                throw ExpressionProblem(
                    .syntax, at: start, "unexpected '='; expressions compare with '=='",
                    suggestion: "did you mean '=='?")
            }
            punctuation = .equal
        case "!":
            guard take("=") else {
                throw ExpressionProblem(.syntax, at: start, "unexpected '!'", suggestion: "write 'not' to negate")
            }
            punctuation = .notEqual
        case "&":
            throw ExpressionProblem(.syntax, at: start, "unexpected '&'", suggestion: "write 'and'")
        case "|":
            throw ExpressionProblem(.syntax, at: start, "unexpected '|'", suggestion: "write 'or'")
        case "'":
            throw ExpressionProblem(
                .syntax, at: start, "unexpected \"'\"", suggestion: "strings are written in double quotes: \"US\"")
        default:
            throw ExpressionProblem(.syntax, at: start, "unexpected character '\(character)'")
        }
        return ExpressionToken(kind: .punctuation(punctuation), range: start..<position)
    }

    private mutating func take(_ expected: Character) -> Bool {
        guard character(at: position) == expected else { return false }
        position += 1
        return true
    }

    private mutating func digits() -> Int {
        let start = position
        while let character = character(at: position), Self.isDigit(character) { position += 1 }
        return position - start
    }

    /// `digits [. digits] [(e|E) [+|-] digits]`.
    private mutating func number() throws(ExpressionProblem) -> ExpressionToken {
        let start = position
        _ = digits()
        if character(at: position) == "." {
            position += 1
            if digits() == 0 {
                throw ExpressionProblem(.syntax, at: position, "expected a digit after '.' in a number")
            }
        }
        if let character = character(at: position), character == "e" || character == "E" {
            position += 1
            if let sign = self.character(at: position), sign == "+" || sign == "-" { position += 1 }
            if digits() == 0 {
                throw ExpressionProblem(.syntax, at: position, "expected the digits of an exponent")
            }
        }
        if let character = character(at: position), Self.isNameContinuation(character) || character == "." {
            throw ExpressionProblem(.syntax, at: position, "unexpected '\(character)' after a number")
        }
        let literal = String(text[start..<position])
        guard let value = Double(literal), value.isFinite else {
            throw ExpressionProblem(.syntax, at: start, "the number \(literal) is too large for a double")
        }
        return ExpressionToken(kind: .number(value), range: start..<position)
    }

    /// A name, dotted names (`card_10m.total`), and keywords.
    private mutating func name() throws(ExpressionProblem) -> ExpressionToken {
        let start = position
        while true {
            while let character = character(at: position), Self.isNameContinuation(character) { position += 1 }
            guard character(at: position) == "." else { break }
            position += 1
            guard let character = character(at: position), Self.isNameStart(character) else {
                throw ExpressionProblem(
                    .syntax, at: position, "expected a name after '.' (as in card_10m.total)")
            }
        }
        let name = String(text[start..<position])
        if let keyword = ExpressionToken.Keyword(rawValue: name) {
            return ExpressionToken(kind: .keyword(keyword), range: start..<position)
        }
        return ExpressionToken(kind: .name(name), range: start..<position)
    }

    /// A double-quoted string with the escapes `\"`, `\\`, `\n` and `\t`.
    private mutating func string() throws(ExpressionProblem) -> ExpressionToken {
        let start = position
        position += 1
        var value = ""
        while true {
            guard let character = character(at: position) else {
                throw ExpressionProblem(
                    .syntax, at: start, "the string that starts here has no closing '\"'")
            }
            position += 1
            switch character {
            case "\"":
                return ExpressionToken(kind: .string(Array(value.utf8)), range: start..<position)
            case "\\":
                let escaped = self.character(at: position)
                switch escaped {
                case "\"": value.append("\"")
                case "\\": value.append("\\")
                case "n": value.append("\n")
                case "t": value.append("\t")
                default:
                    throw ExpressionProblem(
                        .syntax, at: position - 1,
                        "unknown escape '\\\(escaped.map(String.init) ?? "")' in a string",
                        suggestion: "the escapes are \\\", \\\\, \\n and \\t")
                }
                position += 1
            default:
                value.append(character)
            }
        }
    }
}
