public import SluiceCore

/// Where an input of a feature expression is read from at run time.
///
/// The compiler does not look inside a source: it hands the symbol back to ``ExpressionInputs`` for every
/// event, and the caller decides what its `slot` indexes.
public enum ExpressionSource: UInt8, Sendable, Hashable, CaseIterable {
    /// A schema field of the event (`amount`); slot = the field's index in `EventFields`.
    case event
    /// A window aggregate (`card_10m.total`); slot = the output index in `WindowEngine.outputValues`.
    case window
    /// A field of a lookup table joined to the event (`merchant.risk_tier`); slot defined by the caller.
    case lookup
}

/// One name an expression can use: where its value comes from and its type.
public struct ExpressionSymbol: Sendable, Hashable {
    /// Where the value is read from.
    public var source: ExpressionSource
    /// Its index within the source.
    public var slot: Int
    /// Its type. `null` is not a valid input type.
    public var type: ExpressionType

    /// A symbol read from `slot` of `source`, of type `type`.
    public init(source: ExpressionSource, slot: Int, type: ExpressionType) {
        precondition(type != .null, "an input cannot have type null")
        self.source = source
        self.slot = slot
        self.type = type
    }
}

/// The names feature expressions can use, other than earlier features (which the compiler resolves
/// itself): event fields, window aggregates and lookup fields, each with its source, slot and type.
///
/// Built once when a topology loads; used only while compiling.
public struct ExpressionSymbolTable: Sendable {
    /// The symbols by name.
    public private(set) var symbols: [String: ExpressionSymbol] = [:]

    /// An empty table.
    public init() {}

    /// A table with every schema field (source `event`, slot = field index; `int` and `double` are numbers)
    /// and every window output (source `window`, slot = index in `outputNames`, type number).
    public init(schema: [FieldSpecification], windowOutputs: [String] = []) {
        for (index, field) in schema.enumerated() {
            let type: ExpressionType =
                switch field.type {
                case .string: .string
                case .int, .double: .number
                case .bool: .bool
                case .timestamp: .timestamp
                }
            declare(field.name, source: .event, slot: index, type: type)
        }
        for (index, name) in windowOutputs.enumerated() {
            declare(name, source: .window, slot: index, type: .number)
        }
    }

    /// Declares `name` (a plain or dotted name such as `card_10m.total`), replacing an earlier
    /// declaration of the same name.
    public mutating func declare(_ name: String, source: ExpressionSource, slot: Int, type: ExpressionType) {
        symbols[name] = ExpressionSymbol(source: source, slot: slot, type: type)
    }

    /// The symbol called `name`, if there is one.
    public func symbol(named name: String) -> ExpressionSymbol? { symbols[name] }

    /// Every declared name, sorted.
    public var names: [String] { symbols.keys.sorted() }
}
