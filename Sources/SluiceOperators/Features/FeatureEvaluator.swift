/// Runs a ``FeatureProgram`` for one event at a time, into a reusable feature vector.
///
/// One per lane, used only on the lane's queue (not thread-safe, deliberately not `Sendable`). Evaluating
/// allocates nothing, creates no strings and looks nothing up by name: inputs are read once each into
/// registers, then straight-line code runs over them.
public final class FeatureEvaluator {
    /// The program it runs.
    public let program: FeatureProgram

    @usableFromInline let numbers: UnsafeMutablePointer<Double>
    @usableFromInline let strings: UnsafeMutablePointer<StringValue>
    @usableFromInline let vector: UnsafeMutableBufferPointer<Double>

    init(program: FeatureProgram) {
        self.program = program
        numbers = .allocate(capacity: max(program.numberRegisterCount, 1))
        numbers.initialize(repeating: .nan, count: max(program.numberRegisterCount, 1))
        for constant in program.numberConstants { numbers[constant.register] = constant.value }
        strings = .allocate(capacity: max(program.stringRegisterCount, 1))
        strings.initialize(repeating: .null, count: max(program.stringRegisterCount, 1))
        for constant in program.stringConstants { strings[constant.register] = constant.value }
        vector = .allocate(capacity: max(program.columnCount, 1))
        vector.initialize(repeating: .nan)
    }

    deinit {
        numbers.deallocate()
        strings.deallocate()
        vector.deallocate()
    }

    /// The feature vector of the last ``evaluate(_:)``: `program.columnCount` values in
    /// `program.columnNames` order. Valid until the evaluator is released.
    public var values: UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: vector.baseAddress, count: program.columnCount)
    }

    /// Computes the feature vector of the event `inputs` describes into ``values``.
    @inlinable public func evaluate<Inputs: ExpressionInputs>(_ inputs: Inputs) {
        evaluate(inputs, into: vector)
    }

    /// Computes the feature vector of the event `inputs` describes into `output`, which must hold at least
    /// `program.columnCount` values.
    @inlinable public func evaluate<Inputs: ExpressionInputs>(
        _ inputs: Inputs, into output: UnsafeMutableBufferPointer<Double>
    ) {
        precondition(output.count >= program.columnCount, "evaluate: the output holds fewer values than columns")
        for load in program.numberLoads { numbers[load.register] = inputs.number(load.symbol) }
        for load in program.stringLoads { strings[load.register] = StringValue(inputs.string(load.symbol)) }
        run(output.baseAddress ?? vector.baseAddress!)
    }

    /// Runs the program's code over the loaded registers.
    @usableFromInline func run(_ output: UnsafeMutablePointer<Double>) {
        let n = numbers
        let s = strings
        let pool = program.numberPool
        let stringPool = program.stringPool
        for instruction in program.code {
            let d = Int(instruction.dst)
            let a = Int(instruction.a)
            let b = Int(instruction.b)
            let c = Int(instruction.c)
            switch instruction.opcode {
            case .add: n[d] = n[a] + n[b]
            case .subtract: n[d] = n[a] - n[b]
            case .multiply: n[d] = n[a] * n[b]
            case .divide: n[d] = n[a] / n[b]
            case .remainder: n[d] = FeatureKernels.remainder(n[a], n[b])
            case .less: n[d] = FeatureKernels.truth(n[a] < n[b])
            case .lessOrEqual: n[d] = FeatureKernels.truth(n[a] <= n[b])
            case .greater: n[d] = FeatureKernels.truth(n[a] > n[b])
            case .greaterOrEqual: n[d] = FeatureKernels.truth(n[a] >= n[b])
            case .equal: n[d] = FeatureKernels.truth(n[a] == n[b])
            case .notEqual: n[d] = FeatureKernels.notEqual(n[a], n[b])
            case .and: n[d] = FeatureKernels.truth(FeatureKernels.isTrue(n[a]) && FeatureKernels.isTrue(n[b]))
            case .or: n[d] = FeatureKernels.truth(FeatureKernels.isTrue(n[a]) || FeatureKernels.isTrue(n[b]))
            case .minimum: n[d] = FeatureKernels.minimum(n[a], n[b])
            case .maximum: n[d] = FeatureKernels.maximum(n[a], n[b])
            case .power: n[d] = FeatureKernels.power(n[a], n[b])
            case .coalesce: n[d] = n[a].isNaN ? n[b] : n[a]
            case .negate: n[d] = -n[a]
            case .not: n[d] = FeatureKernels.truth(!FeatureKernels.isTrue(n[a]))
            case .isNull: n[d] = FeatureKernels.truth(n[a].isNaN)
            case .log: n[d] = FeatureKernels.naturalLog(n[a])
            case .log1p: n[d] = FeatureKernels.naturalLogOnePlus(n[a])
            case .exp: n[d] = FeatureKernels.exponential(n[a])
            case .sqrt: n[d] = FeatureKernels.squareRoot(n[a])
            case .abs: n[d] = FeatureKernels.absolute(n[a])
            case .clip: n[d] = FeatureKernels.clip(n[a], n[b], n[c])
            case .select: n[d] = FeatureKernels.isTrue(n[a]) ? n[b] : n[c]
            case .hourOfDay:
                n[d] = FeatureKernels.hourOfDay(local: FeatureKernels.localTime(n[a], zone: pool + b, count: c))
            case .dayOfWeek:
                n[d] = FeatureKernels.dayOfWeek(local: FeatureKernels.localTime(n[a], zone: pool + b, count: c))
            case .bucketize: n[d] = FeatureKernels.bucket(n[a], bounds: pool + b, count: c)
            case .containsNumber: n[d] = FeatureKernels.contains(n[a], values: pool + b, count: c)
            case .hashNumber:
                n[d] =
                    n[a].isNaN
                    ? .nan : FeatureKernels.bucket(hash: FeatureKernels.fnv1a(number: n[a]), buckets: pool[b])
            case .stringEqual: n[d] = FeatureKernels.truth(StringValue.bytesEqual(s[a], s[b]))
            case .stringNotEqual:
                n[d] = FeatureKernels.truth(!s[a].isNull && !s[b].isNull && !StringValue.bytesEqual(s[a], s[b]))
            case .stringIsNull: n[d] = FeatureKernels.truth(s[a].isNull)
            case .containsString: n[d] = FeatureKernels.contains(s[a], values: stringPool + b, count: c)
            case .hashString:
                n[d] =
                    s[a].isNull ? .nan : FeatureKernels.bucket(hash: FeatureKernels.fnv1a(s[a].bytes), buckets: pool[b])
            case .stringSelect: s[d] = FeatureKernels.isTrue(n[a]) ? s[b] : s[c]
            case .stringCoalesce: s[d] = s[a].isNull ? s[b] : s[a]
            case .output: output[d] = n[a]
            case .oneHotNumber:
                let x = n[a]
                for index in 0..<c { output[d + index] = FeatureKernels.truth(pool[b + index] == x) }
            case .oneHotString:
                let x = s[a]
                for index in 0..<c {
                    output[d + index] = FeatureKernels.truth(StringValue.bytesEqual(x, stringPool[b + index]))
                }
            }
        }
    }
}
