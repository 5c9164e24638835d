/// Trees flattened into contiguous arrays and evaluated without recursion or allocation.
///
/// **Prepared rows.** Before walking, a row is *prepared* into integer slots: feature f's order key
/// (see `TreeScalar`) goes to slot 2f and that of its negation to slot 2f + 1, with a missing value
/// (NaN) written as 0 (`Key.min`) in both; slot 2F, the leaf slot, holds 0; for models with
/// categorical splits, slot 2F + 1 + f holds feature f's category code (`CategoryRule`). A single
/// row is `slotCount` keys (small enough for the stack); a batch stores rows in groups of `lanes`
/// (8), lane-interleaved: slot s of lane k is element `s * lanes + k`. Special splits read the
/// caller's original `Double` features.
///
/// **Walking.** A fast split reads one slot and goes to its high child when `slot >= key`. Key 0 is
/// below every threshold, so a missing value goes low, the split's missing-value direction, exactly
/// as a NaN fails every float comparison. Every tree walks exactly `depth` steps (a leaf reads the
/// leaf slot and stays), so the walk has no data-dependent branch, and the walks of eight trees (one
/// row) or eight rows (a batch) run in lockstep for the CPU to overlap. Trees with categorical
/// splits take the *mixed* step, which computes both a comparison and a bit-set lookup and keeps the
/// one the node's kind asks for: more work per step, still no branch. Trees with special splits
/// (LightGBM zero rules) take a checked loop.
///
/// Leaf values are added in tree order into `Value` accumulators, which is what makes float32 sums
/// match xgboost bit for bit.
final class TreeEnsemble<Value: TreeScalar, Node: FlatNode>: Sendable where Node.Key == Value.Key {
    typealias Key = Value.Key

    /// How trees are walked for one row: runs of eight trees of one kind (fast or categorical) in
    /// lockstep, or one tree alone.
    struct TreeRun: Sendable {
        var first: Int32
        /// 8 (lockstep) or 1.
        var count: Int32
        /// The deepest tree of the run.
        var depth: Int32
        var kind: FlatTree.Kind
    }

    let featureCount: Int
    let outputCount: Int
    let nodes: [Node]
    let trees: [FlatTree]
    let runs: [TreeRun]
    let specials: [SpecialSplit]
    /// Category bit sets: for each categorical split, its word count, its words and two sentinels.
    let bitsets: [UInt32]
    /// How category codes are read; nil for models without categorical splits.
    let categoryRule: CategoryRule?
    /// The features categorical splits read, whose codes `prepare` writes.
    let categoricalFeatures: [Int]

    /// Rows per group, and the stride of a slot within a group. Nodes store slots multiplied by it.
    static var lanes: Int { 8 }

    /// Rows per block in batch scoring: a multiple of `lanes`, up to 256, with the block's prepared
    /// groups within 32 KiB so that they stay in cache while every tree walks them.
    var blockRows: Int {
        let rows = (32 * 1024) / (slotCount * MemoryLayout<Key>.size)
        return Swift.max(Self.lanes, Swift.min(256, rows / Self.lanes * Self.lanes))
    }

    /// Takes flattened trees as they are; `init(flattening:)` is the checked way to get them.
    init(
        featureCount: Int, outputCount: Int, nodes: [Node], trees: [FlatTree], specials: [SpecialSplit],
        bitsets: [UInt32], categoryRule: CategoryRule?
    ) {
        self.featureCount = featureCount
        self.outputCount = outputCount
        self.nodes = nodes
        self.trees = trees
        self.specials = specials
        self.bitsets = bitsets
        self.categoryRule = categoryRule
        let codeSlots = (2 * featureCount + 1)..<(3 * featureCount + 1)
        categoricalFeatures = Set(nodes.map { $0.slot / Self.lanes }.filter { codeSlots.contains($0) })
            .map { $0 - codeSlots.lowerBound }.sorted()
        var runs: [TreeRun] = []
        var t = 0
        while t < trees.count {
            let kind = trees[t].kind
            if kind != .checked, t + 8 <= trees.count, trees[t..<(t + 8)].allSatisfy({ $0.kind == kind }) {
                let depth = trees[t..<(t + 8)].map(\.depth).max()!
                runs.append(TreeRun(first: Int32(t), count: 8, depth: depth, kind: kind))
                t += 8
            } else {
                runs.append(TreeRun(first: Int32(t), count: 1, depth: trees[t].depth, kind: kind))
                t += 1
            }
        }
        self.runs = runs
    }

    /// Slots in a prepared row: x and −x per feature, the leaf slot, and category codes if needed.
    var slotCount: Int { (categoryRule == nil ? 2 : 3) * featureCount + 1 }
    /// Keys in a prepared group of `lanes` rows.
    var groupSize: Int { slotCount * Self.lanes }
    /// The slot leaves read: always key 0.
    var leafSlot: Int { 2 * featureCount }

    /// Writes the prepared form of one row of `featureCount` doubles into `slotCount` keys.
    @inline(__always)
    func prepare(_ features: UnsafePointer<Double>, into row: UnsafeMutablePointer<Key>) {
        prepareLane(features, into: row, stride: 1)
    }

    /// Writes up to `lanes` rows (`count` ≥ 1 of them, `featureCount` doubles apart) into a group.
    /// Unused lanes repeat the last row, so the group is always walked whole; their results are dropped.
    @inline(__always)
    func prepareGroup(_ features: UnsafePointer<Double>, count: Int, into group: UnsafeMutablePointer<Key>) {
        for lane in 0..<Self.lanes {
            prepareLane(features + Swift.min(lane, count &- 1) &* featureCount, into: group + lane, stride: Self.lanes)
        }
    }

    @inline(__always)
    private func prepareLane(_ features: UnsafePointer<Double>, into lane: UnsafeMutablePointer<Key>, stride: Int) {
        for feature in 0..<featureCount {
            let x = Value(converting: features[feature])
            // x + 0 and 0 − x turn −0 into +0, so no slot holds −0 (see `TreeScalar`).
            let isMissing = x.isNaN
            lane[(2 &* feature) &* stride] = isMissing ? .min : (x + 0).orderKey
            lane[(2 &* feature &+ 1) &* stride] = isMissing ? .min : (0 - x).orderKey
        }
        lane[(2 &* featureCount) &* stride] = .min
        if let categoryRule {
            let codes = lane + (2 &* featureCount &+ 1) &* stride
            for feature in categoricalFeatures {
                codes[feature &* stride] = categoryRule.code(features[feature])
            }
        }
    }

    /// Adds every tree's leaf value for one prepared row to `accumulators[tree.output]`, in tree order.
    /// `features` is the row as given, for special splits.
    func accumulate(
        row: UnsafePointer<Key>, features: UnsafePointer<Double>, into accumulators: UnsafeMutablePointer<Value>
    ) {
        nodes.withUnsafeBufferPointer { nodes in
            trees.withUnsafeBufferPointer { trees in
                runs.withUnsafeBufferPointer { runs in
                    // Only the fast step lives here; other kinds are walked out of line, so that the
                    // eight fast chains keep the CPU's registers to themselves.
                    let fast = FastStep<Value, Node, RowSlots>(nodes: nodes.baseAddress!)
                    let nodes = nodes.baseAddress!
                    if outputCount == 1 {
                        // One output: the sum stays in a register instead of going through memory.
                        var sum = accumulators[0]
                        for run in runs {
                            let t = Int(run.first)
                            if run.count == 8 {
                                let leaf =
                                    run.kind == .fast
                                    ? Self.walkEight(fast, trees, t, run.depth, row)
                                    : walkEightCategorical(trees, t, run.depth, row)
                                sum += Self.leafValue(nodes[leaf.0])
                                sum += Self.leafValue(nodes[leaf.1])
                                sum += Self.leafValue(nodes[leaf.2])
                                sum += Self.leafValue(nodes[leaf.3])
                                sum += Self.leafValue(nodes[leaf.4])
                                sum += Self.leafValue(nodes[leaf.5])
                                sum += Self.leafValue(nodes[leaf.6])
                                sum += Self.leafValue(nodes[leaf.7])
                            } else {
                                let tree = trees[t]
                                let leaf =
                                    tree.kind == .fast
                                    ? Self.walk(fast, Int(tree.root), tree.depth, row)
                                    : tree.kind == .checked && categoryRule == nil
                                        ? walkChecked(fast, tree, row, features: features)
                                        : walkOther(tree, row, RowSlots.self, features: features)
                                sum += Self.leafValue(nodes[leaf])
                            }
                        }
                        accumulators[0] = sum
                        return
                    }
                    for run in runs {
                        let t = Int(run.first)
                        if run.count == 8 {
                            let leaf =
                                run.kind == .fast
                                ? Self.walkEight(fast, trees, t, run.depth, row)
                                : walkEightCategorical(trees, t, run.depth, row)
                            accumulators[Int(trees[t].output)] += Self.leafValue(nodes[leaf.0])
                            accumulators[Int(trees[t &+ 1].output)] += Self.leafValue(nodes[leaf.1])
                            accumulators[Int(trees[t &+ 2].output)] += Self.leafValue(nodes[leaf.2])
                            accumulators[Int(trees[t &+ 3].output)] += Self.leafValue(nodes[leaf.3])
                            accumulators[Int(trees[t &+ 4].output)] += Self.leafValue(nodes[leaf.4])
                            accumulators[Int(trees[t &+ 5].output)] += Self.leafValue(nodes[leaf.5])
                            accumulators[Int(trees[t &+ 6].output)] += Self.leafValue(nodes[leaf.6])
                            accumulators[Int(trees[t &+ 7].output)] += Self.leafValue(nodes[leaf.7])
                        } else {
                            let tree = trees[t]
                            let leaf =
                                tree.kind == .fast
                                ? Self.walk(fast, Int(tree.root), tree.depth, row)
                                : tree.kind == .checked && categoryRule == nil
                                    ? walkChecked(fast, tree, row, features: features)
                                    : walkOther(tree, row, RowSlots.self, features: features)
                            accumulators[Int(tree.output)] += Self.leafValue(nodes[leaf])
                        }
                    }
                }
            }
        }
    }

    /// Eight categorical trees for one row in lockstep, out of line (see `accumulate(row:)`).
    @inline(never)
    private func walkEightCategorical(
        _ trees: UnsafeBufferPointer<FlatTree>, _ t: Int, _ depth: Int32, _ row: UnsafePointer<Key>
    ) -> (Int, Int, Int, Int, Int, Int, Int, Int) {
        nodes.withUnsafeBufferPointer { nodes in
            bitsets.withUnsafeBufferPointer { bitsets in
                let mixed = MixedStep<Value, Node, RowSlots>(
                    nodes: nodes.baseAddress!, bitsets: bitsets.baseAddress!, leafSlot: leafSlot &* Self.lanes)
                return Self.walkEight(mixed, trees, t, depth, row)
            }
        }
    }

    /// Eight rows of a group through one categorical tree in lockstep, out of line.
    @inline(never)
    private func walkLanesCategorical(_ tree: FlatTree, _ group: UnsafePointer<Key>)
        -> (Int, Int, Int, Int, Int, Int, Int, Int)
    {
        nodes.withUnsafeBufferPointer { nodes in
            bitsets.withUnsafeBufferPointer { bitsets in
                let mixed = MixedStep<Value, Node, LaneSlots>(
                    nodes: nodes.baseAddress!, bitsets: bitsets.baseAddress!, leafSlot: leafSlot &* Self.lanes)
                return Self.walkLanes(mixed, Int(tree.root), tree.depth, group)
            }
        }
    }

    /// One categorical or checked tree for one row (or one lane of a group), out of line.
    @inline(never)
    private func walkOther<Slots: SlotAddressing>(
        _ tree: FlatTree, _ row: UnsafePointer<Key>, _ slots: Slots.Type, features: UnsafePointer<Double>
    ) -> Int {
        nodes.withUnsafeBufferPointer { nodes in
            bitsets.withUnsafeBufferPointer { bitsets in
                let mixed = MixedStep<Value, Node, Slots>(
                    nodes: nodes.baseAddress!, bitsets: bitsets.baseAddress!, leafSlot: leafSlot &* Self.lanes)
                if tree.kind == .categorical {
                    return Self.walk(mixed, Int(tree.root), tree.depth, row)
                }
                if categoryRule == nil {
                    return walkChecked(
                        FastStep<Value, Node, Slots>(nodes: nodes.baseAddress!), tree, row, features: features)
                }
                return walkChecked(mixed, tree, row, features: features)
            }
        }
    }

    /// Adds every tree's leaf values for `rowCount` rows, prepared in consecutive groups, to the
    /// rows' accumulators (stride `outputCount`), tree by tree: each tree's nodes stay in cache across
    /// the block, and a group's eight rows walk it in lockstep. `features` holds the rows as given
    /// (`featureCount` apart), for special splits.
    func accumulate(
        groups: UnsafePointer<Key>, features: UnsafePointer<Double>, rowCount: Int,
        into accumulators: UnsafeMutablePointer<Value>
    ) {
        let lanes = Self.lanes
        let groupSize = self.groupSize
        let outputs = outputCount
        let groupCount = (rowCount &+ lanes &- 1) / lanes
        nodes.withUnsafeBufferPointer { nodes in
            trees.withUnsafeBufferPointer { trees in
                let fast = FastStep<Value, Node, LaneSlots>(nodes: nodes.baseAddress!)
                let nodes = nodes.baseAddress!
                for tree in trees {
                    let output = Int(tree.output)
                    for g in 0..<groupCount {
                        let group = groups + g &* groupSize
                        let first = g &* lanes
                        let live = Swift.min(lanes, rowCount &- first)
                        let a = accumulators + (first &* outputs &+ output)
                        let leaf: (Int, Int, Int, Int, Int, Int, Int, Int)
                        switch tree.kind {
                        case .fast:
                            leaf = Self.walkLanes(fast, Int(tree.root), tree.depth, group)
                        case .categorical:
                            leaf = walkLanesCategorical(tree, group)
                        case .checked:
                            for lane in 0..<live {
                                let row = features + (first &+ lane) &* featureCount
                                let index =
                                    categoryRule == nil
                                    ? walkChecked(fast, tree, group + lane, features: row)
                                    : walkOther(tree, group + lane, LaneSlots.self, features: row)
                                a[lane &* outputs] += Self.leafValue(nodes[index])
                            }
                            continue
                        }
                        a[0] += Self.leafValue(nodes[leaf.0])
                        if live == lanes {
                            a[outputs] += Self.leafValue(nodes[leaf.1])
                            a[2 &* outputs] += Self.leafValue(nodes[leaf.2])
                            a[3 &* outputs] += Self.leafValue(nodes[leaf.3])
                            a[4 &* outputs] += Self.leafValue(nodes[leaf.4])
                            a[5 &* outputs] += Self.leafValue(nodes[leaf.5])
                            a[6 &* outputs] += Self.leafValue(nodes[leaf.6])
                            a[7 &* outputs] += Self.leafValue(nodes[leaf.7])
                        } else {
                            // A partial last group: lanes past `live` repeat the last row and are dropped.
                            if live > 1 { a[outputs] += Self.leafValue(nodes[leaf.1]) }
                            if live > 2 { a[2 &* outputs] += Self.leafValue(nodes[leaf.2]) }
                            if live > 3 { a[3 &* outputs] += Self.leafValue(nodes[leaf.3]) }
                            if live > 4 { a[4 &* outputs] += Self.leafValue(nodes[leaf.4]) }
                            if live > 5 { a[5 &* outputs] += Self.leafValue(nodes[leaf.5]) }
                            if live > 6 { a[6 &* outputs] += Self.leafValue(nodes[leaf.6]) }
                        }
                    }
                }
            }
        }
    }

    @inline(__always)
    private static func leafValue(_ node: Node) -> Value { Value(bitsOfKey: node.key) }

    /// Walks trees `t ..< t + 8` (all of the step's kind) for one row in lockstep: eight independent
    /// chains of loads in flight. Returns their leaves.
    @inline(__always)
    private static func walkEight<Step: WalkStep>(
        _ step: Step, _ trees: UnsafeBufferPointer<FlatTree>, _ t: Int, _ depth: Int32, _ row: UnsafePointer<Key>
    ) -> (Int, Int, Int, Int, Int, Int, Int, Int) where Step.Key == Key {
        var i0 = Int(trees[t].root)
        var i1 = Int(trees[t &+ 1].root)
        var i2 = Int(trees[t &+ 2].root)
        var i3 = Int(trees[t &+ 3].root)
        var i4 = Int(trees[t &+ 4].root)
        var i5 = Int(trees[t &+ 5].root)
        var i6 = Int(trees[t &+ 6].root)
        var i7 = Int(trees[t &+ 7].root)
        for _ in 0..<depth {
            i0 = step.next(i0, row)
            i1 = step.next(i1, row)
            i2 = step.next(i2, row)
            i3 = step.next(i3, row)
            i4 = step.next(i4, row)
            i5 = step.next(i5, row)
            i6 = step.next(i6, row)
            i7 = step.next(i7, row)
        }
        return (i0, i1, i2, i3, i4, i5, i6, i7)
    }

    /// Walks one tree for the eight rows of a lane-interleaved group in lockstep. Steps take slots
    /// unshifted: a node's slot already is the offset in the group, plus the lane.
    @inline(__always)
    private static func walkLanes<Step: WalkStep>(
        _ step: Step, _ root: Int, _ depth: Int32, _ group: UnsafePointer<Key>
    )
        -> (Int, Int, Int, Int, Int, Int, Int, Int) where Step.Key == Key
    {
        var i0 = root
        var i1 = root
        var i2 = root
        var i3 = root
        var i4 = root
        var i5 = root
        var i6 = root
        var i7 = root
        for _ in 0..<depth {
            i0 = step.next(i0, group)
            i1 = step.next(i1, group + 1)
            i2 = step.next(i2, group + 2)
            i3 = step.next(i3, group + 3)
            i4 = step.next(i4, group + 4)
            i5 = step.next(i5, group + 5)
            i6 = step.next(i6, group + 6)
            i7 = step.next(i7, group + 7)
        }
        return (i0, i1, i2, i3, i4, i5, i6, i7)
    }

    @inline(__always)
    private static func walk<Step: WalkStep>(_ step: Step, _ root: Int, _ depth: Int32, _ row: UnsafePointer<Key>)
        -> Int where Step.Key == Key
    {
        var index = root
        for _ in 0..<depth {
            index = step.next(index, row)
        }
        return index
    }

    /// The walk for trees with special splits: branches on the kind of node, and stops at the leaf
    /// (these trees are LightGBM's, often deep on one side, where a fixed-depth walk would waste steps).
    /// `step` takes numerical (and, if the model has them, categorical) nodes; special splits read
    /// `features`.
    @inline(__always)
    private func walkChecked<Step: WalkStep>(
        _ step: Step, _ tree: FlatTree, _ row: UnsafePointer<Key>, features: UnsafePointer<Double>
    ) -> Int where Step.Key == Key {
        let specialBase = (3 &* featureCount &+ 1) &* Self.lanes
        let leafSlot = self.leafSlot &* Self.lanes
        return nodes.withUnsafeBufferPointer { nodes in
            specials.withUnsafeBufferPointer { specials in
                var index = Int(tree.root)
                // Children always come after their parent, so this ends within `depth` steps.
                while true {
                    let slot = nodes[index].slot
                    if slot < leafSlot {
                        index = step.next(index, row)
                    } else if slot == leafSlot {
                        return index
                    } else if slot < specialBase {
                        index = step.next(index, row)
                    } else {
                        let split = specials[(slot &- specialBase) / Self.lanes]
                        index = nodes[index].low &+ split.direction(features[split.feature])
                    }
                }
            }
        }
    }
}
