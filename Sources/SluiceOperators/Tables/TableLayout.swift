public import SluiceCore

/// How a reference table's rows are stored: every column that is not a string is kept as a `Double` (ints,
/// doubles, bools as 0/1, timestamps in epoch milliseconds), strings as UTF-8 bytes. Built from the table's
/// declaration; shared by the table, its loaders and the lookups reading it.
public struct TableLayout: Sendable {
    /// The table's name, for messages.
    public let name: String
    /// The columns in declaration order.
    public let columns: [FieldSpecification]
    /// The key column's position in `columns`.
    public let keyColumn: Int
    /// For each column, its position among the number columns or among the string columns.
    public let storageIndex: [Int]
    /// Whether each column is stored as bytes.
    public let isString: [Bool]
    /// How many number and string columns a row has.
    public let numberWidth: Int
    public let stringWidth: Int
    /// The `latest_by` column's position among the number columns, when rows replace each other by time.
    public let latestByNumber: Int?
    /// More rows or bytes than these are refused.
    public let maxRows: Int
    public let maxBytes: Int

    /// The layout of `specification`; the loader has checked that its key and `latest_by` columns exist.
    public init(_ specification: TableSpecification) {
        name = specification.name
        columns = specification.columns
        keyColumn = specification.columns.firstIndex { $0.name == specification.keyColumn } ?? 0
        var numbers = 0
        var strings = 0
        var storageIndex: [Int] = []
        var isString: [Bool] = []
        for column in specification.columns {
            if column.type == .string {
                storageIndex.append(strings)
                strings += 1
                isString.append(true)
            } else {
                storageIndex.append(numbers)
                numbers += 1
                isString.append(false)
            }
        }
        self.storageIndex = storageIndex
        self.isString = isString
        numberWidth = numbers
        stringWidth = strings
        latestByNumber = specification.latestBy.flatMap { name in
            specification.columns.firstIndex { $0.name == name }.map { storageIndex[$0] }
        }
        maxRows = specification.maxRows
        maxBytes = specification.maxBytes
    }

    /// The position of column `name`, if the table has it.
    public func column(named name: String) -> Int? { columns.firstIndex { $0.name == name } }
}
