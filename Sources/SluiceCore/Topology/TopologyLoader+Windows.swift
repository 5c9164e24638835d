extension TopologyLoader {
    static func readWindows(_ node: TopologyNode, fields: [FieldSpecification]?, reader: TopologyReader)
        -> [WindowSpecification]
    {
        guard let entries = reader.namedEntries(node, what: "window names to window definitions") else { return [] }
        var windows: [WindowSpecification] = []
        for (name, child, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "window name '\(name)' must start with a letter or '_' and contain only "
                        + "letters, digits and '_'")
                continue
            }
            if let window = readWindow(name: name, child, fields: fields, reader: reader) { windows.append(window) }
        }
        return windows
    }

    private static func readWindow(
        name: String, _ node: TopologyNode, fields: [FieldSpecification]?,
        reader: TopologyReader
    ) -> WindowSpecification? {
        let shapes = ["tumbling", "hopping", "sliding", "session"]
        let known =
            ["key", "allowed_lateness", "late_events", "emit_on_close", "max_events_per_key", "aggregates"]
            + shapes
        guard
            let entries = reader.mapping(node, known: known, required: ["key", "aggregates"], what: "window settings")
        else { return nil }
        var window = WindowSpecification(
            name: name, keyField: "", kind: .tumbling(size: 1), allowedLateness: 0, lateEvents: .deadLetter,
            emitsOnClose: false, maxEventsPerKey: 4096, aggregates: [], location: node.location)
        var kind: WindowKind?
        var shapeCount = 0
        var aggregatesNode: TopologyNode?
        var valid = true
        for (key, child) in entries {
            switch key {
            case "key":
                guard let field = reader.string(child) else { valid = false; continue }
                window.keyField = field
                if let fields, !fields.contains(where: { $0.name == field }) {
                    reader.report(
                        child, "window '\(name)' is keyed by '\(field)', which is not a schema field",
                        suggestion: NameSuggestion.closest(to: field, among: fields.map(\.name))
                            .map { "did you mean '\($0)'?" })
                    valid = false
                } else if let spec = fields?.first(where: { $0.name == field }), !spec.isRequired {
                    reader.report(
                        child,
                        "window '\(name)' is keyed by '\(field)', which must be 'required: true' "
                            + "(an event without it would have no key)")
                    valid = false
                }
            case "tumbling":
                shapeCount += 1
                if let size = reader.duration(child) { kind = .tumbling(size: size) } else { valid = false }
            case "sliding":
                shapeCount += 1
                if let size = reader.duration(child) { kind = .sliding(size: size) } else { valid = false }
            case "session":
                shapeCount += 1
                if let gap = reader.duration(child) { kind = .session(gap: gap) } else { valid = false }
            case "hopping":
                shapeCount += 1
                guard let settings = reader.mapping(child, known: ["size", "advance"], required: ["size", "advance"])
                else { valid = false; continue }
                var size: Int64?
                var advance: Int64?
                for (setting, value) in settings {
                    if setting == "size" { size = reader.duration(value) } else { advance = reader.duration(value) }
                }
                guard let size, let advance else { valid = false; continue }
                if advance > size || size % advance != 0 {
                    reader.report(
                        child,
                        "hopping window '\(name)': size (\(size) ms) must be a multiple of advance "
                            + "(\(advance) ms)")
                    valid = false
                }
                kind = .hopping(size: size, advance: advance)
            case "allowed_lateness":
                if case .scalar(let scalar) = child.node, scalar.string == "0" {
                    window.allowedLateness = 0
                } else if let lateness = reader.duration(child) {
                    window.allowedLateness = lateness
                }
            case "late_events": window.lateEvents = reader.choice(child, LateEventPolicy.self) ?? .deadLetter
            case "emit_on_close": window.emitsOnClose = reader.bool(child) ?? false
            case "max_events_per_key": window.maxEventsPerKey = reader.int(child, in: 1...1_000_000) ?? 4096
            case "aggregates": aggregatesNode = child
            default: break
            }
        }
        if shapeCount != 1 {
            reader.report(node, "window '\(name)' needs exactly one shape: tumbling, hopping, sliding or session")
            return nil
        }
        if case .sliding = kind, window.emitsOnClose {
            reader.report(node, "sliding window '\(name)' cannot emit_on_close: it has no end of its own")
            valid = false
        }
        if let aggregatesNode {
            window.aggregates = readAggregates(aggregatesNode, window: name, fields: fields, reader: reader)
        }
        guard valid, let kind, !window.aggregates.isEmpty else { return nil }
        window.kind = kind
        return window
    }

    private static func readAggregates(
        _ node: TopologyNode, window: String, fields: [FieldSpecification]?,
        reader: TopologyReader
    ) -> [AggregateSpecification] {
        guard let entries = reader.namedEntries(node, what: "aggregate names to functions such as sum(amount)") else {
            return []
        }
        if entries.isEmpty { reader.report(node, "window '\(window)' must declare at least one aggregate") }
        var aggregates: [AggregateSpecification] = []
        for (name, child, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "aggregate name '\(name)' must start with a letter or '_' and contain only "
                        + "letters, digits and '_'")
                continue
            }
            guard let text = reader.string(child) else { continue }
            let context = "aggregate '\(window).\(name)'"
            switch AggregateSyntax.parse(text) {
            case .failure(let message):
                reader.report(child, "\(context): \(message)")
            case .success(let function):
                if let field = function.field, let fields {
                    guard let spec = fields.first(where: { $0.name == field }) else {
                        reader.report(
                            child, "\(context) reads '\(field)', which is not a schema field",
                            suggestion: NameSuggestion.closest(to: field, among: fields.map(\.name))
                                .map { "did you mean '\($0)'?" })
                        continue
                    }
                    if function.needsNumber, spec.type == .string {
                        reader.report(child, "\(context) needs a number, but '\(field)' is a string field")
                        continue
                    }
                }
                aggregates.append(AggregateSpecification(name: name, function: function, location: child.location))
            }
        }
        return aggregates
    }

    static func readState(_ node: TopologyNode, reader: TopologyReader) -> StateSpecification {
        var state = StateSpecification()
        guard let entries = reader.mapping(node, known: ["max_keys", "idle_timeout", "flush_interval"]) else {
            return state
        }
        for (key, child) in entries {
            switch key {
            case "max_keys": state.maxKeys = reader.int(child, in: 1...100_000_000) ?? state.maxKeys
            case "idle_timeout":
                if case .scalar(let scalar) = child.node, scalar.string == "never" {
                    state.idleTimeout = nil
                } else {
                    state.idleTimeout = reader.duration(child) ?? state.idleTimeout
                }
            case "flush_interval": state.flushInterval = reader.duration(child) ?? state.flushInterval
            default: break
            }
        }
        return state
    }
}

/// The text form of aggregates: `count`, `sum(amount)`, `variance(amount, population)`, `quantile(amount, 0.9)`,
/// `count_if(amount > 100)`.
enum AggregateSyntax {
    enum Result {
        case success(AggregateFunction)
        case failure(String)
    }

    static let functions = [
        "count", "count_values", "sum", "mean", "min", "max", "variance", "stddev", "first", "last",
        "count_if", "distinct_count", "quantile",
    ]

    static func parse(_ text: String) -> Result {
        let trimmed = text.trimmingWhitespace()
        guard let open = trimmed.firstIndex(of: "(") else {
            if trimmed == "count" { return .success(.count) }
            return .failure(unknown(trimmed))
        }
        guard trimmed.hasSuffix(")") else {
            return .failure(
                "expected ')' at the end of '\(trimmed)'; inside { } quote aggregates that contain a comma, "
                    + "as \"quantile(amount, 0.9)\"")
        }
        let name = String(trimmed[..<open]).trimmingWhitespace()
        let inside = String(trimmed[trimmed.index(after: open)..<trimmed.index(before: trimmed.endIndex)])
        if name == "count_if" {
            let offset = trimmed.distance(from: trimmed.startIndex, to: open) + 1
            guard !inside.trimmingWhitespace().isEmpty else { return .failure("count_if needs a condition") }
            return .success(.countIf(expression: inside, offset: offset))
        }
        let arguments = inside.split(separator: ",", omittingEmptySubsequences: false).map {
            String($0).trimmingWhitespace()
        }
        let field = arguments.first ?? ""
        func one(_ make: (String) -> AggregateFunction) -> Result {
            guard arguments.count == 1, !field.isEmpty else {
                return .failure("\(name) takes one field, as \(name)(amount)")
            }
            return .success(make(field))
        }
        switch name {
        case "count": return inside.trimmingWhitespace().isEmpty ? .success(.count) : .failure("count takes no field")
        case "count_values": return one { .countValues(field: $0) }
        case "sum": return one { .sum(field: $0) }
        case "mean": return one { .mean(field: $0) }
        case "min": return one { .min(field: $0) }
        case "max": return one { .max(field: $0) }
        case "first": return one { .first(field: $0) }
        case "last": return one { .last(field: $0) }
        case "distinct_count": return one { .distinctCount(field: $0) }
        case "variance", "stddev":
            guard (1...2).contains(arguments.count), !field.isEmpty else {
                return .failure("\(name) takes a field and optionally 'sample' or 'population'")
            }
            let kind = arguments.count == 2 ? arguments[1] : "sample"
            guard kind == "sample" || kind == "population" else {
                return .failure("\(name)'s second argument must be 'sample' or 'population', found '\(kind)'")
            }
            return .success(
                name == "variance"
                    ? .variance(field: field, population: kind == "population")
                    : .standardDeviation(field: field, population: kind == "population"))
        case "quantile":
            guard arguments.count == 2, let q = Double(arguments[1]), q > 0, q < 1 else {
                return .failure(
                    "quantile takes a field and a quantile strictly between 0 and 1, as quantile(amount, 0.9)")
            }
            return .success(.quantile(field: field, q: q))
        default:
            return .failure(unknown(name))
        }
    }

    private static func unknown(_ name: String) -> String {
        let suggestion = NameSuggestion.closest(to: name, among: functions).map { "; did you mean '\($0)'?" } ?? ""
        return "unknown aggregate '\(name)'; expected one of: \(functions.joined(separator: ", "))\(suggestion)"
    }
}

extension AggregateFunction {
    /// Whether the aggregate computes over numeric values.
    var needsNumber: Bool {
        switch self {
        case .sum, .mean, .min, .max, .variance, .standardDeviation, .first, .last, .quantile: true
        case .count, .countValues, .countIf, .distinctCount: false
        }
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
