/// One row per key slot of a keyspace: the key's record followed by one `SlotState` per window of the
/// keyspace, contiguous, so that finding a key and reaching each of its windows touches neighbouring
/// cache lines instead of one table per window.
///
/// Raw memory, `@exclusivity(unchecked)`, for the reasons given on `SlotTable`.
final class KeyRows {
    let windowCount: Int
    /// Bytes per row.
    let stride: Int
    private static let recordBytes = (MemoryLayout<Keyspace.Record>.stride + 7) & ~7
    @exclusivity(unchecked) private(set) var base: UnsafeMutableRawPointer
    @exclusivity(unchecked) private(set) var capacity = 0
    /// Slots created so far (live or free).
    @exclusivity(unchecked) private(set) var count = 0

    init(windowCount: Int) {
        self.windowCount = windowCount
        stride = Self.recordBytes + windowCount * MemoryLayout<SlotState>.stride
        base = .allocate(byteCount: stride, alignment: 16)
    }

    deinit {
        base.deallocate()
    }

    var approximateBytes: Int { capacity * stride }

    @inline(__always)
    func record(_ slot: Int) -> UnsafeMutablePointer<Keyspace.Record> {
        (base + slot * stride).assumingMemoryBound(to: Keyspace.Record.self)
    }

    @inline(__always)
    func state(_ slot: Int, _ column: Int) -> UnsafeMutablePointer<SlotState> {
        (base + slot * stride + Self.recordBytes + column * MemoryLayout<SlotState>.stride)
            .assumingMemoryBound(to: SlotState.self)
    }

    /// Adds a slot with an empty record and empty window states; returns its index.
    func append() -> Int {
        if count == capacity {
            let fresh = max(16, capacity * 2)
            let memory = UnsafeMutableRawPointer.allocate(byteCount: fresh * stride, alignment: 16)
            memory.copyMemory(from: base, byteCount: count * stride)
            base.deallocate()
            base = memory
            capacity = fresh
        }
        let slot = count
        count += 1
        record(slot).initialize(to: Keyspace.Record())
        for column in 0..<windowCount { state(slot, column).initialize(to: SlotState()) }
        return slot
    }
}
