import Foundation
import Yams

/// Loads and checks topology files. Every problem is reported with file, line and column, what was
/// expected, and a suggestion where one is obvious; a topology is returned only when it has none.
public enum TopologyLoader {
    /// The keys a topology file may have at the top level.
    public static let topLevelKeys = [
        "name", "description", "source", "tables", "lookups", "windows", "features", "feature_log", "state", "models",
        "drift", "labels", "sinks",
    ]

    /// Loads the topology in `text`, naming `file` in diagnostics. With `requiringModelFiles` false, model files
    /// that do not exist yet are not a problem (for computing features before a model is trained on them).
    public static func load(text: String, file: String, requiringModelFiles: Bool = true) throws(TopologyError)
        -> Topology
    {
        let reader = TopologyReader(file: file)
        reader.requiresModelFiles = requiringModelFiles
        let start = FileLocation(file: file, line: 1, column: 1)
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: text) else {
                throw TopologyError([
                    TopologyDiagnostic(
                        start,
                        "the file is empty; a topology needs at least "
                            + "'name', 'source' and 'sinks'")
                ])
            }
            root = composed
        } catch let error as TopologyError {
            throw error
        } catch {
            throw TopologyError([yamlDiagnostic(error, file: file)])
        }
        reader.contentHash = ContentHash.shortHex(Array(text.utf8))
        let topology = read(TopologyNode(node: root, path: "", location: start), reader: reader)
        guard reader.diagnostics.isEmpty, let topology else {
            throw TopologyError(reader.diagnostics)
        }
        return topology
    }

    private static func read(_ root: TopologyNode, reader: TopologyReader) -> Topology? {
        guard let entries = reader.mapping(root, known: topLevelKeys, required: ["name", "source", "sinks"]) else {
            return nil
        }
        var name: String?
        var description: String?
        var source: SourceSpecification?
        var sinks: SinkSpecification?
        var sinkLocations: [String: FileLocation] = [:]
        var windowsNode: TopologyNode?
        var features: [FeatureSpecification] = []
        var tables: [TableSpecification] = []
        var lookupsNode: TopologyNode?
        var featureLogSample = 1.0
        var state = StateSpecification()
        var models = ModelsSpecification()
        var drift: DriftSpecification?
        var labels: LabelsSpecification?
        for (key, node) in entries {
            switch key {
            case "name":
                name = reader.string(node)
                if let value = name, !value.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
                    reader.report(node, "'name' may contain only letters, digits, '-' and '_', found '\(value)'")
                }
            case "description": description = reader.string(node)
            case "source": source = readSource(node, reader: reader)
            case "sinks": sinks = readSinks(node, reader: reader, locations: &sinkLocations)
            case "windows": windowsNode = node
            case "features": features = readFeatures(node, reader: reader)
            case "tables": tables = readTables(node, reader: reader)
            case "lookups": lookupsNode = node
            case "feature_log": featureLogSample = readFeatureLog(node, reader: reader)
            case "state": state = readState(node, reader: reader)
            case "models": models = readModels(node, reader: reader)
            case "drift": drift = readDrift(node, reader: reader)
            case "labels": labels = readLabels(node, reader: reader)
            default: break
            }
        }
        let windows = windowsNode.map { readWindows($0, fields: source?.fields, reader: reader) } ?? []
        guard let name, var sinks, let source else { return nil }
        let lookups = lookupsNode.map { readLookups($0, source: source, tables: tables, reader: reader) } ?? []
        for lookup in lookups {
            if windows.contains(where: { $0.name == lookup.name }) || source.field(named: lookup.name) != nil {
                reader.report(
                    lookup.location,
                    "lookup '\(lookup.name)' has the name of a window or schema field; features could not tell them apart"
                )
            }
        }
        for table in tables {
            if case .topic(let topic) = table.origin, topic == source.topic {
                reader.report(table.location, "table '\(table.name)' reads the source topic '\(topic)'")
            }
        }
        if !windows.isEmpty, sinks.changelog == nil { sinks.changelog = "\(name)-state-changelog" }
        if windows.contains(where: \.emitsOnClose), sinks.windows == nil {
            reader.report(
                root.location, "a window emits on close, but 'sinks.windows' names no topic for closed windows")
        }
        for (role, topic) in sinks.topicsByRole where topic == source.topic {
            reader.report(
                sinkLocations[role] ?? root.location,
                "sink '\(role)' writes to the source topic "
                    + "'\(topic)', which would feed the pipeline its own output")
        }
        if models.primary != nil, sinks.predictions == nil {
            reader.report(root.location, "the topology has a primary model but 'sinks.predictions' names no topic")
        }
        if !models.shadows.isEmpty, sinks.shadow == nil {
            reader.report(root.location, "the topology has shadow models but 'sinks.shadow' names no topic")
        }
        if models.primary == nil, sinks.featureLog != nil {
            reader.report(
                sinkLocations["feature_log"] ?? root.location,
                "'sinks.feature_log' logs what the primary model scored, but there is no primary model under 'models'")
        }
        if models.primary == nil, sinks.predictions != nil {
            reader.report(
                sinkLocations["predictions"] ?? root.location,
                "'sinks.predictions' is set but there is "
                    + "no primary model under 'models'")
        }
        if let labels {
            if models.primary == nil {
                reader.report(labels.location, "labels are joined with predictions, but there is no primary model")
            }
            if source.idField == nil {
                reader.report(labels.location, "labels are joined by event id: set 'source.id' to the event's id field")
            }
        }
        if let drift {
            if models.primary == nil {
                reader.report(drift.location, "drift monitoring needs a primary model under 'models'")
            }
            if sinks.alerts == nil {
                reader.report(drift.location, "drift monitoring needs 'sinks.alerts' for its alerts")
            }
        }
        return Topology(
            name: name, description: description, source: source, windows: windows, tables: tables, lookups: lookups,
            features: features,
            featureLogSample: featureLogSample, state: state,
            models: models, drift: drift, labels: labels, sinks: sinks, file: reader.file,
            contentHash: reader.contentHash)
    }

    private static func readSource(_ node: TopologyNode, reader: TopologyReader) -> SourceSpecification? {
        let known = ["topic", "format", "key", "id", "event_time", "max_payload_bytes", "max_depth", "schema"]
        guard let entries = reader.mapping(node, known: known, required: ["topic", "schema"]) else { return nil }
        var topic: String?
        var format = PayloadFormat.json
        var keyField: (String, TopologyNode)?
        var idField: (String, TopologyNode)?
        var eventTime: (String, TopologyNode)?
        var maxPayloadBytes = 1 << 20
        var maxDepth = 64
        var fields: [FieldSpecification]?
        for (key, child) in entries {
            switch key {
            case "topic": topic = reader.string(child)
            case "format": format = reader.choice(child, PayloadFormat.self) ?? format
            case "key": reader.string(child).map { keyField = ($0, child) }
            case "id": reader.string(child).map { idField = ($0, child) }
            case "event_time": reader.string(child).map { eventTime = ($0, child) }
            case "max_payload_bytes": maxPayloadBytes = reader.int(child, in: 16...(256 << 20)) ?? maxPayloadBytes
            case "max_depth": maxDepth = reader.int(child, in: 1...1000) ?? maxDepth
            case "schema": fields = readSchema(child, reader: reader)
            default: break
            }
        }
        guard let topic, let fields else { return nil }
        let names = fields.map(\.name)
        if let (name, place) = keyField, !names.contains(name) {
            reader.report(
                place, "'source.key' names '\(name)', which is not a schema field",
                suggestion: NameSuggestion.closest(to: name, among: names).map { "did you mean '\($0)'?" })
        }
        if let (name, place) = idField {
            if let field = fields.first(where: { $0.name == name }) {
                if !field.isRequired || !(field.type == .string || field.type == .int) {
                    reader.report(place, "'source.id' names '\(name)', which must be a required string or int field")
                }
            } else {
                reader.report(
                    place, "'source.id' names '\(name)', which is not a schema field",
                    suggestion: NameSuggestion.closest(to: name, among: names).map { "did you mean '\($0)'?" })
            }
        }
        if let (name, place) = eventTime, name != "kafka" {
            if let field = fields.first(where: { $0.name == name }) {
                if field.type != .timestamp {
                    reader.report(
                        place,
                        "'source.event_time' names '\(name)', a \(field.type.rawValue) field; "
                            + "it must be a timestamp field (or 'kafka' for the Kafka timestamp)")
                }
            } else {
                reader.report(
                    place,
                    "'source.event_time' names '\(name)', which is not a schema field; use a "
                        + "timestamp field or 'kafka'",
                    suggestion: NameSuggestion.closest(to: name, among: names).map { "did you mean '\($0)'?" })
            }
        }
        return SourceSpecification(
            topic: topic, idField: idField?.0, format: format, keyField: keyField?.0,
            eventTimeField: eventTime.flatMap { $0.0 == "kafka" ? nil : $0.0 }, maxPayloadBytes: maxPayloadBytes,
            maxDepth: maxDepth, fields: fields)
    }

    static func readSchema(_ node: TopologyNode, reader: TopologyReader) -> [FieldSpecification]? {
        guard let entries = reader.namedEntries(node, what: "field names to field definitions") else { return nil }
        if entries.isEmpty { reader.report(node, "'\(node.path)' must declare at least one field") }
        var fields: [FieldSpecification] = []
        var paths: [String: String] = [:]
        for (name, child, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "schema field name '\(name)' must start with a letter or '_' and contain "
                        + "only letters, digits and '_' (use 'path' for other payload keys)")
                continue
            }
            guard let field = readField(name: name, child, reader: reader) else { continue }
            if let other = paths[field.path] {
                reader.report(child, "fields '\(other)' and '\(name)' both read the payload path '\(field.path)'")
            }
            paths[field.path] = name
            fields.append(field)
        }
        return fields
    }

    static func readField(name: String, _ node: TopologyNode, reader: TopologyReader) -> FieldSpecification? {
        let known = [
            "type", "path", "required", "min", "max", "enum", "min_length", "max_length", "unit", "max_future",
        ]
        guard let entries = reader.mapping(node, known: known, required: ["type"], what: "field settings") else {
            return nil
        }
        var field = FieldSpecification(
            name: name, path: name, type: .string, isRequired: false, minimum: nil, maximum: nil, allowedValues: nil,
            minimumLength: nil, maximumLength: nil, timestampUnit: nil, maximumFutureMilliseconds: nil,
            location: node.location)
        var typeNode: TopologyNode?
        var settingNodes: [String: TopologyNode] = [:]
        for (key, child) in entries {
            settingNodes[key] = child
            switch key {
            case "type":
                typeNode = child
                if let type = reader.choice(child, FieldType.self) { field.type = type } else { return nil }
            case "path":
                if let path = reader.string(child) {
                    if path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                        reader.report(
                            child, "'\(child.path)' must be a dotted path such as payload.amount, found '\(path)'")
                    }
                    field.path = path
                }
            case "required": field.isRequired = reader.bool(child) ?? false
            case "min": field.minimum = reader.number(child)
            case "max": field.maximum = reader.number(child)
            case "enum":
                field.allowedValues = reader.stringList(child)
                if field.allowedValues?.isEmpty == true {
                    reader.report(child, "'\(child.path)' must list at least one value")
                }
            case "min_length": field.minimumLength = reader.int(child, in: 0...Int(Int32.max))
            case "max_length": field.maximumLength = reader.int(child, in: 0...Int(Int32.max))
            case "unit": field.timestampUnit = reader.choice(child, TimestampUnit.self)
            case "max_future": field.maximumFutureMilliseconds = reader.duration(child)
            default: break
            }
        }
        guard typeNode != nil else { return nil }
        checkApplicability(field, settings: settingNodes, reader: reader)
        if field.type == .timestamp, field.timestampUnit == nil, settingNodes["unit"] == nil {
            reader.report(node, "timestamp field '\(name)' needs a 'unit': ms, s or iso8601")
        }
        if let minimum = field.minimum, let maximum = field.maximum, minimum > maximum {
            reader.report(settingNodes["min"] ?? node, "'\(name)': min \(minimum) is greater than max \(maximum)")
        }
        if let shortest = field.minimumLength, let longest = field.maximumLength, shortest > longest {
            reader.report(
                settingNodes["min_length"] ?? node,
                "'\(name)': min_length \(shortest) is greater than max_length \(longest)")
        }
        if field.type == .int, let values = field.allowedValues, let bad = values.first(where: { Int64($0) == nil }) {
            reader.report(settingNodes["enum"] ?? node, "'\(name)' is an int field but its enum lists '\(bad)'")
        }
        return field
    }

    /// Reports settings that do not apply to the field's type (`min_length` on a number, ...).
    private static func checkApplicability(
        _ field: FieldSpecification, settings: [String: TopologyNode],
        reader: TopologyReader
    ) {
        let applicable: [FieldType: Set<String>] = [
            .string: ["enum", "min_length", "max_length"],
            .int: ["min", "max", "enum"],
            .double: ["min", "max"],
            .bool: [],
            .timestamp: ["min", "max", "unit", "max_future"],
        ]
        let common: Set<String> = ["type", "path", "required"]
        for (key, node) in settings where !common.contains(key) && !(applicable[field.type] ?? []).contains(key) {
            reader.report(node, "'\(key)' does not apply to \(field.type.rawValue) field '\(field.name)'")
        }
    }

    private static func readSinks(
        _ node: TopologyNode, reader: TopologyReader,
        locations: inout [String: FileLocation]
    ) -> SinkSpecification? {
        guard let entries = reader.mapping(node, known: SinkSpecification.roles, what: "sink roles to topic names")
        else { return nil }
        var sinks = SinkSpecification()
        var topics: [String: String] = [:]
        for (role, child) in entries {
            guard let topic = reader.string(child) else { continue }
            locations[role] = child.location
            if let other = topics[topic] {
                reader.report(child, "sinks '\(other)' and '\(role)' both write to topic '\(topic)'")
            }
            topics[topic] = role
            switch role {
            case "events": sinks.events = topic
            case "dead_letter": sinks.deadLetter = topic
            case "predictions": sinks.predictions = topic
            case "shadow": sinks.shadow = topic
            case "alerts": sinks.alerts = topic
            case "windows": sinks.windows = topic
            case "feature_inputs": sinks.featureInputs = topic
            case "changelog": sinks.changelog = topic
            case "feature_log": sinks.featureLog = topic
            default: break
            }
        }
        if sinks.deadLetter == nil {
            reader.report(node, "'sinks.dead_letter' is required: invalid events must go somewhere, never be dropped")
        }
        return sinks
    }

    static func isIdentifier(_ name: String) -> Bool {
        guard let first = name.first, first.isLetter || first == "_" else { return false }
        return name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } && name.allSatisfy(\.isASCII)
    }

    private static func yamlDiagnostic(_ error: any Error, file: String) -> TopologyDiagnostic {
        func at(_ mark: Mark) -> FileLocation { FileLocation(file: file, line: mark.line, column: mark.column) }
        let start = FileLocation(file: file, line: 1, column: 1)
        guard let yaml = error as? YamlError else { return TopologyDiagnostic(start, "cannot read YAML: \(error)") }
        switch yaml {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let detail = context.map { " \($0.text)" } ?? ""
            return TopologyDiagnostic(at(mark), "invalid YAML: \(problem)\(detail)")
        case .duplicatedKeysInMapping(let duplicates, let context):
            return TopologyDiagnostic(
                at(context.mark),
                "duplicate key '\(duplicates.joined(separator: "', '"))' "
                    + "in a mapping; each key may appear once")
        case .reader(let problem, _, _, _):
            return TopologyDiagnostic(start, "cannot read the file as YAML text: \(problem)")
        default:
            return TopologyDiagnostic(start, "invalid YAML: \(yaml)")
        }
    }
}

extension TopologyLoader {
    /// Loads the topology file at `path`; see ``load(text:file:requiringModelFiles:)``.
    public static func load(file path: String, requiringModelFiles: Bool = true) throws(TopologyError) -> Topology {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw TopologyError([
                TopologyDiagnostic(
                    FileLocation(file: path, line: 1, column: 1),
                    "cannot read the topology file: \(error.localizedDescription)")
            ])
        }
        return try load(text: text, file: path, requiringModelFiles: requiringModelFiles)
    }
}
