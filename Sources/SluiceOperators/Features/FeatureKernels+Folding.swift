extension FeatureKernels {
    /// The result of a number-only opcode on constant operands, as the evaluator computes it.
    static func fold(_ opcode: FeatureInstruction.Opcode, _ a: Double, _ b: Double = .nan, _ c: Double = .nan) -> Double
    {
        switch opcode {
        case .add: a + b
        case .subtract: a - b
        case .multiply: a * b
        case .divide: a / b
        case .remainder: remainder(a, b)
        case .less: truth(a < b)
        case .lessOrEqual: truth(a <= b)
        case .greater: truth(a > b)
        case .greaterOrEqual: truth(a >= b)
        case .equal: truth(a == b)
        case .notEqual: notEqual(a, b)
        case .and: truth(isTrue(a) && isTrue(b))
        case .or: truth(isTrue(a) || isTrue(b))
        case .minimum: minimum(a, b)
        case .maximum: maximum(a, b)
        case .power: power(a, b)
        case .coalesce: a.isNaN ? b : a
        case .negate: -a
        case .not: truth(!isTrue(a))
        case .isNull: truth(a.isNaN)
        case .log: naturalLog(a)
        case .log1p: naturalLogOnePlus(a)
        case .exp: exponential(a)
        case .sqrt: squareRoot(a)
        case .abs: absolute(a)
        case .clip: clip(a, b, c)
        case .select: isTrue(a) ? b : c
        default: preconditionFailure("\(opcode) is not a number-only opcode")
        }
    }
}
