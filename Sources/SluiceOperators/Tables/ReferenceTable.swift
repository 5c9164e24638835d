public import Synchronization

/// A reference table kept current by one writer and read by every lane without locks: readers take the
/// current ``TableSnapshot`` (checking ``generation`` per event, and taking the new snapshot under a mutex only
/// when it changed), the writer publishes a new snapshot per batch of changes.
public final class ReferenceTable: Sendable {
    public let layout: TableLayout
    private let current: Mutex<TableSnapshot>
    /// Bumped each time a new snapshot is published.
    public let generation = Atomic<Int>(0)
    /// Changes applied, and changes refused because they would have taken the table over its limits.
    public let changesApplied = Atomic<Int>(0)
    public let changesRefused = Atomic<Int>(0)
    /// Records of the table's topic that were not valid rows (counted by its feed).
    public let recordsRejected = Atomic<Int>(0)
    /// Rows and bytes of the current snapshot, for metrics.
    public let rowCount = Atomic<Int>(0)
    public let byteCount = Atomic<Int>(0)
    /// When the newest record applied so far was written, in milliseconds since the epoch: the Kafka timestamp for
    /// a topic table, the file's modification time for a file table; 0 before any.
    public let newestRecordMilliseconds = Atomic<Int64>(0)
    /// For the last batch a topic feed applied: milliseconds from its newest record's timestamp to the moment the
    /// batch was published to the lanes, that is how far the table trailed its topic then.
    public let lastApplyDelayMilliseconds = Atomic<Int64>(0)

    /// An empty table.
    public init(layout: TableLayout) {
        self.layout = layout
        let empty = TableSnapshot(empty: layout)
        current = Mutex(empty)
        byteCount.store(empty.byteCount, ordering: .relaxed)
    }

    /// Notes that changes whose newest record was written at `newestRecord` were published at `published` (both
    /// in milliseconds since the epoch), for ``newestRecordMilliseconds`` and ``lastApplyDelayMilliseconds``.
    public func noteFreshness(newestRecord: Int64, published: Int64) {
        if newestRecord > newestRecordMilliseconds.load(ordering: .relaxed) {
            newestRecordMilliseconds.store(newestRecord, ordering: .relaxed)
        }
        lastApplyDelayMilliseconds.store(max(published - newestRecord, 0), ordering: .relaxed)
    }

    /// The table as it is now.
    public func snapshot() -> TableSnapshot { current.withLock { $0 } }

    /// Applies `changes` as one new snapshot. If the result would hold more rows or bytes than the table's
    /// limits, nothing changes, the changes are counted as refused and the error says by how much. With
    /// `replacing`, the changes replace the whole table (a reload). One writer at a time; `changes` may not be
    /// added to afterwards (their shards may now be the table's) until ``TableChanges/reset()``.
    public func apply(_ changes: TableChanges, replacing: Bool = false) throws(TableError) {
        guard !changes.isEmpty || replacing else { return }
        let base = replacing ? TableSnapshot(empty: layout) : snapshot()
        var shards = base.shards
        for (index, pending) in changes.pending {
            let deleted = changes.deletions[index]!
            let old = base.shards[index]
            if old.rowCount == 0, !deleted.contains(true) {
                // A shard that was empty (a first load) takes the pending rows as they are, without a copy.
                shards[index] = pending
                continue
            }
            let merged = TableShard(numberWidth: layout.numberWidth, stringWidth: layout.stringWidth)
            for row in 0..<old.rowCount where pending.find(hash: old.hash(row), key: old.key(row)) < 0 {
                merged.appendCopy(of: row, from: old)
            }
            for row in 0..<pending.rowCount where !deleted[row] {
                let oldRow = old.find(hash: pending.hash(row), key: pending.key(row))
                if let latest = layout.latestByNumber, oldRow >= 0,
                    old.number(oldRow, latest) > pending.number(row, latest)
                {
                    merged.appendCopy(of: oldRow, from: old)
                } else {
                    merged.appendCopy(of: row, from: pending)
                }
            }
            shards[index] = merged
        }
        let next = TableSnapshot(layout: layout, shards: shards)
        if next.rowCount > layout.maxRows || next.byteCount > layout.maxBytes {
            changesRefused.add(changes.count, ordering: .relaxed)
            throw TableError(
                "table '\(layout.name)' would hold \(next.rowCount) rows in \(next.byteCount) bytes, over its limits "
                    + "(max_rows \(layout.maxRows), max_bytes \(layout.maxBytes)); \(changes.count) changes refused")
        }
        current.withLock { $0 = next }
        generation.add(1, ordering: .releasing)
        changesApplied.add(changes.count, ordering: .relaxed)
        rowCount.store(next.rowCount, ordering: .relaxed)
        byteCount.store(next.byteCount, ordering: .relaxed)
    }
}
