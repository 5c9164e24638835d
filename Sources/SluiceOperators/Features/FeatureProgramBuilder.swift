/// Collects a program while features are checked: registers, constants, input loads, instructions
/// (numbered by value, so that a repeated subexpression is computed once) and the constant pools.
struct FeatureProgramBuilder {
    private(set) var numberRegisterCount: Int32 = 0
    private(set) var stringRegisterCount: Int32 = 0
    private(set) var numberConstants: [(register: Int32, value: Double)] = []
    private(set) var stringConstants: [(register: Int32, value: [UInt8]?)] = []
    private(set) var numberLoads: [(register: Int32, symbol: ExpressionSymbol, name: String)] = []
    private(set) var stringLoads: [(register: Int32, symbol: ExpressionSymbol, name: String)] = []
    private(set) var code: [FeatureInstruction] = []
    /// Numbers read by instructions: lists, bucket bounds, bucket counts, time zone tables.
    private(set) var numberPool: [Double] = []
    /// Strings read by instructions: lists.
    private(set) var stringPool: [[UInt8]] = []

    private var numberConstantRegisters: [UInt64: Int32] = [:]
    private var stringConstantRegisters: [[UInt8]?: Int32] = [:]
    private var loadRegisters: [ExpressionSymbol: Int32] = [:]
    private var valueNumbers: [FeatureInstruction: Int32] = [:]
    private var numberPoolOffsets: [[UInt64]: Int32] = [:]
    private var stringPoolOffsets: [[[UInt8]]: Int32] = [:]

    private mutating func newRegister(_ role: FeatureInstruction.Role) -> Int32 {
        if role == .string {
            defer { stringRegisterCount += 1 }
            return stringRegisterCount
        }
        defer { numberRegisterCount += 1 }
        return numberRegisterCount
    }

    /// The register holding the constant `value` (one per distinct bit pattern).
    mutating func constant(_ value: Double) -> Int32 {
        if let register = numberConstantRegisters[value.bitPattern] { return register }
        let register = newRegister(.number)
        numberConstantRegisters[value.bitPattern] = register
        numberConstants.append((register, value))
        return register
    }

    /// The string register holding the constant `value` (nil: null).
    mutating func stringConstant(_ value: [UInt8]?) -> Int32 {
        if let register = stringConstantRegisters[value] { return register }
        let register = newRegister(.string)
        stringConstantRegisters[value] = register
        stringConstants.append((register, value))
        return register
    }

    /// The register an input is loaded into before each run; a string register for string symbols.
    mutating func load(_ symbol: ExpressionSymbol, name: String) -> Int32 {
        if let register = loadRegisters[symbol] { return register }
        if symbol.type == .string {
            let register = newRegister(.string)
            stringLoads.append((register, symbol, name))
            loadRegisters[symbol] = register
            return register
        }
        let register = newRegister(.number)
        numberLoads.append((register, symbol, name))
        loadRegisters[symbol] = register
        return register
    }

    /// Appends a computing instruction and returns the register it writes, or the register of an equal
    /// earlier instruction.
    mutating func emit(
        _ opcode: FeatureInstruction.Opcode, _ a: Int32, _ b: Int32 = 0, _ c: Int32 = 0
    ) -> Int32 {
        let key = FeatureInstruction(opcode, a: a, b: b, c: c)
        if let register = valueNumbers[key] { return register }
        let register = newRegister(key.roles.dst)
        var instruction = key
        instruction.dst = register
        code.append(instruction)
        valueNumbers[key] = register
        return register
    }

    /// Appends an instruction that writes output columns from `column` on.
    mutating func emitOutput(
        _ opcode: FeatureInstruction.Opcode, column: Int, _ a: Int32, _ b: Int32 = 0, _ c: Int32 = 0
    ) {
        code.append(FeatureInstruction(opcode, dst: Int32(column), a: a, b: b, c: c))
    }

    /// The offset of `values` in the number pool (shared with an equal earlier list).
    mutating func pool(_ values: [Double]) -> Int32 {
        let key = values.map(\.bitPattern)
        if let offset = numberPoolOffsets[key] { return offset }
        let offset = Int32(numberPool.count)
        numberPool.append(contentsOf: values)
        numberPoolOffsets[key] = offset
        return offset
    }

    /// The offset of `values` in the string pool (shared with an equal earlier list).
    mutating func pool(_ values: [[UInt8]]) -> Int32 {
        if let offset = stringPoolOffsets[values] { return offset }
        let offset = Int32(stringPool.count)
        stringPool.append(contentsOf: values)
        stringPoolOffsets[values] = offset
        return offset
    }

    /// Removes instructions and loads whose results no output depends on. Registers keep their numbers.
    mutating func removeDeadCode() {
        var liveNumbers = Set<Int32>()
        var liveStrings = Set<Int32>()
        var kept: [FeatureInstruction] = []
        for instruction in code.reversed() {
            let roles = instruction.roles
            let isLive =
                instruction.isOutput
                || (roles.dst == .number
                    ? liveNumbers.contains(instruction.dst) : liveStrings.contains(instruction.dst))
            guard isLive else { continue }
            kept.append(instruction)
            for (role, register) in [(roles.a, instruction.a), (roles.b, instruction.b), (roles.c, instruction.c)] {
                if role == .number { liveNumbers.insert(register) }
                if role == .string { liveStrings.insert(register) }
            }
        }
        code = kept.reversed()
        numberLoads.removeAll { !liveNumbers.contains($0.register) }
        stringLoads.removeAll { !liveStrings.contains($0.register) }
    }
}
