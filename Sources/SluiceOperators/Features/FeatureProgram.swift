/// An input the evaluator reads before each run: which symbol, into which register.
@usableFromInline struct InputLoad {
    @usableFromInline let symbol: ExpressionSymbol
    @usableFromInline let register: Int

    init(symbol: ExpressionSymbol, register: Int) {
        self.symbol = symbol
        self.register = register
    }
}

/// The features of a topology, parsed, type-checked and compiled together into one program that
/// computes the whole feature vector of an event.
///
/// Compile once when the topology loads; the program is immutable and shared. Each lane makes its own
/// ``FeatureEvaluator`` with ``makeEvaluator()`` and calls it for every event. See `docs/features.md`.
///
/// `@unchecked Sendable`: the buffers it owns are written only in `init` and read-only afterwards.
public final class FeatureProgram: @unchecked Sendable {
    /// One compiled feature and the columns of the feature vector it fills.
    public struct Feature: Sendable, Hashable {
        /// The feature's name.
        public var name: String
        /// The type of its expression, before it becomes a number in the vector (bool → 1/0, null → NaN).
        /// `number` for one_hot features.
        public var type: ExpressionType
        /// Its columns in the feature vector: one, or one per category for one_hot.
        public var columns: Range<Int>
        /// Whether the feature is a one_hot expansion.
        public var isOneHot: Bool
    }

    /// The features, in declaration order.
    public let features: [Feature]
    /// The name of every column of the feature vector, in order: the feature's name, or for one_hot
    /// features `name=category` per category, in place.
    public let columnNames: [String]
    /// The input names the program reads per event (after dead code is removed), sorted.
    public let inputNames: [String]

    @usableFromInline let numberLoads: UnsafeMutableBufferPointer<InputLoad>
    @usableFromInline let stringLoads: UnsafeMutableBufferPointer<InputLoad>
    let code: UnsafeMutableBufferPointer<FeatureInstruction>
    let numberPool: UnsafeMutablePointer<Double>
    let stringPool: UnsafeMutablePointer<StringValue>
    /// Every string literal's bytes; `stringPool` and `stringConstants` point into it.
    private let stringBytes: UnsafeMutableRawPointer
    let numberRegisterCount: Int
    let stringRegisterCount: Int
    let numberConstants: [(register: Int, value: Double)]
    let stringConstants: [(register: Int, value: StringValue)]

    /// Compiles `features` over the inputs in `symbols`. Every feature is checked; the error lists one
    /// diagnostic per feature that has a problem.
    public init(features definitions: [FeatureDefinition], symbols: ExpressionSymbolTable) throws(FeatureError) {
        var compiler = FeatureCompiler(definitions: definitions, symbols: symbols)
        compiler.compile()
        guard compiler.diagnostics.isEmpty else { throw FeatureError(compiler.diagnostics) }
        let builder = compiler.builder
        features = compiler.features
        columnNames = compiler.columnNames
        inputNames = (builder.numberLoads.map(\.name) + builder.stringLoads.map(\.name)).sorted()

        numberLoads = .allocate(capacity: builder.numberLoads.count)
        _ = numberLoads.initialize(
            from: builder.numberLoads.map { InputLoad(symbol: $0.symbol, register: Int($0.register)) })
        stringLoads = .allocate(capacity: builder.stringLoads.count)
        _ = stringLoads.initialize(
            from: builder.stringLoads.map { InputLoad(symbol: $0.symbol, register: Int($0.register)) })
        code = .allocate(capacity: builder.code.count)
        _ = code.initialize(from: builder.code)
        numberPool = .allocate(capacity: max(builder.numberPool.count, 1))
        numberPool.initialize(repeating: .nan, count: max(builder.numberPool.count, 1))
        for (index, value) in builder.numberPool.enumerated() { numberPool[index] = value }

        let literals = builder.stringPool + builder.stringConstants.compactMap(\.value)
        let byteCount = literals.reduce(0) { $0 + $1.count }
        stringBytes = .allocate(byteCount: max(byteCount, 1), alignment: 8)
        var offset = 0
        var literalValues: [StringValue] = []
        for literal in literals {
            let start = stringBytes + offset
            literal.withUnsafeBytes {
                start.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(start), byteCount: $0.count)
            }
            literalValues.append(StringValue(start: UnsafeRawPointer(start), count: literal.count))
            offset += literal.count
        }
        stringPool = .allocate(capacity: max(builder.stringPool.count, 1))
        stringPool.initialize(repeating: .null, count: max(builder.stringPool.count, 1))
        for index in builder.stringPool.indices { stringPool[index] = literalValues[index] }
        var nextLiteral = builder.stringPool.count
        stringConstants = builder.stringConstants.map { constant in
            guard constant.value != nil else { return (Int(constant.register), StringValue.null) }
            defer { nextLiteral += 1 }
            return (Int(constant.register), literalValues[nextLiteral])
        }
        numberConstants = builder.numberConstants.map { (Int($0.register), $0.value) }
        numberRegisterCount = Int(builder.numberRegisterCount)
        stringRegisterCount = Int(builder.stringRegisterCount)
    }

    deinit {
        numberLoads.deallocate()
        stringLoads.deallocate()
        code.deallocate()
        numberPool.deallocate()
        stringPool.deallocate()
        stringBytes.deallocate()
    }

    /// The number of columns of the feature vector.
    public var columnCount: Int { columnNames.count }

    /// The number of instructions run per event (a measure of the program's cost).
    public var instructionCount: Int { code.count }

    /// The column called `name` (a feature name, or `feature=category` for one_hot columns).
    public func columnIndex(named name: String) -> Int? { columnNames.firstIndex(of: name) }

    /// A new evaluator with its own registers and feature vector, for one lane.
    public func makeEvaluator() -> FeatureEvaluator { FeatureEvaluator(program: self) }
}
