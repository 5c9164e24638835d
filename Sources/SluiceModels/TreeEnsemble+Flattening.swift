extension TreeEnsemble {
    /// Checks and flattens trees: every child in range, every node reached at most once (so each tree
    /// is a tree: no cycles, no shared children), every feature index below `featureCount`. Nodes are
    /// renumbered breadth-first, children side by side and after their parent, so that evaluation
    /// needs no recursion and always ends. Nodes no path reaches (xgboost's deleted nodes) are dropped.
    ///
    /// Slot layout (each stored multiplied by `lanes`): 2f and 2f + 1 for x and −x of feature f, the
    /// leaf slot 2F, category codes at 2F + 1 + f, and above 3F + 1 the special splits' numbers. A
    /// categorical split's key is where its bit set starts in `bitsets`: its word count, its words,
    /// then a 0 word (not a category) and a word of all ones or zeros (missing goes high or low).
    convenience init(flattening drafts: [TreeDraft<Value>], featureCount: Int, outputCount: Int)
        throws(TreeDraftError)
    {
        let leafSlot = 2 * featureCount
        // Slots are stored multiplied by the group stride, so a batch step addresses a lane with one
        // index register; a single-row step shifts it back.
        let lanes = Self.lanes
        let specialBase = 3 * featureCount + 1
        guard specialBase * lanes <= Node.maximumSlot else {
            throw TreeDraftError(tree: 0, node: 0, message: "too many features (\(featureCount)) for this node layout")
        }
        var nodes: [Node] = []
        var trees: [FlatTree] = []
        var specials: [SpecialSplit] = []
        // Three zero words first: a numerical node in a mixed tree looks up "set 0" and finds nothing.
        var bitsets: [UInt32] = [0, 0, 0]
        var categoryRule: CategoryRule?
        trees.reserveCapacity(drafts.count)

        for (treeIndex, draft) in drafts.enumerated() {
            func fail(_ node: Int, _ message: String) -> TreeDraftError {
                TreeDraftError(tree: treeIndex, node: node, message: message)
            }
            guard !draft.nodes.isEmpty else { throw fail(0, "the tree has no nodes") }
            guard (0..<outputCount).contains(draft.output) else {
                throw fail(0, "the tree adds to output \(draft.output), but the model has \(outputCount) outputs")
            }
            var newIndex = [Int](repeating: -1, count: draft.nodes.count)
            var depthOf = [Int](repeating: 0, count: draft.nodes.count)
            var order: [Int] = [0]
            let root = nodes.count
            newIndex[0] = root
            var maxDepth = 0
            var hasSpecial = false
            var hasCategorical = false
            var cursor = 0
            // Reserve each node's place first, then fill it, so children can be placed as pairs.
            nodes.append(Node(key: 0, slot: 0, low: 0))
            while cursor < order.count {
                let old = order[cursor]
                cursor += 1
                let here = newIndex[old]
                func placeChildren(_ low: Int, _ high: Int) throws(TreeDraftError) -> Int {
                    for child in [low, high] {
                        guard (0..<draft.nodes.count).contains(child) else {
                            throw fail(old, "child \(child) is out of range: the tree has \(draft.nodes.count) nodes")
                        }
                        guard newIndex[child] < 0, child != 0 else {
                            throw fail(old, "child \(child) is reached twice: the nodes do not form a tree")
                        }
                    }
                    guard low != high else { throw fail(old, "both children are node \(low)") }
                    let first = nodes.count
                    guard first + 1 <= Node.maximumIndex else {
                        throw fail(old, "the model has too many nodes for this node layout")
                    }
                    newIndex[low] = first
                    newIndex[high] = first + 1
                    depthOf[low] = depthOf[old] + 1
                    depthOf[high] = depthOf[old] + 1
                    maxDepth = max(maxDepth, depthOf[old] + 1)
                    nodes.append(Node(key: 0, slot: 0, low: 0))
                    nodes.append(Node(key: 0, slot: 0, low: 0))
                    order.append(low)
                    order.append(high)
                    return first
                }
                func checkFeature(_ feature: Int) throws(TreeDraftError) {
                    guard (0..<featureCount).contains(feature) else {
                        throw fail(
                            old, "split feature \(feature) is out of range: the model has \(featureCount) features")
                    }
                }
                switch draft.nodes[old] {
                case .leaf(let value):
                    guard value.isFinite else { throw fail(old, "the leaf value is not finite") }
                    // +0 is stored as −0 (x + −0 == x + +0 for every x but −0 itself): its bits are not 0.
                    let stored = value == 0 ? -Value.zero : value
                    nodes[here] = Node(key: stored.bitsAsKey, slot: leafSlot * lanes, low: here)
                case .compare(let feature, let negated, let threshold, let low, let high):
                    try checkFeature(feature)
                    // Finite thresholds keep every key comparison equal to the float comparison it stands for.
                    guard threshold.isFinite else { throw fail(old, "the split threshold \(threshold) is not finite") }
                    let first = try placeChildren(low, high)
                    nodes[here] = Node(
                        key: threshold.orderKey, slot: (2 * feature + (negated ? 1 : 0)) * lanes, low: first)
                case .categorical(let rule, let feature, let categories, let missingGoesHigh, let low, let high):
                    try checkFeature(feature)
                    if let categoryRule, categoryRule != rule {
                        throw fail(old, "categorical splits of two libraries in one model")
                    }
                    categoryRule = rule
                    let first = try placeChildren(low, high)
                    let start = bitsets.count
                    guard start + categories.count + 3 <= Int(UInt32.max), categories.count < Int(UInt32.max) else {
                        throw fail(old, "the model's category sets are too large")
                    }
                    bitsets.append(UInt32(categories.count))
                    bitsets.append(contentsOf: categories)
                    bitsets.append(0)
                    bitsets.append(missingGoesHigh ? UInt32.max : 0)
                    nodes[here] = Node(key: Key(start), slot: (leafSlot + 1 + feature) * lanes, low: first)
                    hasCategorical = true
                case .special(let split, let low, let high):
                    try checkFeature(split.feature)
                    let first = try placeChildren(low, high)
                    let index = specials.count
                    guard (specialBase + index) * lanes <= Node.maximumSlot else {
                        throw fail(old, "the model has too many special splits for this node layout")
                    }
                    specials.append(split)
                    nodes[here] = Node(key: 0, slot: (specialBase + index) * lanes, low: first)
                    hasSpecial = true
                }
            }
            trees.append(
                FlatTree(
                    root: Int32(root), depth: Int32(maxDepth), output: Int32(draft.output),
                    kind: hasSpecial ? .checked : hasCategorical ? .categorical : .fast))
        }
        self.init(
            featureCount: featureCount, outputCount: outputCount, nodes: nodes, trees: trees, specials: specials,
            bitsets: bitsets, categoryRule: categoryRule)
    }
}
