import SluiceCore

extension FeatureCompiler {
    /// A function call (every function but one_hot, which only a feature's whole expression may be).
    mutating func call(
        _ name: String, nameRange: Range<Int>, arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let function = try lookUp(name, nameRange: nameRange, arguments: arguments, range: range)
        switch function {
        case .log, .log1p, .exp, .sqrt, .abs:
            let opcodes: [FeatureFunction: FeatureInstruction.Opcode] = [
                .log: .log, .log1p: .log1p, .exp: .exp, .sqrt: .sqrt, .abs: .abs,
            ]
            let x = try check(arguments[0])
            try requireNumber(x, for: name)
            return numeric(opcodes[function]!, [x], type: .number, range: range)
        case .pow:
            let base = try check(arguments[0])
            let exponent = try check(arguments[1])
            try requireNumber(base, for: name)
            try requireNumber(exponent, for: name)
            return numeric(.power, [base, exponent], type: .number, range: range)
        case .min, .max:
            var result = try check(arguments[0])
            try requireNumber(result, for: name)
            for argument in arguments.dropFirst() {
                let next = try check(argument)
                try requireNumber(next, for: name)
                result = numeric(function == .min ? .minimum : .maximum, [result, next], type: .number, range: range)
            }
            return result
        case .clip:
            let x = try check(arguments[0])
            let low = try check(arguments[1])
            let high = try check(arguments[2])
            for operand in [x, low, high] { try requireNumber(operand, for: name) }
            if let lowValue = low.constantNumber, let highValue = high.constantNumber, lowValue > highValue {
                throw ExpressionProblem(
                    .invalidArgument, at: low.range.lowerBound,
                    "clip's low bound \(quote(low.range)) is above its high bound \(quote(high.range))")
            }
            return numeric(.clip, [x, low, high], type: .number, range: range)
        case .coalesce:
            return try coalesce(arguments, range: range)
        case .isNull:
            let x = try check(arguments[0])
            switch x.value {
            case .number(let value):
                return Operand(type: .bool, value: .number(FeatureKernels.truth(value.isNaN)), range: range)
            case .string(let bytes):
                return Operand(type: .bool, value: .number(FeatureKernels.truth(bytes == nil)), range: range)
            case .register(let register):
                let result = builder.emit(x.type == .string ? .stringIsNull : .isNull, register)
                return Operand(type: .bool, value: .register(result), range: range)
            }
        case .if:
            return try conditional(arguments, range: range)
        case .hourOfDay, .dayOfWeek:
            return try localTime(function, arguments, range: range)
        case .bucketize:
            return try bucketize(arguments, range: range)
        case .hashBucket:
            return try hashBucket(arguments, range: range)
        case .oneHot:
            throw ExpressionProblem(
                .invalidArgument, at: range.lowerBound,
                "one_hot makes one column per category, so it can only be the whole expression of a feature")
        }
    }

    /// The function called `name`, with its argument count checked.
    private func lookUp(
        _ name: String, nameRange: Range<Int>, arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> FeatureFunction {
        guard let function = FeatureFunction(rawValue: name) else {
            let closest = NameSuggestion.closest(to: name, among: FeatureFunction.allCases.map(\.rawValue))
            let what = symbols.symbol(named: name) != nil ? "'\(name)' is not a function" : "unknown function '\(name)'"
            throw ExpressionProblem(
                .unknownFunction, at: nameRange.lowerBound, what,
                suggestion: closest.map { "did you mean \($0)?" }
                    ?? "the functions are \(FeatureFunction.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let (minimum, maximum) = function.arity
        if arguments.count < minimum || maximum.map({ arguments.count > $0 }) == true {
            let offset = arguments.count < minimum ? range.upperBound - 1 : arguments[maximum!].range.lowerBound
            throw ExpressionProblem(
                .argumentCount, at: offset,
                "\(name) takes \(function.arityDescription), but got \(arguments.count)",
                suggestion: "call it as \(function.signature)")
        }
        return function
    }

    /// `coalesce(x, default, …)`: the first argument that is not null.
    private mutating func coalesce(
        _ arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        var operands: [Operand] = []
        var type = ExpressionType.null
        for argument in arguments {
            let operand = try check(argument)
            guard let unified = Self.unify(type, operand.type) else {
                let earlier = operands.first { $0.type != .null }!
                throw ExpressionProblem(
                    .typeMismatch, at: operand.range.lowerBound,
                    "the arguments of coalesce must have one type, but \(describe(earlier)) and \(describe(operand))")
            }
            type = unified
            operands.append(operand)
        }
        if type == .null { return Operand(type: .null, value: .number(.nan), range: range) }
        func isNull(_ operand: Operand) -> Bool {
            switch operand.value {
            case .number(let value): value.isNaN
            case .string(let bytes): bytes == nil
            case .register: false
            }
        }
        var result = operands[0].typed(type, range: range)
        for next in operands.dropFirst() {
            let next = next.typed(type, range: range)
            if result.isConstant {
                if !isNull(result) { return result }
                result = next
                continue
            }
            if isNull(next) { continue }
            let combined =
                type == .string
                ? builder.emit(.stringCoalesce, stringRegister(result), stringRegister(next))
                : builder.emit(.coalesce, numberRegister(result), numberRegister(next))
            result = Operand(type: type, value: .register(combined), range: range)
        }
        return result
    }

    /// `if(condition, then, else)`.
    private mutating func conditional(
        _ arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let condition = try check(arguments[0])
        try requireBool(condition, for: "the condition of if")
        let then = try check(arguments[1])
        let otherwise = try check(arguments[2])
        guard let type = Self.unify(then.type, otherwise.type) else {
            throw ExpressionProblem(
                .typeMismatch, at: otherwise.range.lowerBound,
                "the branches of if must have one type, but \(describe(then)) and \(describe(otherwise))")
        }
        // Null either way: a constant, so that null-typed values never occupy a register.
        if type == .null { return Operand(type: .null, value: .number(.nan), range: range) }
        if let value = condition.constantNumber {
            return (FeatureKernels.isTrue(value) ? then : otherwise).typed(type, range: range)
        }
        let conditionRegister = numberRegister(condition)
        let register =
            type == .string
            ? builder.emit(.stringSelect, conditionRegister, stringRegister(then), stringRegister(otherwise))
            : builder.emit(.select, conditionRegister, numberRegister(then), numberRegister(otherwise))
        return Operand(type: type, value: .register(register), range: range)
    }

    /// `hour_of_day(t[, zone])` and `day_of_week(t[, zone])`.
    private mutating func localTime(
        _ function: FeatureFunction, _ arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let time = try check(arguments[0])
        try requireNumber(time, for: function.rawValue)
        var zone = TimeZoneTable(name: "UTC")!
        if arguments.count == 2 {
            let zoneSyntax = arguments[1]
            let name = try check(zoneSyntax)
            guard case .string(let bytes?) = name.value else {
                throw ExpressionProblem(
                    .invalidArgument, at: zoneSyntax.range.lowerBound,
                    "the time zone of \(function.rawValue) must be a constant string such as \"Europe/Berlin\", \"UTC\" or \"+02:00\", but \(describe(name))"
                )
            }
            let zoneName = String(decoding: bytes, as: UTF8.self)
            guard let table = TimeZoneTable(name: zoneName) else {
                throw ExpressionProblem(
                    .invalidArgument, at: zoneSyntax.range.lowerBound, "unknown time zone \"\(zoneName)\"",
                    suggestion: TimeZoneTable.closestIdentifier(to: zoneName).map { "did you mean \"\($0)\"?" }
                        ?? "use an IANA name such as \"America/New_York\", \"UTC\", or an offset such as \"+05:30\"")
            }
            zone = table
        }
        let isHour = function == .hourOfDay
        if let t = time.constantNumber {
            let pooled = zone.pooled
            let local = pooled.withUnsafeBufferPointer {
                FeatureKernels.localTime(t, zone: $0.baseAddress!, count: zone.transitions.count)
            }
            let value = isHour ? FeatureKernels.hourOfDay(local: local) : FeatureKernels.dayOfWeek(local: local)
            return Operand(type: .number, value: .number(value), range: range)
        }
        let register = builder.emit(
            isHour ? .hourOfDay : .dayOfWeek, numberRegister(time), builder.pool(zone.pooled),
            Int32(zone.transitions.count))
        return Operand(type: .number, value: .register(register), range: range)
    }

    /// `bucketize(x, [bounds])`: how many bounds are ≤ x.
    private mutating func bucketize(
        _ arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let x = try check(arguments[0])
        try requireNumber(x, for: "bucketize")
        guard case .list(let items) = arguments[1].kind, !items.isEmpty else {
            throw ExpressionProblem(
                .invalidArgument, at: arguments[1].range.lowerBound,
                "the second argument of bucketize must be a non-empty list of increasing bounds, such as [0, 10, 100]")
        }
        let bounds = try constantNumbers(items, for: x, context: "the bounds of bucketize")
        for index in bounds.indices.dropFirst() where bounds[index] <= bounds[index - 1] {
            throw ExpressionProblem(
                .invalidArgument, at: items[index].range.lowerBound,
                "the bounds of bucketize must increase, but \(quote(items[index].range)) follows \(quote(items[index - 1].range))"
            )
        }
        if let value = x.constantNumber {
            let bucket = bounds.withUnsafeBufferPointer {
                FeatureKernels.bucket(value, bounds: $0.baseAddress!, count: bounds.count)
            }
            return Operand(type: .number, value: .number(bucket), range: range)
        }
        let register = builder.emit(.bucketize, numberRegister(x), builder.pool(bounds), Int32(bounds.count))
        return Operand(type: .number, value: .register(register), range: range)
    }

    /// `hash_bucket(x, n)`: FNV-1a 64 of x's bytes (see `FeatureKernels.fnv1a`) mod n.
    private mutating func hashBucket(
        _ arguments: [ExpressionSyntax], range: Range<Int>
    ) throws(ExpressionProblem) -> Operand {
        let x = try check(arguments[0])
        guard x.type == .string || x.type.isNumeric else {
            throw ExpressionProblem(
                .typeMismatch, at: x.range.lowerBound, "hash_bucket needs a string or a number, but \(describe(x))")
        }
        let count = try check(arguments[1])
        guard count.type == .number, let buckets = count.constantNumber, buckets.rounded() == buckets, buckets >= 1,
            buckets <= 9_007_199_254_740_992
        else {
            throw ExpressionProblem(
                .invalidArgument, at: count.range.lowerBound,
                "the bucket count of hash_bucket must be a constant whole number from 1 to 2^53, but it is \(quote(count.range))"
            )
        }
        switch x.value {
        case .string(let bytes):
            let value = bytes.map { bytes in
                bytes.withUnsafeBytes { FeatureKernels.bucket(hash: FeatureKernels.fnv1a($0), buckets: buckets) }
            }
            return Operand(type: .number, value: .number(value ?? .nan), range: range)
        case .number(let value):
            let bucket =
                value.isNaN ? .nan : FeatureKernels.bucket(hash: FeatureKernels.fnv1a(number: value), buckets: buckets)
            return Operand(type: .number, value: .number(bucket), range: range)
        case .register(let register):
            let register = builder.emit(
                x.type == .string ? .hashString : .hashNumber, register, builder.pool([buckets]))
            return Operand(type: .number, value: .register(register), range: range)
        }
    }

    /// `one_hot(x, [categories])` as a feature's whole expression: emits the columns `feature=category`
    /// and returns their names.
    mutating func oneHot(
        feature: String, arguments: [ExpressionSyntax], nameRange: Range<Int>, range: Range<Int>
    ) throws(ExpressionProblem) -> [String] {
        _ = try lookUp("one_hot", nameRange: nameRange, arguments: arguments, range: range)
        let x = try check(arguments[0])
        guard case .list(let items) = arguments[1].kind, !items.isEmpty else {
            throw ExpressionProblem(
                .invalidArgument, at: arguments[1].range.lowerBound,
                "the second argument of one_hot must be a non-empty list of categories, such as [\"US\", \"GB\"]")
        }
        let column = columnNames.count
        if x.type == .string {
            let categories = try constantStrings(items, for: x, context: "the categories of one_hot")
            var seen = Set<[UInt8]>()
            for (index, category) in categories.enumerated() where !seen.insert(category).inserted {
                throw ExpressionProblem(
                    .invalidArgument, at: items[index].range.lowerBound,
                    "the category \(quote(items[index].range)) appears twice in one_hot")
            }
            builder.emitOutput(
                .oneHotString, column: column, stringRegister(x), builder.pool(categories), Int32(categories.count))
            return categories.map { "\(feature)=\(String(decoding: $0, as: UTF8.self))" }
        }
        guard x.type == .number || x.type == .timestamp else {
            throw ExpressionProblem(
                .typeMismatch, at: x.range.lowerBound, "one_hot needs a string or a number, but \(describe(x))")
        }
        let categories = try constantNumbers(items, for: x, context: "the categories of one_hot")
        var seen = Set<Double>()
        for (index, category) in categories.enumerated() where !seen.insert(category).inserted {
            throw ExpressionProblem(
                .invalidArgument, at: items[index].range.lowerBound,
                "the category \(quote(items[index].range)) appears twice in one_hot")
        }
        builder.emitOutput(
            .oneHotNumber, column: column, numberRegister(x), builder.pool(categories), Int32(categories.count))
        return categories.map { "\(feature)=\(Self.columnLabel($0))" }
    }

    /// A number as a one_hot column name shows it: whole numbers below 2^53 in digits (`3`, `-1`), others
    /// as Swift prints a Double (`0.5`, `1e-05`).
    static func columnLabel(_ value: Double) -> String {
        if value.rounded() == value && Swift.abs(value) < 9_007_199_254_740_992 { return String(Int64(value)) }
        return "\(value)"
    }
}
