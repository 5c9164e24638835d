/// One node of a flattened tree, in one of two layouts (see `WideNode` and `CompactNode`).
///
/// Children of a split are stored side by side, so a step is `next = low + (row[slot] >= key ? 1 : 0)`
/// with no branch. A leaf points to itself and reads the leaf slot of the prepared row, which holds
/// key 0 and so never reaches its nonzero bits: a row that reaches a leaf early stays there for the
/// remaining fixed-depth steps.
protocol FlatNode: Sendable {
    associatedtype Key: FixedWidthInteger & UnsignedInteger & Sendable

    /// The largest slot and node index the layout can hold.
    static var maximumSlot: Int { get }
    static var maximumIndex: Int { get }

    init(key: Key, slot: Int, low: Int)

    /// A split's threshold as an order key, or a leaf's value bits (never 0, the bits of +0, which
    /// loaders store as −0's bits instead: the sum is the same).
    var key: Key { get }
    /// Which prepared-row slot the split reads (`2·feature` for x, `2·feature + 1` for −x); the leaf
    /// slot `2·featureCount` for a leaf; `leafSlot + 1 + i` for special split `i`; each multiplied by
    /// `TreeEnsemble.lanes`, the stride of a slot in a batch group.
    var slot: Int { get }
    /// The low child (the high child is `low + 1`); a leaf's own index.
    var low: Int { get }
}
