/// A reference table at one moment: 1,024 shards chosen by the top bits of the key's hash. Immutable; an update
/// publishes a new snapshot that shares every shard it did not touch, so lanes read without locks and a change
/// costs a copy of the shards it touches, not of the table.
public final class TableSnapshot: Sendable {
    static let shardBits = 10
    static let shardCount = 1 << shardBits

    public let layout: TableLayout
    let shards: [TableShard]
    /// Rows in the table.
    public let rowCount: Int
    /// Memory the rows and their index hold, in bytes.
    public let byteCount: Int

    init(layout: TableLayout, shards: [TableShard]) {
        self.layout = layout
        self.shards = shards
        rowCount = shards.reduce(0) { $0 + $1.rowCount }
        byteCount = shards.reduce(0) { $0 + $1.byteCount }
    }

    /// An empty table of `layout`.
    public convenience init(empty layout: TableLayout) {
        let empty = TableShard(numberWidth: layout.numberWidth, stringWidth: layout.stringWidth)
        self.init(layout: layout, shards: Array(repeating: empty, count: Self.shardCount))
    }

    @inline(__always)
    static func shard(of hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> UInt64(64 - shardBits)) }

    /// The row of `key`, if the table has one. Valid while this snapshot lives.
    public func find(_ key: UnsafeRawBufferPointer) -> TableRow? {
        let hash = KeyHash.hash(key)
        let shard = shards[Self.shard(of: hash)]
        let row = shard.find(hash: hash, key: key)
        return row < 0 ? nil : TableRow(shard: Unmanaged.passUnretained(shard), row: row)
    }

    /// Every key and row, in no particular order (for dumps and tests).
    public func forEachRow(_ body: (UnsafeRawBufferPointer, TableRow) throws -> Void) rethrows {
        for shard in shards {
            for row in 0..<shard.rowCount {
                try body(shard.key(row), TableRow(shard: .passUnretained(shard), row: row))
            }
        }
    }
}

/// One row of a snapshot, valid while the snapshot lives. Columns are addressed by their position among the
/// number columns or among the string columns (``TableLayout/storageIndex``).
public struct TableRow {
    let shard: Unmanaged<TableShard>
    let row: Int

    /// Number column `column`: NaN when null.
    @inline(__always)
    public func number(_ column: Int) -> Double {
        shard._withUnsafeGuaranteedRef { $0.number(row, column) }
    }

    /// String column `column`, borrowed; nil when null.
    @inline(__always)
    public func string(_ column: Int) -> UnsafeRawBufferPointer? {
        shard._withUnsafeGuaranteedRef { $0.string(row, column) }
    }
}
