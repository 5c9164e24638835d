/// What one window keeps for one key slot: its items and when to look at it again. 40 bytes, so that
/// touching a key's window costs one cache line before its items.
struct SlotState {
    /// The slot's items, sorted by time; nil when it holds none.
    var items: UnsafeMutablePointer<UInt64>?
    var count: Int32 = 0
    var capacity: Int32 = 0
    /// Panes only: every window of this key ending at or before the mark is closed.
    var mark: Int64 = .min
    /// The time the slot is filed under in the close heap, `Int64.max` when not filed.
    var filedTime: Int64 = .max
}

/// Per-key item arrays of one window (panes, sessions or buffered events, as fixed-width runs of
/// 64-bit words) and a min-heap of the slots by the time something of theirs is due to close or expire.
///
/// The heap uses lazy deletion: a slot's valid entry is the one whose time equals the slot's `filedTime`;
/// refiling pushes a new entry and leaves the old one to be skipped when it surfaces (and compacted away
/// when stale entries pile up). Sifting then touches only the heap's own array, never the slot table,
/// and `lowerCloseTime` costs nothing when the filed time is already early enough, which is the common
/// case: an event that adds a later pane does not make anything close sooner.
///
/// Raw memory rather than arrays: this is the per-event hot path of every window, and array accesses
/// to a class's stored properties pay for exclusivity checks, bounds checks and uniqueness checks.
/// `@exclusivity(unchecked)` is sound here because the engine is confined to one lane's serial queue
/// and no method hands out an inout access that outlives the call.
final class SlotTable {
    /// Words per item.
    let stride: Int
    /// The keyspace's rows; this window's state is column `column` of each.
    let rows: KeyRows
    let column: Int
    /// Words currently allocated across all slots.
    @exclusivity(unchecked) private(set) var allocatedWords = 0
    /// Items held across all slots.
    @exclusivity(unchecked) private(set) var itemCount = 0

    @exclusivity(unchecked) private var heap: UnsafeMutablePointer<HeapEntry>
    @exclusivity(unchecked) private(set) var heapCount = 0
    @exclusivity(unchecked) private var heapCapacity = 0
    /// Slots with a filed time, hence valid heap entries.
    @exclusivity(unchecked) private var filedCount = 0

    struct HeapEntry {
        var time: Int64
        var slot: Int
    }

    init(stride: Int, rows: KeyRows, column: Int) {
        self.stride = stride
        self.rows = rows
        self.column = column
        heap = .allocate(capacity: 1)
    }

    @inline(__always)
    private func state(_ slot: Int) -> UnsafeMutablePointer<SlotState> { rows.state(slot, column) }

    deinit {
        for slot in 0..<rows.count { state(slot).pointee.items?.deallocate() }
        heap.deallocate()
    }

    var approximateBytes: Int {
        allocatedWords * 8 + rows.count * MemoryLayout<SlotState>.stride
            + heapCapacity * MemoryLayout<HeapEntry>.stride
    }

    // MARK: - Items

    @inline(__always)
    func count(_ slot: Int) -> Int { Int(state(slot).pointee.count) }

    /// The words of item `index` of `slot`; valid until the slot's next insert or removal.
    @inline(__always)
    func item(_ slot: Int, _ index: Int) -> UnsafeMutablePointer<UInt64> {
        state(slot).pointee.items.unsafelyUnwrapped + index * stride
    }

    /// Time word (word 0) of item `index` of `slot`.
    @inline(__always)
    func time(_ slot: Int, _ index: Int) -> Int64 {
        Int64(bitPattern: state(slot).pointee.items.unsafelyUnwrapped[index * stride])
    }

    @inline(__always)
    func mark(_ slot: Int) -> Int64 { state(slot).pointee.mark }

    @inline(__always)
    func setMark(_ slot: Int, _ mark: Int64) { state(slot).pointee.mark = mark }

    /// Opens a gap for one item at `index` and returns its (uninitialized) words.
    func insert(_ slot: Int, at index: Int) -> UnsafeMutablePointer<UInt64> {
        let count = Int(state(slot).pointee.count)
        if count == Int(state(slot).pointee.capacity) { resize(slot, to: max(2, count + (count >> 1) + 1)) }
        let base = state(slot).pointee.items.unsafelyUnwrapped
        if index < count {
            (base + (index + 1) * stride).update(from: base + index * stride, count: (count - index) * stride)
        }
        state(slot).pointee.count = Int32(count + 1)
        itemCount += 1
        return base + index * stride
    }

    /// Removes items `range` of `slot`, keeping the order of the rest.
    func remove(_ slot: Int, _ range: Range<Int>) {
        guard !range.isEmpty else { return }
        let count = Int(state(slot).pointee.count)
        let base = state(slot).pointee.items.unsafelyUnwrapped
        let tail = count - range.upperBound
        if tail > 0 {
            (base + range.lowerBound * stride).update(from: base + range.upperBound * stride, count: tail * stride)
        }
        let remaining = count - range.count
        state(slot).pointee.count = Int32(remaining)
        itemCount -= range.count
        let capacity = Int(state(slot).pointee.capacity)
        if remaining == 0 {
            // A small buffer stays with a live key: its next pane would allocate one again at once.
            if capacity > 2 { release(slot) }
        } else if remaining * 4 < capacity && capacity > 8 {
            resize(slot, to: capacity / 2)
        }
    }

    /// Drops every item of `slot` and frees all its memory.
    func removeAll(_ slot: Int) {
        itemCount -= Int(state(slot).pointee.count)
        state(slot).pointee.count = 0
        release(slot)
    }

    /// Replaces the items of `slot` by `count` uninitialized items and returns their words.
    func reset(_ slot: Int, count: Int) -> UnsafeMutablePointer<UInt64>? {
        removeAll(slot)
        guard count > 0 else { return nil }
        resize(slot, to: count)
        state(slot).pointee.count = Int32(count)
        itemCount += count
        return state(slot).pointee.items
    }

    private func release(_ slot: Int) {
        if let base = state(slot).pointee.items {
            base.deallocate()
            allocatedWords -= Int(state(slot).pointee.capacity) * stride
        }
        state(slot).pointee.items = nil
        state(slot).pointee.capacity = 0
    }

    private func resize(_ slot: Int, to capacity: Int) {
        let count = Int(state(slot).pointee.count)
        let fresh = UnsafeMutablePointer<UInt64>.allocate(capacity: capacity * stride)
        if let old = state(slot).pointee.items {
            fresh.moveInitialize(from: old, count: count * stride)
            old.deallocate()
        }
        allocatedWords += (capacity - Int(state(slot).pointee.capacity)) * stride
        state(slot).pointee.items = fresh
        state(slot).pointee.capacity = Int32(capacity)
    }

    // MARK: - Close heap

    /// Takes the next slot whose filed time is at or before `watermark` off the heap and unfiles it;
    /// nil when none is due.
    @inline(__always)
    func popDue(_ watermark: Int64) -> Int? {
        while heapCount > 0 && heap[0].time <= watermark {
            let entry = heap[0]
            removeTop()
            if state(entry.slot).pointee.filedTime == entry.time {
                state(entry.slot).pointee.filedTime = .max
                filedCount -= 1
                return entry.slot
            }
        }
        return nil
    }

    /// Files `slot` to be looked at no later than `time`; a later time than the filed one is ignored.
    @inline(__always)
    func lowerCloseTime(_ slot: Int, _ time: Int64) {
        guard time < state(slot).pointee.filedTime else { return }
        file(slot, time)
    }

    /// Files `slot` at exactly `time`; `Int64.max` unfiles it.
    func setCloseTime(_ slot: Int, _ time: Int64) {
        guard time != state(slot).pointee.filedTime else { return }
        file(slot, time)
    }

    private func file(_ slot: Int, _ time: Int64) {
        let previous = state(slot).pointee.filedTime
        state(slot).pointee.filedTime = time
        if previous == .max { filedCount += 1 }
        if time == .max {
            filedCount -= 1
            return
        }
        if heapCount > 2 * filedCount + 1024 { compactHeap() }
        push(HeapEntry(time: time, slot: slot))
    }

    private func push(_ entry: HeapEntry) {
        if heapCount == heapCapacity {
            let capacity = max(16, heapCapacity * 2)
            let fresh = UnsafeMutablePointer<HeapEntry>.allocate(capacity: capacity)
            fresh.moveInitialize(from: heap, count: heapCount)
            heap.deallocate()
            heap = fresh
            heapCapacity = capacity
        }
        var child = heapCount
        heapCount += 1
        while child > 0 {
            let parent = (child - 1) >> 1
            if heap[parent].time <= entry.time { break }
            heap[child] = heap[parent]
            child = parent
        }
        heap[child] = entry
    }

    private func removeTop() {
        heapCount -= 1
        guard heapCount > 0 else { return }
        siftDown(heap[heapCount], from: 0)
    }

    private func siftDown(_ entry: HeapEntry, from start: Int) {
        var parent = start
        while true {
            var child = 2 * parent + 1
            if child >= heapCount { break }
            if child + 1 < heapCount && heap[child + 1].time < heap[child].time { child += 1 }
            if heap[child].time >= entry.time { break }
            heap[parent] = heap[child]
            parent = child
        }
        heap[parent] = entry
    }

    /// Drops stale entries and restores the heap order (Floyd's bottom-up construction).
    private func compactHeap() {
        var kept = 0
        for position in 0..<heapCount where state(heap[position].slot).pointee.filedTime == heap[position].time {
            heap[kept] = heap[position]
            kept += 1
        }
        heapCount = kept
        var position = kept / 2 - 1
        while position >= 0 {
            siftDown(heap[position], from: position)
            position -= 1
        }
    }
}
