import SluiceCore
public import SluiceOperators
public import Synchronization

/// Hits and misses of one lookup, over all lanes (lanes add once per tick).
public final class LookupCounters: Sendable {
    /// The lookup's name.
    public let name: String
    /// The table it reads.
    public let table: String
    public let hits = Atomic<Int>(0)
    public let misses = Atomic<Int>(0)

    init(name: String, table: String) {
        self.name = name
        self.table = table
    }
}

/// The topology's lookups bound to their tables, and the expression symbols their columns become: for lookup
/// `merchant` of a table with columns `tier` and `label`, `merchant.tier` and `merchant.label`, and for a
/// `latest_by` table also `merchant.age_ms` (the event's time minus the row's).
final class LookupPlan: Sendable {
    struct Lookup: Sendable {
        let specification: LookupSpecification
        let table: ReferenceTable
        /// The source field holding the key, and whether it is a string (else an int, looked up in decimal).
        let keyField: Int
        let keyIsString: Bool
        /// The `latest_by` column's position among the table's number columns, for `age_ms`.
        let latestByNumber: Int?
        let counters: LookupCounters
    }

    /// What one `.lookup` expression symbol reads: a column of a lookup's row, or its age.
    struct Slot: Sendable {
        let lookup: Int
        let storage: Int
        let isString: Bool
        let isAge: Bool
    }

    let lookups: [Lookup]
    let slots: [Slot]

    /// Binds `topology`'s lookups to `tables` (by name) and declares their columns in `symbols`.
    init(topology: Topology, tables: [String: ReferenceTable], symbols: inout ExpressionSymbolTable) {
        var lookups: [Lookup] = []
        var slots: [Slot] = []
        for specification in topology.lookups {
            guard let table = tables[specification.table],
                let keyField = topology.source.fields.firstIndex(where: { $0.name == specification.keyField })
            else { continue }
            let layout = table.layout
            let lookupIndex = lookups.count
            lookups.append(
                Lookup(
                    specification: specification, table: table, keyField: keyField,
                    keyIsString: topology.source.fields[keyField].type == .string,
                    latestByNumber: layout.latestByNumber,
                    counters: LookupCounters(name: specification.name, table: specification.table)))
            for (index, column) in layout.columns.enumerated() {
                let type: ExpressionType =
                    switch column.type {
                    case .string: .string
                    case .int, .double: .number
                    case .bool: .bool
                    case .timestamp: .timestamp
                    }
                symbols.declare(
                    "\(specification.name).\(column.name)", source: .lookup, slot: slots.count, type: type)
                slots.append(
                    Slot(
                        lookup: lookupIndex, storage: layout.storageIndex[index], isString: layout.isString[index],
                        isAge: false))
            }
            if let latest = layout.latestByNumber {
                symbols.declare("\(specification.name).age_ms", source: .lookup, slot: slots.count, type: .number)
                slots.append(Slot(lookup: lookupIndex, storage: latest, isString: false, isAge: true))
            }
        }
        self.lookups = lookups
        self.slots = slots
    }
}
