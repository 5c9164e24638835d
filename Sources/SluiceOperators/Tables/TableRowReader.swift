public import SluiceCore

/// Turns one JSON object into a row of a table with the same decoder and schema rules as events, and puts it
/// into a batch of changes under its key column's value (strings as they are, ints in decimal).
public final class TableRowReader {
    public let layout: TableLayout
    private let decoder: EventDecoder
    private let decoded: DecodedFields
    private let validator: SchemaValidator
    private let fields: EventFields
    private var keyDigits: [UInt8] = []
    /// The `latest_by` column's position among all columns, if the table has one.
    private let latestByColumn: Int?

    /// A reader of `layout`'s rows. With `byColumnName`, object keys are the column names (rows made from CSV
    /// cells); otherwise each column's `path` (JSON Lines files and topics).
    public init(layout: TableLayout, byColumnName: Bool = false) throws(TableError) {
        self.layout = layout
        do {
            decoder = try EventDecoder(paths: layout.columns.map { byColumnName ? $0.name : $0.path })
        } catch {
            throw TableError("table '\(layout.name)': \(error)")
        }
        decoded = decoder.makeFields()
        validator = SchemaValidator(schema: layout.columns)
        fields = EventFields(schema: layout.columns)
        latestByColumn = layout.latestByNumber.flatMap { number in
            layout.columns.indices.first { !layout.isString[$0] && layout.storageIndex[$0] == number }
        }
    }

    /// Decodes `json` and puts its row into `changes`; returns why the row is not valid, or nil.
    public func put(_ json: UnsafeRawBufferPointer, into changes: TableChanges, wallClock: Int64) -> String? {
        do {
            try decoder.decode(json, into: decoded)
        } catch {
            return error.description
        }
        if let rejection = validator.validate(decoded, into: fields, wallClock: wallClock) { return rejection.message }
        let keyColumn = layout.keyColumn
        guard fields.isPresent(keyColumn) else {
            return "the row has no value for the key column '\(layout.columns[keyColumn].name)'"
        }
        let write: (TableRowWriter) -> Void = { [fields, layout] writer in
            for column in layout.columns.indices where fields.isPresent(column) {
                if layout.isString[column] {
                    writer.setString(layout.storageIndex[column], fields.stringBytes(column))
                } else {
                    writer.setNumber(layout.storageIndex[column], fields.number(column))
                }
            }
        }
        let time = latestByColumn.map { fields.number($0) } ?? .nan
        if layout.isString[keyColumn] {
            changes.put(key: fields.stringBytes(keyColumn), time: time, values: write)
        } else {
            keyDigits.removeAll(keepingCapacity: true)
            keyDigits.append(contentsOf: String(fields.integer(keyColumn)).utf8)
            keyDigits.withUnsafeBytes { changes.put(key: $0, time: time, values: write) }
        }
        return nil
    }
}
