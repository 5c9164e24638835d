/// A reference table declared under `tables:`: rows keyed by one column, loaded from a file or kept current
/// from a Kafka topic, that lookups join to events (see `docs/tables.md`).
public struct TableSpecification: Sendable, Hashable {
    /// Where a table's rows come from.
    public enum Origin: Sendable, Hashable {
        /// A CSV file with a header row, or a JSON Lines file (one object per line); resolved to a path.
        case file(String)
        /// A Kafka topic read from its beginning and followed: JSON objects, one row each; a null value
        /// (tombstone) deletes the row of its message key.
        case topic(String)
    }

    /// The table's name, as lookups refer to it.
    public var name: String
    /// Where the rows come from.
    public var origin: Origin
    /// The column rows are keyed by; one of `columns`.
    public var keyColumn: String
    /// The columns a row has, with the same types and rules as source schema fields (`path` reads a nested key).
    public var columns: [FieldSpecification]
    /// A timestamp column: when set, a row replaces the one of its key only if it is at least as recent, and
    /// lookups also expose the row's age. For following a stream of events ("the last login of each user").
    public var latestBy: String?
    /// More rows than this are refused. Default: 1,000,000.
    public var maxRows: Int
    /// More memory (keys, values and index) than this is refused. Default: 256 MiB.
    public var maxBytes: Int
    /// Where the table is declared in the topology file.
    public var location: FileLocation
}

/// A lookup declared under `lookups:`: each event's key field looks up a row of a table, whose columns features
/// then read as `lookup.column` (and `lookup.age_ms` for a `latest_by` table).
public struct LookupSpecification: Sendable, Hashable {
    /// What happens to an event whose key has no row.
    public enum MissPolicy: String, Sendable, Hashable, CaseIterable {
        /// The row's columns read as null (features can use `coalesce`); the miss is counted. Written `nulls`.
        case nulls
        /// The event goes to the dead-letter sink with reason `lookup_miss`.
        case deadLetter = "dead_letter"
    }

    /// The lookup's name, the prefix of its columns in features.
    public var name: String
    /// The table it reads.
    public var table: String
    /// The source schema field whose value (strings as they are, numbers in decimal) is the key looked up.
    public var keyField: String
    /// What a miss does. Default: nulls.
    public var onMiss: MissPolicy
    /// Where the lookup is declared in the topology file.
    public var location: FileLocation
}
