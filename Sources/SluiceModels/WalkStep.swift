/// One step of a tree walk: from node `index` to its child, for the row whose slots `row` holds.
/// Implementations are plain arithmetic on loaded values, with no branch, so that the steps of
/// several trees or rows overlap in the CPU.
protocol WalkStep<Key> {
    associatedtype Key
    func next(_ index: Int, _ row: UnsafePointer<Key>) -> Int
}

/// How a step finds a slot: nodes store slots times `TreeEnsemble.lanes` (8), the offset in a
/// lane-interleaved batch group; a single prepared row shifts them back. A type, not a value, so the
/// shift is a constant in the specialized code.
protocol SlotAddressing {
    static var shift: Int { get }
}

/// Slots of a single prepared row.
enum RowSlots: SlotAddressing {
    static var shift: Int { 3 }
}

/// Slots of one lane of a batch group.
enum LaneSlots: SlotAddressing {
    static var shift: Int { 0 }
}

/// The step of trees with numerical splits only: `low + (row[slot] >= key ? 1 : 0)`.
struct FastStep<Value: TreeScalar, Node: FlatNode, Slots: SlotAddressing>: WalkStep where Node.Key == Value.Key {
    let nodes: UnsafePointer<Node>

    @inline(__always)
    func next(_ index: Int, _ row: UnsafePointer<Value.Key>) -> Int {
        let node = nodes[index]
        return node.low &+ Value.isAtLeast(row[node.slot &>> Slots.shift], node.key)
    }
}

/// The step of trees with categorical splits. It computes the numerical comparison and the
/// bit-set lookup of the node's category set (key = where the set starts; a numerical node looks up
/// the empty set at 0) and keeps the one the node's slot says it is: slots past the leaf slot are
/// category codes. Codes past the set read its first sentinel word (0, not in the set), the
/// missing code its second (the side missing values go).
struct MixedStep<Value: TreeScalar, Node: FlatNode, Slots: SlotAddressing>: WalkStep where Node.Key == Value.Key {
    let nodes: UnsafePointer<Node>
    let bitsets: UnsafePointer<UInt32>
    /// The leaf slot, times `TreeEnsemble.lanes`.
    let leafSlot: Int

    @inline(__always)
    func next(_ index: Int, _ row: UnsafePointer<Value.Key>) -> Int {
        let node = nodes[index]
        let slot = node.slot
        let value = row[slot &>> Slots.shift]
        let isCategory = slot > leafSlot
        let start = isCategory ? Int(truncatingIfNeeded: node.key) : 0
        let count = Int(truncatingIfNeeded: bitsets[start])
        // The missing code (all ones) is the only one with both its top and bottom bit set.
        let isMissing = Int(truncatingIfNeeded: (value &>> (Value.Key.bitWidth &- 1)) & value & 1)
        let word = Swift.min(Int(truncatingIfNeeded: value &>> 5), count) &+ isMissing
        let bit = Int(truncatingIfNeeded: (bitsets[start &+ 1 &+ word] &>> UInt32(truncatingIfNeeded: value & 31)) & 1)
        let comparison = Value.isAtLeast(value, node.key)
        return node.low &+ (isCategory ? bit : comparison)
    }
}
