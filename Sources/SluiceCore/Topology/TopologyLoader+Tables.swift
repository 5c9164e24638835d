import Foundation

extension TopologyLoader {
    /// `tables: { name: { file | topic, key, columns, latest_by, max_rows, max_bytes }, ... }` in file order.
    static func readTables(_ node: TopologyNode, reader: TopologyReader) -> [TableSpecification] {
        guard let entries = reader.namedEntries(node, what: "table names to table definitions") else { return [] }
        var tables: [TableSpecification] = []
        for (name, value, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "table name '\(name)' must start with a letter or '_' and contain only letters, digits and '_'")
                continue
            }
            if let table = readTable(name: name, value, reader: reader) { tables.append(table) }
        }
        return tables
    }

    private static func readTable(name: String, _ node: TopologyNode, reader: TopologyReader) -> TableSpecification? {
        let known = ["file", "topic", "key", "columns", "latest_by", "max_rows", "max_bytes"]
        guard let entries = reader.mapping(node, known: known, required: ["key", "columns"], what: "table settings")
        else { return nil }
        var origins: [(TableSpecification.Origin, TopologyNode)] = []
        var key: (String, TopologyNode)?
        var columns: [FieldSpecification]?
        var latestBy: (String, TopologyNode)?
        var maxRows = 1_000_000
        var maxBytes = 256 << 20
        for (setting, child) in entries {
            switch setting {
            case "file":
                guard let path = reader.string(child) else { continue }
                let resolved = resolve(path, relativeTo: reader.file)
                if reader.requiresModelFiles, !FileManager.default.fileExists(atPath: resolved) {
                    reader.report(child, "table file '\(path)' does not exist (looked for \(resolved))")
                }
                let lowered = path.lowercased()
                if !(lowered.hasSuffix(".csv") || lowered.hasSuffix(".jsonl") || lowered.hasSuffix(".ndjson")) {
                    reader.report(child, "table file '\(path)' must end in .csv or .jsonl (JSON Lines)")
                }
                origins.append((.file(resolved), child))
            case "topic": reader.string(child).map { origins.append((.topic($0), child)) }
            case "key": reader.string(child).map { key = ($0, child) }
            case "columns": columns = readSchema(child, reader: reader)
            case "latest_by": reader.string(child).map { latestBy = ($0, child) }
            case "max_rows": maxRows = reader.int(child, in: 1...100_000_000) ?? maxRows
            case "max_bytes": maxBytes = readByteSize(child, reader: reader) ?? maxBytes
            default: break
            }
        }
        guard origins.count == 1 else {
            reader.report(
                origins.dropFirst().first?.1 ?? node,
                "table '\(name)' needs exactly one of 'file' (CSV or JSON Lines) or 'topic' (a Kafka topic)")
            return nil
        }
        guard let (keyColumn, keyNode) = key, let columns else { return nil }
        let names = columns.map(\.name)
        if let column = columns.first(where: { $0.name == keyColumn }) {
            if column.type != .string && column.type != .int {
                reader.report(
                    keyNode,
                    "the key of table '\(name)' must be a string or int column; '\(keyColumn)' is \(column.type.rawValue)"
                )
            }
        } else {
            reader.report(
                keyNode, "table '\(name)' is keyed by '\(keyColumn)', which is not one of its columns",
                suggestion: NameSuggestion.closest(to: keyColumn, among: names).map { "did you mean '\($0)'?" })
        }
        if let (column, place) = latestBy {
            if columns.first(where: { $0.name == column })?.type != .timestamp {
                reader.report(
                    place, "'latest_by' of table '\(name)' must name one of its timestamp columns; found '\(column)'")
            }
        }
        return TableSpecification(
            name: name, origin: origins[0].0, keyColumn: keyColumn, columns: columns, latestBy: latestBy?.0,
            maxRows: maxRows, maxBytes: maxBytes, location: node.location)
    }

    /// A size in bytes: a whole number, or one with a unit (`512KiB`, `256MiB`, `2GiB`).
    private static func readByteSize(_ node: TopologyNode, reader: TopologyReader) -> Int? {
        guard case .scalar(let scalar) = node.node else {
            reader.report(node, "'\(node.path)' must be a size such as 268435456 or 256MiB")
            return nil
        }
        let text = scalar.string.trimmingCharacters(in: .whitespaces)
        let units: [(String, Int)] = [("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("", 1)]
        for (unit, factor) in units where text.hasSuffix(unit) {
            let number = text.dropLast(unit.count).trimmingCharacters(in: .whitespaces)
            if let value = Int(number), value > 0, value <= (64 << 30) / factor { return value * factor }
            break
        }
        reader.report(
            node, "'\(node.path)' must be a size from 1 byte to 64GiB such as 268435456 or 256MiB; found '\(text)'")
        return nil
    }

    /// `lookups: { name: { table, key, on_miss }, ... }`; `key` is a source schema field.
    static func readLookups(
        _ node: TopologyNode, source: SourceSpecification, tables: [TableSpecification], reader: TopologyReader
    ) -> [LookupSpecification] {
        guard let entries = reader.namedEntries(node, what: "lookup names to lookup definitions") else { return [] }
        var lookups: [LookupSpecification] = []
        for (name, value, keyLocation) in entries {
            guard isIdentifier(name) else {
                reader.report(
                    keyLocation,
                    "lookup name '\(name)' must start with a letter or '_' and contain only letters, digits and '_'")
                continue
            }
            guard let settings = reader.mapping(value, known: ["table", "key", "on_miss"], required: ["table", "key"])
            else { continue }
            var lookup = LookupSpecification(
                name: name, table: "", keyField: "", onMiss: .nulls, location: value.location)
            for (setting, child) in settings {
                switch setting {
                case "table":
                    guard let table = reader.string(child) else { continue }
                    if !tables.contains(where: { $0.name == table }) {
                        reader.report(
                            child, "lookup '\(name)' reads table '\(table)', which is not declared under 'tables'",
                            suggestion: NameSuggestion.closest(to: table, among: tables.map(\.name)).map {
                                "did you mean '\($0)'?"
                            })
                    }
                    lookup.table = table
                case "key":
                    guard let field = reader.string(child) else { continue }
                    if let specification = source.field(named: field) {
                        if specification.type != .string && specification.type != .int {
                            reader.report(
                                child,
                                "lookup '\(name)' is keyed by '\(field)', a \(specification.type.rawValue) field; "
                                    + "keys are string or int fields")
                        }
                    } else {
                        reader.report(
                            child, "lookup '\(name)' is keyed by '\(field)', which is not a source schema field",
                            suggestion: NameSuggestion.closest(to: field, among: source.fields.map(\.name)).map {
                                "did you mean '\($0)'?"
                            })
                    }
                    lookup.keyField = field
                case "on_miss": lookup.onMiss = reader.choice(child, LookupSpecification.MissPolicy.self) ?? .nulls
                default: break
                }
            }
            guard !lookup.table.isEmpty, !lookup.keyField.isEmpty else { continue }
            lookups.append(lookup)
        }
        return lookups
    }
}
