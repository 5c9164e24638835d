/// A parsed expression, before names are resolved and types checked.
struct ExpressionSyntax {
    indirect enum Kind {
        case number(Double)
        case string([UInt8])
        case bool(Bool)
        case null
        /// A plain or dotted name.
        case name(String)
        case unary(UnaryOperator, ExpressionSyntax)
        case binary(BinaryOperator, ExpressionSyntax, ExpressionSyntax)
        /// `function(arguments)`, including `if(…)`.
        case call(name: String, nameRange: Range<Int>, arguments: [ExpressionSyntax])
        /// `[a, b, …]`: only valid after `in` and as the list argument of bucketize and one_hot.
        case list([ExpressionSyntax])
    }

    enum UnaryOperator: String {
        case negate = "-"
        case not = "not"
    }

    enum BinaryOperator: String {
        case add = "+"
        case subtract = "-"
        case multiply = "*"
        case divide = "/"
        case remainder = "%"
        case less = "<"
        case lessOrEqual = "<="
        case greater = ">"
        case greaterOrEqual = ">="
        case equal = "=="
        case notEqual = "!="
        case and = "and"
        case or = "or"
        /// `x in [list]`.
        case `in` = "in"

        var isArithmetic: Bool { [.add, .subtract, .multiply, .divide, .remainder].contains(self) }
        var isOrdering: Bool { [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(self) }
        var isComparison: Bool { isOrdering || self == .equal || self == .notEqual || self == .in }
    }

    var kind: Kind
    /// The characters of the expression this node spans.
    var range: Range<Int>
}
