/// One token of an expression, with its character range.
struct ExpressionToken {
    enum Kind: Equatable {
        case number(Double)
        /// A string literal's UTF-8 bytes, escapes resolved.
        case string([UInt8])
        /// A plain or dotted name (`amount`, `card_10m.total`); also function names and `if`.
        case name(String)
        case keyword(Keyword)
        case punctuation(Punctuation)
        case end
    }

    enum Keyword: String, CaseIterable {
        case and, or, not, `in`, `true`, `false`, null
    }

    enum Punctuation: String {
        case leftParenthesis = "("
        case rightParenthesis = ")"
        case leftBracket = "["
        case rightBracket = "]"
        case comma = ","
        case plus = "+"
        case minus = "-"
        case star = "*"
        case slash = "/"
        case percent = "%"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
    }

    var kind: Kind
    var range: Range<Int>

}
