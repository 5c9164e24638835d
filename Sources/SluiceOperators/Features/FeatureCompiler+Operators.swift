extension FeatureCompiler {
    /// Checks `syntax`, folding it when its inputs are constants and emitting code when not.
    mutating func check(_ syntax: ExpressionSyntax) throws(ExpressionProblem) -> Operand {
        let range = syntax.range
        switch syntax.kind {
        case .number(let value):
            return Operand(type: .number, value: .number(value), range: range)
        case .string(let bytes):
            return Operand(type: .string, value: .string(bytes), range: range)
        case .bool(let value):
            return Operand(type: .bool, value: .number(value ? 1 : 0), range: range)
        case .null:
            return Operand(type: .null, value: .number(.nan), range: range)
        case .name(let name):
            return try resolve(name, range: range)
        case .unary(.negate, let operand):
            let value = try check(operand)
            try requireNumber(value, for: "'-'")
            return numeric(.negate, [value], type: .number, range: range)
        case .unary(.not, let operand):
            let value = try check(operand)
            try requireBool(value, for: "'not'")
            return numeric(.not, [value], type: .bool, range: range)
        case .binary(let operation, let left, let right):
            return try binary(operation, left, right, range: range)
        case .call(let name, let nameRange, let arguments):
            return try call(name, nameRange: nameRange, arguments: arguments, range: range)
        case .list:
            throw ExpressionProblem(
                .syntax, at: range.lowerBound,
                "a list can only follow 'in' or be the second argument of bucketize or one_hot")
        }
    }

    /// A number-only opcode applied to `operands`: folded when all are constants, emitted otherwise.
    mutating func numeric(
        _ opcode: FeatureInstruction.Opcode, _ operands: [Operand], type: ExpressionType, range: Range<Int>
    ) -> Operand {
        let constants = operands.compactMap(\.constantNumber)
        if constants.count == operands.count {
            let folded = FeatureKernels.fold(
                opcode, constants[0], constants.count > 1 ? constants[1] : .nan,
                constants.count > 2 ? constants[2] : .nan)
            return Operand(type: type, value: .number(folded), range: range)
        }
        let registers = operands.map { numberRegister($0) }
        let register = builder.emit(
            opcode, registers[0], registers.count > 1 ? registers[1] : 0, registers.count > 2 ? registers[2] : 0)
        return Operand(type: type, value: .register(register), range: range)
    }

    // MARK: Type requirements

    /// `operand` must be a number, a timestamp or null.
    func requireNumber(_ operand: Operand, for context: String) throws(ExpressionProblem) {
        guard !operand.type.isNumeric else { return }
        throw ExpressionProblem(
            .typeMismatch, at: operand.range.lowerBound, "\(context) needs a number, but \(describe(operand))",
            suggestion: operand.type == .bool ? "turn a bool into a number with if(x, 1, 0)" : nil)
    }

    /// `operand` must be a bool or null.
    func requireBool(_ operand: Operand, for context: String) throws(ExpressionProblem) {
        guard operand.type != .bool && operand.type != .null else { return }
        throw ExpressionProblem(
            .typeMismatch, at: operand.range.lowerBound, "\(context) needs a bool, but \(describe(operand))",
            suggestion: operand.type.isNumeric ? "compare it, as in \(String(text[operand.range])) > 0" : nil)
    }

    /// `operand` must not be the null literal (or an expression that can only be null): comparisons with
    /// null are always false.
    func requireComparable(_ operand: Operand, for operation: String) throws(ExpressionProblem) {
        guard operand.type == .null else { return }
        throw ExpressionProblem(
            .typeMismatch, at: operand.range.lowerBound,
            "'\(operation)' with null is always false: every comparison with null is false",
            suggestion: "test for a missing value with is_null(x)")
    }

    /// The common type of two values that can stand in the same place (branches of `if`, arguments of
    /// `coalesce`): equal types, null with anything, numbers with timestamps (giving a number).
    static func unify(_ first: ExpressionType, _ second: ExpressionType) -> ExpressionType? {
        if first == second { return first }
        if first == .null { return second }
        if second == .null { return first }
        if first.isNumeric && second.isNumeric { return .number }
        return nil
    }

    // MARK: Operators

    private static let arithmeticOpcodes: [ExpressionSyntax.BinaryOperator: FeatureInstruction.Opcode] = [
        .add: .add, .subtract: .subtract, .multiply: .multiply, .divide: .divide, .remainder: .remainder,
        .less: .less, .lessOrEqual: .lessOrEqual, .greater: .greater, .greaterOrEqual: .greaterOrEqual,
        .equal: .equal, .notEqual: .notEqual, .and: .and, .or: .or,
    ]

    private mutating func binary(
        _ operation: ExpressionSyntax.BinaryOperator, _ leftSyntax: ExpressionSyntax, _ rightSyntax: ExpressionSyntax,
        range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let left = try check(leftSyntax)
        if operation == .in { return try membership(left, rightSyntax, range: range) }
        let right = try check(rightSyntax)
        let opcode = Self.arithmeticOpcodes[operation]!
        let symbol = "'\(operation.rawValue)'"
        if operation.isArithmetic {
            try requireNumber(left, for: symbol)
            try requireNumber(right, for: symbol)
            return numeric(opcode, [left, right], type: .number, range: range)
        }
        if operation == .and || operation == .or {
            try requireBool(left, for: symbol)
            try requireBool(right, for: symbol)
            return numeric(opcode, [left, right], type: .bool, range: range)
        }
        try requireComparable(left, for: operation.rawValue)
        try requireComparable(right, for: operation.rawValue)
        if operation.isOrdering {
            try requireNumber(left, for: symbol)
            try requireNumber(right, for: symbol)
            return numeric(opcode, [left, right], type: .bool, range: range)
        }
        // == and !=: numbers (and timestamps) with each other, strings with strings, bools with bools.
        if left.type.isNumeric && right.type.isNumeric || left.type == .bool && right.type == .bool {
            return numeric(opcode, [left, right], type: .bool, range: range)
        }
        guard left.type == .string && right.type == .string else {
            throw ExpressionProblem(
                .typeMismatch, at: range.lowerBound,
                "\(describe(left)) but \(describe(right)); \(symbol) compares values of the same type")
        }
        let isEqual = operation == .equal
        if case .string(let a) = left.value, case .string(let b) = right.value {
            let same = a != nil && b != nil && a == b
            let result = a != nil && b != nil && (isEqual ? same : !same)
            return Operand(type: .bool, value: .number(FeatureKernels.truth(result)), range: range)
        }
        let register = builder.emit(
            isEqual ? .stringEqual : .stringNotEqual, stringRegister(left), stringRegister(right))
        return Operand(type: .bool, value: .register(register), range: range)
    }

    /// `x in [list]`.
    private mutating func membership(
        _ value: Operand, _ listSyntax: ExpressionSyntax, range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        guard case .list(let items) = listSyntax.kind else {
            throw ExpressionProblem(.syntax, at: listSyntax.range.lowerBound, "expected a list after 'in'")
        }
        try requireComparable(value, for: "in")
        guard !items.isEmpty else {
            throw ExpressionProblem(.invalidArgument, at: listSyntax.range.lowerBound, "the list after 'in' is empty")
        }
        if value.type == .string {
            let strings = try constantStrings(items, for: value, context: "the list after 'in'")
            if case .string(let bytes) = value.value {
                let found = bytes.map { strings.contains($0) } ?? false
                return Operand(type: .bool, value: .number(FeatureKernels.truth(found)), range: range)
            }
            let register = builder.emit(
                .containsString, stringRegister(value), builder.pool(strings), Int32(strings.count))
            return Operand(type: .bool, value: .register(register), range: range)
        }
        guard value.type.isNumeric else {
            throw ExpressionProblem(
                .typeMismatch, at: value.range.lowerBound, "'in' needs a number or a string, but \(describe(value))")
        }
        let numbers = try constantNumbers(items, for: value, context: "the list after 'in'")
        if let constant = value.constantNumber {
            return Operand(type: .bool, value: .number(FeatureKernels.truth(numbers.contains(constant))), range: range)
        }
        let register = builder.emit(.containsNumber, numberRegister(value), builder.pool(numbers), Int32(numbers.count))
        return Operand(type: .bool, value: .register(register), range: range)
    }

    // MARK: Constant lists

    /// The items of a list that must hold constant strings to match `value`.
    mutating func constantStrings(
        _ items: [ExpressionSyntax], for value: Operand, context: String
    ) throws(ExpressionProblem) -> [[UInt8]] {
        var strings: [[UInt8]] = []
        for item in items {
            let operand = try check(item)
            guard operand.type == .string else {
                throw ExpressionProblem(
                    .typeMismatch, at: item.range.lowerBound,
                    "\(context) must hold strings, as \(describe(value)), but \(describe(operand))")
            }
            guard case .string(let bytes?) = operand.value else {
                throw ExpressionProblem(
                    .invalidArgument, at: item.range.lowerBound,
                    "\(context) must hold constants, but \(quote(item.range)) is computed per event")
            }
            strings.append(bytes)
        }
        return strings
    }

    /// The items of a list that must hold constant, finite numbers to match `value`.
    mutating func constantNumbers(
        _ items: [ExpressionSyntax], for value: Operand, context: String
    ) throws(ExpressionProblem) -> [Double] {
        var numbers: [Double] = []
        for item in items {
            let operand = try check(item)
            guard operand.type == .number || operand.type == .timestamp else {
                throw ExpressionProblem(
                    .typeMismatch, at: item.range.lowerBound,
                    "\(context) must hold numbers, as \(describe(value)), but \(describe(operand))")
            }
            guard let number = operand.constantNumber else {
                throw ExpressionProblem(
                    .invalidArgument, at: item.range.lowerBound,
                    "\(context) must hold constants, but \(quote(item.range)) is computed per event")
            }
            guard number.isFinite else {
                throw ExpressionProblem(
                    .invalidArgument, at: item.range.lowerBound,
                    "\(context) must hold finite numbers, but \(quote(item.range)) is \(number)")
            }
            numbers.append(number)
        }
        return numbers
    }
}
