/// One step of a compiled feature program.
///
/// Programs are straight-line code over two register files — Doubles, and borrowed strings — in static
/// single assignment form: every instruction writes a fresh register, so there are no jumps (`if` is a
/// select), and dead code and repeated subexpressions are removed at compile time. Operands are
/// register numbers, pool offsets, counts or output columns, as each opcode says.
struct FeatureInstruction: Hashable {
    enum Opcode: UInt8 {
        // number ← number (op) number: dst, a, b
        case add, subtract, multiply, divide, remainder
        case less, lessOrEqual, greater, greaterOrEqual, equal, notEqual
        case and, or, minimum, maximum, power, coalesce
        // number ← op number: dst, a
        case negate, not, isNull, log, log1p, exp, sqrt, abs
        // number ← clip(a, b, c); select: a ? b : c
        case clip, select
        // number ← f(a, zone at number pool b with c transitions)
        case hourOfDay, dayOfWeek
        // number ← f(a, number pool b ..< b + c)
        case bucketize, containsNumber
        // number ← hash(a) mod number pool[b]
        case hashNumber
        // number ← string (op) string: dst, a, b
        case stringEqual, stringNotEqual
        // number ← f(string a)
        case stringIsNull
        // number ← string a in string pool b ..< b + c
        case containsString
        // number ← hash(string a) mod number pool[b]
        case hashString
        // string ← select(number a, string b, string c); coalesce(string a, string b)
        case stringSelect, stringCoalesce
        // output[dst] ← number a
        case output
        // output[dst + i] ← (a == pool[b + i]) for i < c
        case oneHotNumber, oneHotString
    }

    /// What an operand or result of an opcode is.
    enum Role {
        case none
        case number
        case string
        /// A pool offset, count or column: not a register.
        case immediate
    }

    var opcode: Opcode
    var dst: Int32
    var a: Int32
    var b: Int32
    var c: Int32

    init(_ opcode: Opcode, dst: Int32 = 0, a: Int32 = 0, b: Int32 = 0, c: Int32 = 0) {
        self.opcode = opcode
        self.dst = dst
        self.a = a
        self.b = b
        self.c = c
    }

    /// The roles of `dst`, `a`, `b` and `c`. `dst` is `.immediate` for the instructions that write output
    /// columns, which are the program's only effects.
    var roles: (dst: Role, a: Role, b: Role, c: Role) {
        switch opcode {
        case .add, .subtract, .multiply, .divide, .remainder, .less, .lessOrEqual, .greater, .greaterOrEqual,
            .equal, .notEqual, .and, .or, .minimum, .maximum, .power, .coalesce:
            (.number, .number, .number, .none)
        case .negate, .not, .isNull, .log, .log1p, .exp, .sqrt, .abs:
            (.number, .number, .none, .none)
        case .clip, .select:
            (.number, .number, .number, .number)
        case .hourOfDay, .dayOfWeek, .bucketize, .containsNumber, .hashNumber:
            (.number, .number, .immediate, .immediate)
        case .stringEqual, .stringNotEqual:
            (.number, .string, .string, .none)
        case .stringIsNull:
            (.number, .string, .none, .none)
        case .containsString, .hashString:
            (.number, .string, .immediate, .immediate)
        case .stringSelect:
            (.string, .number, .string, .string)
        case .stringCoalesce:
            (.string, .string, .string, .none)
        case .output:
            (.immediate, .number, .none, .none)
        case .oneHotNumber:
            (.immediate, .number, .immediate, .immediate)
        case .oneHotString:
            (.immediate, .string, .immediate, .immediate)
        }
    }

    /// Whether the instruction writes output columns rather than a register.
    var isOutput: Bool { opcode == .output || opcode == .oneHotNumber || opcode == .oneHotString }
}
