/// Rows to put into and keys to delete from a table, gathered by one writer (a file loader or a topic feed) and
/// applied at once by ``ReferenceTable/apply(_:)``. Within a batch the last change of a key wins (for a
/// `latest_by` table, the most recent row).
public final class TableChanges {
    public let layout: TableLayout
    /// Pending rows per touched shard, and whether each pending row is a deletion.
    var pending: [Int: TableShard] = [:]
    var deletions: [Int: [Bool]] = [:]
    /// Changes gathered, and the bytes their rows take (an upper bound of what they add to the table).
    public private(set) var count = 0
    public private(set) var pendingBytes = 0

    public init(layout: TableLayout) {
        self.layout = layout
    }

    public var isEmpty: Bool { count == 0 }

    /// Forgets every change gathered, to gather a new batch.
    public func reset() {
        pending.removeAll()
        deletions.removeAll()
        count = 0
        pendingBytes = 0
    }

    /// Puts a row under `key`; `values` writes its columns (by position among number or string columns). For a
    /// `latest_by` table, `time` is the row's `latest_by` value: a row already put in this batch under the same key
    /// is replaced only by one at least as recent.
    public func put(key: UnsafeRawBufferPointer, time: Double = .nan, values: (TableRowWriter) -> Void) {
        let hash = KeyHash.hash(key)
        let (shard, index) = pendingShard(hash)
        let before = shard.byteCount
        let row = shard.find(hash: hash, key: key)
        if row < 0 {
            shard.append(hash: hash, key: key) { values($0) }
            deletions[index]!.append(false)
        } else if let latest = layout.latestByNumber, !deletions[index]![row] {
            let current = shard.number(row, latest)
            if current.isNaN || time >= current { shard.overwrite(row: row) { values($0) } }
        } else {
            shard.overwrite(row: row) { values($0) }
            deletions[index]![row] = false
        }
        pendingBytes += shard.byteCount - before
        count += 1
    }

    /// Deletes the row of `key` (a tombstone), including one put earlier in this batch.
    public func delete(key: UnsafeRawBufferPointer) {
        let hash = KeyHash.hash(key)
        let (shard, index) = pendingShard(hash)
        let row = shard.find(hash: hash, key: key)
        if row < 0 {
            shard.append(hash: hash, key: key) { _ in }
            deletions[index]!.append(true)
        } else {
            deletions[index]![row] = true
        }
        count += 1
    }

    private func pendingShard(_ hash: UInt64) -> (TableShard, Int) {
        let index = TableSnapshot.shard(of: hash)
        if let shard = pending[index] { return (shard, index) }
        let shard = TableShard(numberWidth: layout.numberWidth, stringWidth: layout.stringWidth)
        pending[index] = shard
        deletions[index] = []
        return (shard, index)
    }
}
