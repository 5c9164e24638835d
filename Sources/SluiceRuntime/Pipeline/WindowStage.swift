import SluiceCore
import SluiceOperators

/// The windows of one partition: feeds each valid event's fields to the window engine, reports the windows
/// an event was late for, and encodes closed windows and changelog records.
final class WindowStage {
    let engine: WindowEngine
    private var event: WindowEvent
    private let plan: WindowPlan
    private var keyDigits = [UInt8](repeating: 0, count: 24)

    /// Evaluates the `count_if` conditions; nil without any.
    private let predicates: FeatureEvaluator?

    init(plan: WindowPlan) throws {
        self.plan = plan
        engine = try WindowEngine(configuration: plan.configuration)
        event = engine.makeEvent()
        predicates = plan.predicates?.makeEvaluator()
    }

    /// Processes the event in `fields`; returns the windows it was late for.
    func process(_ fields: EventFields) -> WindowProcessResult {
        event.eventTime = fields.eventTime
        for (input, field) in plan.valueFields.enumerated() { event.values[input] = fields.number(field) }
        for (input, field) in plan.hashFields.enumerated() {
            event.hashes[input] =
                plan.fieldTypes[field] == .string
                ? WindowInputHash.hash(fields.stringBytes(field)) : WindowInputHash.hash(fields.number(field))
        }
        if let predicates {
            predicates.evaluate(EventExpressionInputs(fields: fields))
            // A condition that is null (a missing input) does not count.
            for (index, value) in predicates.values.enumerated() { event.predicates[index] = value == 1 }
        }
        for (keyspace, field) in plan.keyFields.enumerated() {
            if plan.fieldTypes[field] == .string {
                event.setKey(fields.stringBytes(field), keyspace: keyspace)
            } else {
                setDecimalKey(fields.integer(field), keyspace: keyspace)
            }
        }
        return engine.process(event)
    }

    private func setDecimalKey(_ value: Int64, keyspace: Int) {
        var magnitude = value.magnitude
        var start = keyDigits.count
        repeat {
            start -= 1
            keyDigits[start] = UInt8(ascii: "0") + UInt8(magnitude % 10)
            magnitude /= 10
        } while magnitude > 0
        if value < 0 {
            start -= 1
            keyDigits[start] = UInt8(ascii: "-")
        }
        keyDigits.withUnsafeBytes { event.setKey(UnsafeRawBufferPointer(rebasing: $0[start...]), keyspace: keyspace) }
    }

    /// Writes each window the engine closed (and that emits on close) as a JSON record to `sink`.
    func emitClosedWindows(to sink: Int, writer: inout JSONWriter, emitter: any OutputEmitter) throws {
        for closed in engine.closedWindows {
            let window = plan.configuration.windows[closed.window]
            writer.reset()
            writer.beginObject()
            writer.key("window")
            writer.string(window.name)
            writer.key("key")
            closed.key.withUnsafeBytes { writer.string(utf8: $0) }
            writer.key("start")
            writer.int64(closed.start)
            writer.key("end")
            writer.int64(closed.end)
            writer.key("aggregates")
            writer.beginObject()
            for (aggregate, value) in zip(window.aggregates, closed.values) {
                writer.key(aggregate.name)
                writer.double(value)
            }
            writer.endObject()
            writer.endObject()
            try closed.key.withUnsafeBytes { key in
                try writer.withBytes { try emitter.emit(to: sink, key: key, value: $0) }
            }
        }
    }
}

/// Everything about a topology's windows that is the same for every partition.
struct WindowPlan: Sendable {
    let configuration: WindowEngineConfiguration
    let specifications: [WindowSpecification]
    /// Schema field index of each engine value input, hash input and keyspace, in engine order.
    let valueFields: [Int]
    let hashFields: [Int]
    let keyFields: [Int]
    let fieldTypes: [FieldType]
    /// Output names (`window.aggregate`) in engine output order.
    let outputNames: [String]

    init(topology: Topology) throws {
        let fields = topology.source.fields
        func fieldIndex(_ name: String) throws -> Int {
            guard let index = fields.firstIndex(where: { $0.name == name }) else {
                throw TopologyError([
                    TopologyDiagnostic(
                        FileLocation(file: topology.file, line: 1, column: 1),
                        "'\(name)' is not a schema field")
                ])
            }
            return index
        }
        let definitions = try topology.windows.map { window in
            WindowDefinition(
                name: window.name, key: window.keyField, kind: window.kind.engineKind,
                allowedLateness: window.allowedLateness,
                aggregates: try window.aggregates.map { try Aggregate($0.name, $0.function.engineFunction(window)) },
                emitsOnClose: window.emitsOnClose, maxEventsPerKey: window.maxEventsPerKey)
        }
        let configuration = WindowEngineConfiguration(
            windows: definitions, maxKeys: topology.state.maxKeys, idleTimeout: topology.state.idleTimeout,
            recordsChanges: true)
        // A throwaway engine tells the order of its inputs and outputs.
        let probe = try WindowEngine(configuration: configuration)
        self.configuration = configuration
        specifications = topology.windows
        valueFields = try probe.valueNames.map(fieldIndex)
        hashFields = try probe.hashNames.map(fieldIndex)
        keyFields = try probe.keyspaceNames.map(fieldIndex)
        fieldTypes = fields.map(\.type)
        outputNames = probe.outputNames
        predicates = try Self.compilePredicates(topology, names: probe.predicateNames)
    }

    /// The `count_if` conditions, compiled together over the schema fields: one bool column per engine predicate
    /// input, in engine order. Nil when no window counts conditionally.
    let predicates: FeatureProgram?

    private static func compilePredicates(_ topology: Topology, names: [String]) throws -> FeatureProgram? {
        guard !names.isEmpty else { return nil }
        // Engine predicate names are `window:expression`; each gets the location of its aggregate.
        var locations: [String: FileLocation] = [:]
        for window in topology.windows {
            for aggregate in window.aggregates {
                if case .countIf(let expression, _) = aggregate.function {
                    locations["\(window.name):\(expression)"] = aggregate.location
                }
            }
        }
        let definitions = names.enumerated().map { index, name in
            FeatureDefinition("count_if_\(index)", String(name.drop { $0 != ":" }.dropFirst()))
        }
        let fallback = FileLocation(file: topology.file, line: 1, column: 1)
        let program: FeatureProgram
        do {
            program = try FeatureProgram(
                features: definitions, symbols: ExpressionSymbolTable(schema: topology.source.fields))
        } catch {
            throw TopologyError(
                error.diagnostics.map { diagnostic in
                    let index = definitions.firstIndex { $0.name == diagnostic.feature } ?? 0
                    let location = locations[names[index]] ?? fallback
                    var text = "count_if(\(definitions[index].expression)): \(diagnostic.message)"
                    text += " (at character \(diagnostic.offset + 1) of the condition)"
                    return TopologyDiagnostic(location, text, suggestion: diagnostic.suggestion)
                })
        }
        let notConditions = program.features.enumerated().filter {
            $0.element.type != .bool && $0.element.type != .null
        }
        guard notConditions.isEmpty else {
            throw TopologyError(
                notConditions.map { index, feature in
                    TopologyDiagnostic(
                        locations[names[index]] ?? fallback,
                        "count_if(\(definitions[index].expression)) "
                            + "needs a condition (true or false), but the expression is a \(feature.type)",
                        suggestion: "compare it, for example count_if(\(definitions[index].expression) > 0)")
                })
        }
        return program
    }
}

extension WindowKind {
    var engineKind: WindowDefinition.Kind {
        switch self {
        case .tumbling(let size): .tumbling(size: size)
        case .hopping(let size, let advance): .hopping(size: size, advance: advance)
        case .sliding(let size): .sliding(size: size)
        case .session(let gap): .session(gap: gap)
        }
    }
}

extension AggregateFunction {
    /// The engine's function; inputs are named after the schema field they read.
    func engineFunction(_ window: WindowSpecification) throws -> Aggregate.Function {
        switch self {
        case .count: .count
        case .countValues(let field): .countValues(input: field)
        case .sum(let field): .sum(input: field)
        case .mean(let field): .mean(input: field)
        case .min(let field): .min(input: field)
        case .max(let field): .max(input: field)
        case .variance(let field, let population): .variance(input: field, kind: population ? .population : .sample)
        case .standardDeviation(let field, let population):
            .standardDeviation(input: field, kind: population ? .population : .sample)
        case .first(let field): .first(input: field)
        case .last(let field): .last(input: field)
        case .countIf(let expression, _): .countIf(predicate: "\(window.name):\(expression)")
        case .distinctCount(let field): .distinctCount(hash: field)
        case .quantile(let field, let q): .quantile(input: field, q: q)
        }
    }
}
