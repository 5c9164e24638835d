public import SluiceCore

/// The values of one event that a compiled feature program reads: implemented by the caller over the
/// event, the window outputs and any lookup rows.
///
/// ``FeatureEvaluator/evaluate(_:)`` calls these once per input the program uses (each input once per event,
/// however many features use it), before computing anything. The evaluator is generic over the
/// conformance and inlinable, so a concrete conformance is specialized at the call site.
public protocol ExpressionInputs {
    /// The value of a number, bool or timestamp symbol: numbers as they are, bools as 1 or 0, timestamps in
    /// epoch milliseconds; NaN when the value is missing.
    func number(_ symbol: ExpressionSymbol) -> Double
    /// The UTF-8 bytes of a string symbol, borrowed until `evaluate` returns; nil when the value is missing.
    func string(_ symbol: ExpressionSymbol) -> UnsafeRawBufferPointer?
}

/// Inputs read from a lane's `EventFields` (source `event`) and a window engine's outputs (source
/// `window`), with the slots that ``ExpressionSymbolTable/init(schema:windowOutputs:)`` assigns.
///
/// It has no lookup rows: a `lookup` symbol reads as missing (null). A lane with lookup tables writes
/// its own conformance.
public struct EventExpressionInputs: ExpressionInputs {
    /// The event being processed.
    public var fields: EventFields
    /// `WindowEngine.outputValues` after the engine processed the event; empty without windows. A slot
    /// beyond it reads as missing (null).
    public var windowOutputs: UnsafeBufferPointer<Double>

    /// Inputs over `fields` and `windowOutputs`.
    public init(
        fields: EventFields, windowOutputs: UnsafeBufferPointer<Double> = UnsafeBufferPointer(start: nil, count: 0)
    ) {
        self.fields = fields
        self.windowOutputs = windowOutputs
    }

    @inlinable public func number(_ symbol: ExpressionSymbol) -> Double {
        switch symbol.source {
        case .event: fields.number(symbol.slot)
        case .window: symbol.slot < windowOutputs.count ? windowOutputs[symbol.slot] : .nan
        case .lookup: .nan
        }
    }

    @inlinable public func string(_ symbol: ExpressionSymbol) -> UnsafeRawBufferPointer? {
        guard symbol.source == .event, fields.isPresent(symbol.slot) else { return nil }
        return fields.stringBytes(symbol.slot)
    }
}
