/// The keys of one keyspace (all windows grouped by the same key field) in one partition.
///
/// An open-addressing table (linear probing, backward-shift deletion) maps a 64-bit hash of the key bytes
/// to a slot; the bytes are compared on every hit, so hash collisions are harmless. Keys of up to 16 bytes
/// live inside their record (one cache miss fewer per event); longer ones in an arena.
///
/// Recency for eviction is an append-only queue of (slot, sequence) written on every accepted event; the
/// least recently updated key is the first entry whose sequence is still its key's last one. Stale entries
/// are skipped and compacted away, so an update costs one sequential append instead of touching the
/// neighbours of a linked list.
final class Keyspace {
    struct Record {
        var hash: UInt64 = 0
        /// The key bytes, zero-padded, when they fit in 16 bytes; otherwise `inline0` is the arena offset.
        var inline0: UInt64 = 0
        var inline1: UInt64 = 0
        var keyLength: Int32 = 0
        var isLive = false
        var isDirty = false
        /// Engine sequence number of the key's last accepted event.
        var lastSequence: UInt64 = 0

        var isInline: Bool { keyLength <= 16 }
    }

    let name: String
    let index: Int
    let maxKeys: Int
    /// Whether changed keys and tombstones are kept for the changelog.
    let recordsChanges: Bool
    let windows: [WindowState]
    /// Fingerprint of the windows' state layout, checked when state is restored.
    let fingerprint: UInt32

    // Hot-path state: `@exclusivity(unchecked)` for the reason given on `SlotTable`.

    /// `(hash >> 32) << 32 | (slot + 1)`; 0 is empty.
    @exclusivity(unchecked) private var table: [UInt64]
    @exclusivity(unchecked) private var mask: Int
    let rows: KeyRows
    @exclusivity(unchecked) private var freeSlots: [Int32] = []
    @exclusivity(unchecked) private(set) var liveKeys = 0
    @exclusivity(unchecked) private var arena: [UInt8] = []
    @exclusivity(unchecked) private var arenaWaste = 0

    @exclusivity(unchecked) private var recencySlots: [Int32] = []
    @exclusivity(unchecked) private var recencySequences: [UInt64] = []
    @exclusivity(unchecked) private var recencyStart = 0
    /// Set by restore, which installs keys in changelog order rather than by recency.
    @exclusivity(unchecked) private var recencyNeedsRebuild = false

    @exclusivity(unchecked) private(set) var dirtySlots: [Int32] = []
    @exclusivity(unchecked) private(set) var tombstoneKeys: [UInt8] = []
    @exclusivity(unchecked) private(set) var tombstoneRanges: [Range<Int>] = []

    @exclusivity(unchecked) private(set) var evictions = 0

    init(
        name: String, index: Int, maxKeys: Int, recordsChanges: Bool, rows: KeyRows, windows: [WindowState],
        fingerprint: UInt32
    ) {
        self.rows = rows
        self.recordsChanges = recordsChanges
        self.name = name
        self.index = index
        self.maxKeys = maxKeys
        self.windows = windows
        self.fingerprint = fingerprint
        table = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    @inline(__always)
    func record(_ slot: Int) -> UnsafeMutablePointer<Record> { rows.record(slot) }

    func lastSequence(_ slot: Int) -> UInt64 { rows.record(slot).pointee.lastSequence }

    var approximateBytes: Int {
        table.capacity * 8 + rows.approximateBytes + arena.capacity + freeSlots.capacity * 4
            + recencySlots.capacity * 12 + dirtySlots.capacity * 4 + tombstoneKeys.capacity
            + tombstoneRanges.capacity * 16
    }

    // MARK: - Lookup

    func find(hash: UInt64, key: UnsafeRawBufferPointer) -> Int {
        let tag = hash >> 32
        var position = Int(truncatingIfNeeded: hash) & mask
        while true {
            let entry = table[position]
            if entry == 0 { return -1 }
            if entry >> 32 == tag {
                let slot = Int(entry & 0xFFFF_FFFF) - 1
                if rows.record(slot).pointee.hash == hash && keyEquals(slot, key) { return slot }
            }
            position = (position + 1) & mask
        }
    }

    /// The first 16 bytes of `key`, zero-padded, as two words.
    @inline(__always)
    private static func inlineWords(_ key: UnsafeRawBufferPointer) -> (UInt64, UInt64) {
        var words: (UInt64, UInt64) = (0, 0)
        withUnsafeMutableBytes(of: &words) { target in
            target.copyMemory(from: UnsafeRawBufferPointer(rebasing: key.prefix(16)))
        }
        return words
    }

    @inline(__always)
    private func keyEquals(_ slot: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let record = rows.record(slot).pointee
        guard Int(record.keyLength) == key.count else { return false }
        if record.isInline {
            let words = Self.inlineWords(key)
            return words.0 == record.inline0 && words.1 == record.inline1
        }
        let offset = Int(record.inline0)
        return arena.withUnsafeBytes { arena in
            UnsafeRawBufferPointer(rebasing: arena[offset..<(offset + key.count)]).elementsEqual(key)
        }
    }

    func withKey<R>(_ slot: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let record = rows.record(slot).pointee
        let length = Int(record.keyLength)
        if record.isInline {
            var words = (record.inline0, record.inline1)
            return try withUnsafeBytes(of: &words) { try body(UnsafeRawBufferPointer(rebasing: $0.prefix(length))) }
        }
        let offset = Int(record.inline0)
        return try arena.withUnsafeBytes { arena in
            try body(UnsafeRawBufferPointer(rebasing: arena[offset..<(offset + length)]))
        }
    }

    // MARK: - Insert and remove

    /// Adds a key that `find` did not find, evicting the least recently updated key first when the
    /// keyspace is full. Returns the new slot.
    func insert(hash: UInt64, key: UnsafeRawBufferPointer) -> Int {
        while liveKeys >= maxKeys, let victim = leastRecentlyUpdated() {
            evict(victim)
        }
        if (liveKeys + 1) * 2 > table.count { growTable() }
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = Int(free)
        } else {
            slot = rows.append()
        }
        var record = Record(hash: hash, keyLength: Int32(key.count), isLive: true)
        if record.isInline {
            (record.inline0, record.inline1) = Self.inlineWords(key)
        } else {
            if arenaWaste > 1 << 20 && arenaWaste * 2 > arena.count { compactArena() }
            record.inline0 = UInt64(arena.count)
            arena.append(contentsOf: key)
        }
        rows.record(slot).pointee = record
        var position = Int(truncatingIfNeeded: hash) & mask
        while table[position] != 0 { position = (position + 1) & mask }
        table[position] = (hash >> 32) << 32 | UInt64(slot + 1)
        liveKeys += 1
        return slot
    }

    /// Removes a key whose windows hold no state any more and records a tombstone for the changelog.
    func remove(_ slot: Int, recordsTombstone: Bool = true) {
        precondition(rows.record(slot).pointee.isLive, "removing a free slot")
        if recordsTombstone && recordsChanges {
            withKey(slot) { key in
                let start = tombstoneKeys.count
                tombstoneKeys.append(contentsOf: key)
                tombstoneRanges.append(start..<tombstoneKeys.count)
            }
        }
        deleteFromTable(slot)
        if !rows.record(slot).pointee.isInline { arenaWaste += Int(rows.record(slot).pointee.keyLength) }
        rows.record(slot).pointee.isLive = false
        rows.record(slot).pointee.isDirty = false
        freeSlots.append(Int32(slot))
        liveKeys -= 1
    }

    private func evict(_ slot: Int) {
        for window in windows {
            if window.evict(slot) { window.evictedKeys += 1 }
            window.slotFreed(slot)
        }
        evictions += 1
        remove(slot)
    }

    /// Marks the key as updated by the event with `sequence`.
    @inline(__always)
    func touch(_ slot: Int, sequence: UInt64) {
        rows.record(slot).pointee.lastSequence = sequence
        markDirty(slot)
        recencySlots.append(Int32(slot))
        recencySequences.append(sequence)
        if recencySlots.count - recencyStart > 2 * liveKeys + 1024 { compactRecency() }
    }

    @inline(__always)
    func markDirty(_ slot: Int) {
        if recordsChanges && !rows.record(slot).pointee.isDirty {
            rows.record(slot).pointee.isDirty = true
            dirtySlots.append(Int32(slot))
        }
    }

    /// Whether every window of the key is empty.
    func isEmpty(_ slot: Int) -> Bool {
        for window in windows where window.items.count(slot) > 0 { return false }
        return true
    }

    // MARK: - Recency

    private func isCurrent(_ position: Int) -> Bool {
        let record = rows.record(Int(recencySlots[position])).pointee
        return record.isLive && record.lastSequence == recencySequences[position]
    }

    private func leastRecentlyUpdated() -> Int? {
        rebuildRecencyIfNeeded()
        while recencyStart < recencySlots.count {
            let position = recencyStart
            recencyStart += 1
            if isCurrent(position) { return Int(recencySlots[position]) }
        }
        return nil
    }

    private func compactRecency() {
        var kept = 0
        for position in recencyStart..<recencySlots.count where isCurrent(position) {
            recencySlots[kept] = recencySlots[position]
            recencySequences[kept] = recencySequences[position]
            kept += 1
        }
        recencySlots.removeLast(recencySlots.count - kept)
        recencySequences.removeLast(recencySequences.count - kept)
        recencyStart = 0
    }

    /// Installs a restored key at its recorded recency; the queue is rebuilt before the next use.
    func restoreSequence(_ slot: Int, sequence: UInt64) {
        rows.record(slot).pointee.lastSequence = sequence
        recencyNeedsRebuild = true
    }

    func rebuildRecencyIfNeeded() {
        guard recencyNeedsRebuild else { return }
        recencyNeedsRebuild = false
        var live: [Int32] = []
        live.reserveCapacity(liveKeys)
        for slot in 0..<rows.count where rows.record(slot).pointee.isLive { live.append(Int32(slot)) }
        live.sort { rows.record(Int($0)).pointee.lastSequence < rows.record(Int($1)).pointee.lastSequence }
        recencySlots = live
        recencySequences = live.map { rows.record(Int($0)).pointee.lastSequence }
        recencyStart = 0
    }

    // MARK: - Changelog

    /// Hands each tombstone (key no longer live) and then each changed live key to `body`, then forgets them.
    func drainChanges(
        tombstone: (UnsafeRawBufferPointer) throws -> Void,
        changed: (Int) throws -> Void
    ) rethrows {
        for range in tombstoneRanges {
            let isLiveAgain = tombstoneKeys.withUnsafeBytes { bytes in
                let key = UnsafeRawBufferPointer(rebasing: bytes[range])
                return find(hash: KeyHash.hash(key), key: key) >= 0
            }
            if isLiveAgain { continue }
            try tombstoneKeys.withUnsafeBytes { try tombstone(UnsafeRawBufferPointer(rebasing: $0[range])) }
        }
        tombstoneKeys.removeAll(keepingCapacity: true)
        tombstoneRanges.removeAll(keepingCapacity: true)
        for slot in dirtySlots {
            let slot = Int(slot)
            guard rows.record(slot).pointee.isLive, rows.record(slot).pointee.isDirty else { continue }
            rows.record(slot).pointee.isDirty = false
            try changed(slot)
        }
        dirtySlots.removeAll(keepingCapacity: true)
    }

    // MARK: - Internals

    private func deleteFromTable(_ slot: Int) {
        let target = UInt64(slot + 1)
        var position = Int(truncatingIfNeeded: rows.record(slot).pointee.hash) & mask
        while table[position] & 0xFFFF_FFFF != target { position = (position + 1) & mask }
        // Backward-shift deletion: pull later entries of the probe run into the hole when their home
        // position does not lie cyclically in (hole, entry].
        var hole = position
        var next = (hole + 1) & mask
        while table[next] != 0 {
            let entrySlot = Int(table[next] & 0xFFFF_FFFF) - 1
            let home = Int(truncatingIfNeeded: rows.record(entrySlot).pointee.hash) & mask
            let distanceToEntry = (next - home) & mask
            let distanceToHole = (hole - home) & mask
            if distanceToHole < distanceToEntry {
                table[hole] = table[next]
                hole = next
            }
            next = (next + 1) & mask
        }
        table[hole] = 0
    }

    private func growTable() {
        let capacity = table.count * 2
        var fresh = [UInt64](repeating: 0, count: capacity)
        let freshMask = capacity - 1
        for entry in table where entry != 0 {
            let slot = Int(entry & 0xFFFF_FFFF) - 1
            var position = Int(truncatingIfNeeded: rows.record(slot).pointee.hash) & freshMask
            while fresh[position] != 0 { position = (position + 1) & freshMask }
            fresh[position] = entry
        }
        table = fresh
        mask = freshMask
    }

    private func compactArena() {
        var fresh: [UInt8] = []
        fresh.reserveCapacity(arena.count - arenaWaste + 1024)
        for slot in 0..<rows.count where rows.record(slot).pointee.isLive && !rows.record(slot).pointee.isInline {
            let record = rows.record(slot).pointee
            let offset = fresh.count
            fresh.append(contentsOf: arena[Int(record.inline0)..<(Int(record.inline0) + Int(record.keyLength))])
            rows.record(slot).pointee.inline0 = UInt64(offset)
        }
        arena = fresh
        arenaWaste = 0
    }
}
