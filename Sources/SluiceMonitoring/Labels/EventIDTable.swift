#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A fixed-capacity set of event ids (byte strings up to `keyWidth` bytes) with an insertion time
/// each, kept in insertion order: the store behind ``LabelJoiner``'s pending events and pending labels.
///
/// - Slots: `capacity` fixed-width key areas, each with its length, full hash and time, threaded on a
///   doubly linked list in insertion order (oldest first, for expiry and eviction) and a free list.
///   The owner keeps per-slot payloads (scores, labels) in its own arrays indexed by slot.
/// - Index: open addressing with linear probing over a power-of-two table at most half full; an
///   entry packs the key hash's low 32 bits (the home position and a tag) with the slot number, so a
///   probe touches a slot's key only when the tags agree. Deletion shifts the rest of the run back
///   (no tombstones), so lookups never slow down with churn.
///
/// Everything is allocated at creation; no operation allocates. Methods are `nonmutating` (they write
/// through pointers), and copies share storage: the owner holds exactly one, and calls ``deallocate()``.
struct EventIDTable {
    private struct Header {
        var head: Int32 = -1
        var tail: Int32 = -1
        var free: Int32 = 0
        var count = 0
    }

    let capacity: Int
    let keyWidth: Int
    private let mask: Int
    private let index: UnsafeMutablePointer<UInt64>
    private let keys: UnsafeMutablePointer<UInt8>
    private let lengths: UnsafeMutablePointer<UInt16>
    private let hashes: UnsafeMutablePointer<UInt64>
    private let times: UnsafeMutablePointer<Int64>
    private let previous: UnsafeMutablePointer<Int32>
    private let next: UnsafeMutablePointer<Int32>
    private let header: UnsafeMutablePointer<Header>

    /// Room for `capacity` ids (1…2^30) of at most `keyWidth` bytes (1…65,535).
    init(capacity: Int, keyWidth: Int) {
        precondition((1...(1 << 30)).contains(capacity) && (1...65_535).contains(keyWidth), "EventIDTable: bad size")
        self.capacity = capacity
        self.keyWidth = keyWidth
        var size = 8
        while size < 2 * capacity { size <<= 1 }
        mask = size - 1
        index = .allocate(capacity: size)
        index.initialize(repeating: 0, count: size)
        keys = .allocate(capacity: capacity * keyWidth)
        keys.initialize(repeating: 0, count: capacity * keyWidth)
        lengths = .allocate(capacity: capacity)
        lengths.initialize(repeating: 0, count: capacity)
        hashes = .allocate(capacity: capacity)
        hashes.initialize(repeating: 0, count: capacity)
        times = .allocate(capacity: capacity)
        times.initialize(repeating: 0, count: capacity)
        previous = .allocate(capacity: capacity)
        previous.initialize(repeating: -1, count: capacity)
        next = .allocate(capacity: capacity)
        for k in 0..<capacity { (next + k).initialize(to: k + 1 < capacity ? Int32(k + 1) : -1) }
        header = .allocate(capacity: 1)
        header.initialize(to: Header())
    }

    func deallocate() {
        index.deallocate()
        keys.deallocate()
        lengths.deallocate()
        hashes.deallocate()
        times.deallocate()
        previous.deallocate()
        next.deallocate()
        header.deinitialize(count: 1)
        header.deallocate()
    }

    /// Bytes held, for documentation and tests.
    var allocatedBytes: Int { (mask + 1) * 8 + capacity * (keyWidth + 2 + 8 + 8 + 4 + 4) }

    var count: Int { header.pointee.count }
    var isFull: Bool { header.pointee.count == capacity }
    /// The slot inserted longest ago, or -1 when empty.
    var oldest: Int { Int(header.pointee.head) }

    /// The time the slot's id was inserted with.
    @inline(__always)
    func time(ofSlot slot: Int) -> Int64 { times[slot] }

    /// The slot holding `key`, or -1.
    @inline(__always)
    func find(_ key: UnsafeRawBufferPointer, hash: UInt64) -> Int {
        let tag = hash & 0xFFFF_FFFF
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = index[i]
            if e == 0 { return -1 }
            if e &>> 32 == tag {
                let slot = Int(truncatingIfNeeded: e & 0xFFFF_FFFF) &- 1
                if hashes[slot] == hash && matches(slot, key) { return slot }
            }
            i = (i &+ 1) & mask
        }
    }

    @inline(__always)
    private func matches(_ slot: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard Int(lengths[slot]) == key.count else { return false }
        guard let base = key.baseAddress else { return true }
        return memcmp(keys + slot &* keyWidth, base, key.count) == 0
    }

    /// Inserts `key` (1…`keyWidth` bytes, not present) as the newest entry; the table must not be full.
    /// Returns its slot.
    @inline(__always)
    func insert(_ key: UnsafeRawBufferPointer, hash: UInt64, time: Int64) -> Int {
        let h = header
        precondition(h.pointee.count < capacity && key.count <= keyWidth, "EventIDTable: full or key too long")
        let slot = Int(h.pointee.free)
        h.pointee.free = next[slot]
        if let base = key.baseAddress {
            UnsafeMutableRawPointer(keys + slot &* keyWidth).copyMemory(from: base, byteCount: key.count)
        }
        lengths[slot] = UInt16(truncatingIfNeeded: key.count)
        hashes[slot] = hash
        times[slot] = time
        previous[slot] = h.pointee.tail
        next[slot] = -1
        if h.pointee.tail >= 0 {
            next[Int(h.pointee.tail)] = Int32(truncatingIfNeeded: slot)
        } else {
            h.pointee.head = Int32(truncatingIfNeeded: slot)
        }
        h.pointee.tail = Int32(truncatingIfNeeded: slot)
        h.pointee.count &+= 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while index[i] != 0 { i = (i &+ 1) & mask }
        index[i] = ((hash & 0xFFFF_FFFF) &<< 32) | UInt64(truncatingIfNeeded: slot &+ 1)
        return slot
    }

    /// Removes the entry in `slot` (which must be in use) and frees the slot.
    func remove(slot: Int) {
        // Find its index entry, then close the gap by shifting later members of the run back.
        let entry = ((hashes[slot] & 0xFFFF_FFFF) &<< 32) | UInt64(truncatingIfNeeded: slot &+ 1)
        var i = Int(truncatingIfNeeded: hashes[slot]) & mask
        while index[i] != entry { i = (i &+ 1) & mask }
        var j = i
        while true {
            j = (j &+ 1) & mask
            let e = index[j]
            if e == 0 { break }
            let home = Int(truncatingIfNeeded: e &>> 32) & mask
            // The entry at j may fill the hole at i unless its home lies cyclically in (i, j].
            let homeInGap = i <= j ? (home > i && home <= j) : (home > i || home <= j)
            if !homeInGap {
                index[i] = e
                i = j
            }
        }
        index[i] = 0

        let h = header
        let p = previous[slot]
        let n = next[slot]
        if p >= 0 { next[Int(p)] = n } else { h.pointee.head = n }
        if n >= 0 { previous[Int(n)] = p } else { h.pointee.tail = p }
        next[slot] = h.pointee.free
        previous[slot] = -1
        h.pointee.free = Int32(truncatingIfNeeded: slot)
        h.pointee.count &-= 1
    }
}
