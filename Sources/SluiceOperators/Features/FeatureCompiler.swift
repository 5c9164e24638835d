import SluiceCore

/// A checked value during compilation: its type, and either its constant value or the register that
/// holds it at run time.
struct Operand {
    enum Value {
        /// A constant number, bool (1/0), timestamp, or null (NaN).
        case number(Double)
        /// A constant string; nil is null.
        case string([UInt8]?)
        /// A number register, or a string register when the type is string.
        case register(Int32)
    }

    var type: ExpressionType
    var value: Value
    /// The characters of the expression it came from.
    var range: Range<Int>

    var constantNumber: Double? {
        if case .number(let value) = value { value } else { nil }
    }

    var isConstant: Bool {
        if case .register = value { false } else { true }
    }

    /// The same value seen as `type` (a null becomes a null string when `type` is string).
    func typed(_ type: ExpressionType, range: Range<Int>) -> Operand {
        if type == .string, case .number = value { return Operand(type: type, value: .string(nil), range: range) }
        return Operand(type: type, value: value, range: range)
    }
}

/// Checks features one by one — names, types, argument counts and constants — folding constant
/// subexpressions and emitting code for the rest.
struct FeatureCompiler {
    enum FeatureState {
        case value(Operand)
        case oneHot(columns: [String])
        case failed
    }

    let symbols: ExpressionSymbolTable
    let definitions: [FeatureDefinition]
    var builder = FeatureProgramBuilder()
    var columnNames: [String] = []
    var features: [FeatureProgram.Feature] = []
    var diagnostics: [FeatureDiagnostic] = []

    /// The first definition of each validly named feature.
    private var positions: [String: Int] = [:]
    private var states: [String: FeatureState] = [:]
    /// Names of features each feature's expression mentions, for describing cycles.
    private var mentionedFeatures: [[String]] = []
    /// The expression being compiled, and its feature's index.
    var text: [Character] = []
    var current = 0

    init(definitions: [FeatureDefinition], symbols: ExpressionSymbolTable) {
        self.definitions = definitions
        self.symbols = symbols
    }

    /// Compiles every feature, collecting one diagnostic per feature that has problems.
    mutating func compile() {
        let texts = definitions.map { Array($0.expression) }
        var parsed: [Result<ExpressionSyntax, ExpressionProblem>] = []
        for text in texts {
            do throws(ExpressionProblem) {
                let syntax = try ExpressionParser.parse(text)
                parsed.append(.success(syntax))
            } catch {
                parsed.append(.failure(error))
            }
        }
        var names: [Bool] = []
        for (index, definition) in definitions.enumerated() {
            text = texts[index]
            current = index
            do {
                var isOneHot = false
                if case .success(let syntax) = parsed[index],
                    case .call(FeatureFunction.oneHot.rawValue, _, _) = syntax.kind
                {
                    isOneHot = true
                }
                try validateName(definition.name, isOneHot: isOneHot)
                positions[definition.name] = index
                names.append(true)
            } catch {
                record(error)
                names.append(false)
            }
        }
        mentionedFeatures = parsed.map { result in
            guard case .success(let syntax) = result else { return [] }
            var mentioned: [String] = []
            collectNames(syntax, into: &mentioned)
            return mentioned.filter { positions[$0] != nil && symbols.symbol(named: $0) == nil }
        }
        for (index, definition) in definitions.enumerated() where names[index] {
            text = texts[index]
            current = index
            do throws(ExpressionProblem) {
                try compileFeature(definition.name, try parsed[index].get())
            } catch {
                states[definition.name] = .failed
                record(error)
            }
        }
        builder.removeDeadCode()
    }

    private mutating func record(_ problem: ExpressionProblem) {
        guard !problem.isConsequence else { return }
        let definition = definitions[current]
        diagnostics.append(
            FeatureDiagnostic(
                problem.code, feature: definition.name, message: problem.message, suggestion: problem.suggestion,
                offset: problem.offset, expression: text, expressionLocation: definition.location))
    }

    private func collectNames(_ syntax: ExpressionSyntax, into names: inout [String]) {
        switch syntax.kind {
        case .name(let name): names.append(name)
        case .unary(_, let operand): collectNames(operand, into: &names)
        case .binary(_, let left, let right):
            collectNames(left, into: &names)
            collectNames(right, into: &names)
        case .call(_, _, let arguments): for argument in arguments { collectNames(argument, into: &names) }
        case .list(let items): for item in items { collectNames(item, into: &names) }
        case .number, .string, .bool, .null: break
        }
    }

    /// A one_hot feature may have the name of an input (`country: one_hot(country, […])`): it has no single
    /// value, so the name never refers to it.
    private mutating func validateName(_ name: String, isOneHot: Bool) throws(ExpressionProblem) {
        let characters = Array(name)
        let isIdentifier =
            !characters.isEmpty && (characters[0] == "_" || (characters[0].isASCII && characters[0].isLetter))
            && characters.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLetter || $0.isWholeNumber)) }
        guard isIdentifier else {
            throw ExpressionProblem(
                .invalidFeatureName, at: 0,
                "'\(name)' is not a valid feature name: it must start with a letter or '_' and contain only letters, digits and '_'"
            )
        }
        if ExpressionToken.Keyword(rawValue: name) != nil || name == "if" {
            throw ExpressionProblem(.invalidFeatureName, at: 0, "'\(name)' is a keyword and cannot name a feature")
        }
        if let earlier = positions[name] {
            throw ExpressionProblem(
                .invalidFeatureName, at: 0, "feature '\(name)' is already defined (feature \(earlier + 1))")
        }
        if !isOneHot, let symbol = symbols.symbol(named: name) {
            throw ExpressionProblem(
                .invalidFeatureName, at: 0,
                "feature '\(name)' has the name of \(Self.describe(symbol.source)) '\(name)'",
                suggestion: "give the feature another name")
        }
    }

    static func describe(_ source: ExpressionSource) -> String {
        switch source {
        case .event: "the event field"
        case .window: "the window aggregate"
        case .lookup: "the lookup field"
        }
    }

    private mutating func compileFeature(_ name: String, _ syntax: ExpressionSyntax) throws(ExpressionProblem) {
        if case .call(FeatureFunction.oneHot.rawValue, let nameRange, let arguments) = syntax.kind {
            let columns = try oneHot(feature: name, arguments: arguments, nameRange: nameRange, range: syntax.range)
            states[name] = .oneHot(columns: columns)
            features.append(
                FeatureProgram.Feature(
                    name: name, type: .number, columns: columnNames.count..<columnNames.count + columns.count,
                    isOneHot: true))
            columnNames += columns
            return
        }
        let operand = try check(syntax)
        if operand.type == .string {
            let shown = quote(operand.range)
            throw ExpressionProblem(
                .stringResult, at: syntax.range.lowerBound,
                "feature '\(name)' is a string (\(shown)), but a feature vector holds only numbers",
                suggestion:
                    "encode it with one_hot(x, [\"a\", \"b\"]) or hash_bucket(x, 1000), or compare it, as in x == \"a\""
            )
        }
        let column = columnNames.count
        builder.emitOutput(.output, column: column, numberRegister(operand))
        states[name] = .value(operand)
        features.append(
            FeatureProgram.Feature(name: name, type: operand.type, columns: column..<column + 1, isOneHot: false))
        columnNames.append(name)
    }

    // MARK: Names

    /// The value of a name: an input, or an earlier feature.
    mutating func resolve(_ name: String, range: Range<Int>) throws(ExpressionProblem) -> Operand {
        if let symbol = symbols.symbol(named: name) {
            return Operand(type: symbol.type, value: .register(builder.load(symbol, name: name)), range: range)
        }
        if let position = positions[name] {
            if position == current {
                throw ExpressionProblem(
                    .forwardReference, at: range.lowerBound, "feature '\(name)' uses itself")
            }
            if position > current {
                let user = definitions[current].name
                var message =
                    "'\(name)' is a feature defined after '\(user)'; a feature may only use features defined before it"
                var suggestion: String? = "move '\(name)' above '\(user)'"
                if let cycle = cycle(from: position, to: current) {
                    message += " (they form a cycle: \(([user] + cycle).joined(separator: " → ")))"
                    suggestion = nil
                }
                throw ExpressionProblem(.forwardReference, at: range.lowerBound, message, suggestion: suggestion)
            }
            switch states[name] {
            case .value(let operand):
                return Operand(type: operand.type, value: operand.value, range: range)
            case .oneHot(let columns):
                throw ExpressionProblem(
                    .typeMismatch, at: range.lowerBound,
                    "'\(name)' is a one_hot feature (columns \(columns.joined(separator: ", "))) and has no single value",
                    suggestion: "compare the encoded value itself, as in x == \"a\"")
            case .failed, nil:
                throw ExpressionProblem.consequence(at: range.lowerBound)
            }
        }
        if let function = FeatureFunction(rawValue: name) {
            throw ExpressionProblem(
                .syntax, at: range.lowerBound, "'\(name)' is a function",
                suggestion: "call it, as in \(function.signature)")
        }
        let known = symbols.names + definitions.prefix(current).map(\.name).filter { positions[$0] != nil }
        let closest = NameSuggestion.closest(to: name, among: known)
        throw ExpressionProblem(
            .unknownName, at: range.lowerBound,
            "unknown name '\(name)': it is not an event field, window aggregate, lookup field or earlier feature",
            suggestion: closest.map { "did you mean '\($0)'?" })
    }

    /// Feature names on a path of mentions from feature `start` back to feature `target`, if any.
    private func cycle(from start: Int, to target: Int) -> [String]? {
        var visited = Set<Int>()
        func search(_ index: Int) -> [String]? {
            guard visited.insert(index).inserted else { return nil }
            for name in mentionedFeatures[index] {
                guard let next = positions[name] else { continue }
                if next == target { return [definitions[index].name, definitions[target].name] }
                if let path = search(next) { return [definitions[index].name] + path }
            }
            return nil
        }
        return search(start)
    }

    // MARK: Registers

    /// The number register holding `operand`, materializing constants.
    mutating func numberRegister(_ operand: Operand) -> Int32 {
        switch operand.value {
        case .number(let value): return builder.constant(value)
        case .register(let register):
            precondition(operand.type != .string, "a string register used as a number register")
            return register
        case .string: preconditionFailure("a string operand in a number register")
        }
    }

    /// The string register holding `operand`, materializing constants (a null constant is a null string).
    /// Values of type null are always constants, so a register here is always a string register.
    mutating func stringRegister(_ operand: Operand) -> Int32 {
        switch operand.value {
        case .string(let bytes): return builder.stringConstant(bytes)
        case .number(let value):
            precondition(value.isNaN, "a number used as a string")
            return builder.stringConstant(nil)
        case .register(let register):
            precondition(operand.type == .string, "a number register used as a string register")
            return register
        }
    }

    // MARK: Messages

    /// The source text of `range`, quoted for a message (string literals keep their own quotes).
    func quote(_ range: Range<Int>) -> String {
        var slice = String(text[range])
        if slice.count > 40 { slice = String(slice.prefix(37)) + "…" }
        if slice.count >= 2, slice.first == "\"", slice.last == "\"" { return slice }
        return "'\(slice)'"
    }

    /// `'amount' is a number`.
    func describe(_ operand: Operand) -> String {
        "\(quote(operand.range)) is \(operand.type.phrase)"
    }
}
