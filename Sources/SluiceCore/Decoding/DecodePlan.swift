/// The requested field paths compiled into a trie the scanner walks while it reads an object.
///
/// Node 0 is the top-level object. Each node's member keys are contiguous in ``children``; a child
/// names the field its value fills (if its path ends there) and the node to descend into (if longer
/// paths continue through it). Built once per ``EventDecoder``; immutable afterwards.
final class DecodePlan: @unchecked Sendable {
    // @unchecked Sendable: every buffer is written in init and only read afterwards; deinit frees them.

    struct Node {
        /// The node's members are `children[firstChild ..< firstChild + childCount]`.
        var firstChild: Int32
        var childCount: Int32
        /// Bit `min(length, 63)` is set for every child key length: a one-instruction filter for keys
        /// that cannot match.
        var lengthMask: UInt64
        /// Where this node's open-addressing table starts in ``DecodePlan/keyTable``.
        var tableStart: Int32
        /// The table has `1 << tableBits` slots, at most a quarter of them used.
        var tableBits: Int32
    }

    struct Child {
        var keyStart: Int32
        var keyLength: Int32
        /// The first eight key bytes, little-endian, zero-padded.
        var keyPrefix: UInt64
        /// The field this member's value fills, or -1.
        var field: Int32
        /// The node describing this member's own members, or -1.
        var node: Int32
        /// Range in ``DecodePlan/subtreeFields`` of the fields below `node`: cleared whenever this member
        /// appears again, so that the last occurrence of a duplicate key wins for nested paths too.
        var subtreeStart: Int32
        var subtreeCount: Int32
    }

    let nodes: UnsafeMutableBufferPointer<Node>
    let children: UnsafeMutableBufferPointer<Child>
    let keyBytes: UnsafeMutableBufferPointer<UInt8>
    let subtreeFields: UnsafeMutableBufferPointer<Int32>
    /// Per node, a hash table from ``keyHash(length:first:last:bits:)`` to an index in ``children``;
    /// -1 marks an empty slot. Collisions probe the next slot.
    let keyTable: UnsafeMutableBufferPointer<Int32>
    /// Pairs (source, target): a path requested more than once is decoded into its first index and copied
    /// to the others.
    let aliases: UnsafeMutableBufferPointer<(source: Int32, target: Int32)>
    let fieldCount: Int

    init(paths: [FieldPath]) {
        final class BuildNode {
            var keys: [[UInt8]] = []
            var fields: [Int32] = []
            var nodes: [BuildNode?] = []

            func entry(for key: [UInt8]) -> Int {
                if let index = keys.firstIndex(of: key) { return index }
                keys.append(key)
                fields.append(-1)
                nodes.append(nil)
                return keys.count - 1
            }
        }

        let root = BuildNode()
        var aliasPairs: [(source: Int32, target: Int32)] = []
        for (fieldIndex, path) in paths.enumerated() {
            var node = root
            for (level, component) in path.components.enumerated() {
                let entry = node.entry(for: Array(component.utf8))
                if level == path.components.count - 1 {
                    if node.fields[entry] < 0 {
                        node.fields[entry] = Int32(fieldIndex)
                    } else {
                        aliasPairs.append((source: node.fields[entry], target: Int32(fieldIndex)))
                    }
                } else {
                    if node.nodes[entry] == nil { node.nodes[entry] = BuildNode() }
                    node = node.nodes[entry]!
                }
            }
        }

        // Breadth-first numbering keeps each node's children contiguous.
        var order: [BuildNode] = [root]
        var position = 0
        while position < order.count {
            for case let child? in order[position].nodes { order.append(child) }
            position += 1
        }
        func fieldsBelow(_ node: BuildNode) -> [Int32] {
            var result: [Int32] = []
            for (index, field) in node.fields.enumerated() {
                if field >= 0 { result.append(field) }
                if let child = node.nodes[index] { result += fieldsBelow(child) }
            }
            return result
        }

        var nodeList: [Node] = []
        var childList: [Child] = []
        var keyList: [UInt8] = []
        var subtreeList: [Int32] = []
        var tableList: [Int32] = []
        var nextNodeIndex: Int32 = 1
        for node in order {
            var mask: UInt64 = 0
            let first = Int32(childList.count)
            for (index, key) in node.keys.enumerated() {
                mask |= 1 << UInt64(min(key.count, 63))
                var prefix: UInt64 = 0
                for (byteIndex, byte) in key.prefix(8).enumerated() {
                    prefix |= UInt64(byte) << UInt64(8 * byteIndex)
                }
                var childNode: Int32 = -1
                var subtreeStart: Int32 = 0
                var subtreeCount: Int32 = 0
                if let child = node.nodes[index] {
                    childNode = nextNodeIndex
                    nextNodeIndex += 1
                    let below = fieldsBelow(child)
                    subtreeStart = Int32(subtreeList.count)
                    subtreeCount = Int32(below.count)
                    subtreeList += below
                }
                childList.append(
                    Child(
                        keyStart: Int32(keyList.count), keyLength: Int32(key.count), keyPrefix: prefix,
                        field: node.fields[index], node: childNode,
                        subtreeStart: subtreeStart, subtreeCount: subtreeCount))
                keyList += key
            }
            var bits: Int32 = 3
            while (1 << bits) < 4 * node.keys.count { bits += 1 }
            let tableStart = tableList.count
            tableList += [Int32](repeating: -1, count: 1 << bits)
            for (index, key) in node.keys.enumerated() {
                var slot = Int(
                    DecodePlan.keyHash(length: key.count, first: key.first ?? 0, last: key.last ?? 0, bits: bits))
                while tableList[tableStart + slot] >= 0 { slot = (slot + 1) & ((1 << bits) - 1) }
                tableList[tableStart + slot] = first + Int32(index)
            }
            nodeList.append(
                Node(
                    firstChild: first, childCount: Int32(node.keys.count), lengthMask: mask,
                    tableStart: Int32(tableStart), tableBits: bits))
        }

        func copy<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
            // Never a zero-sized allocation, so that the base address is always there to free.
            let start = UnsafeMutablePointer<T>.allocate(capacity: max(array.count, 1))
            let buffer = UnsafeMutableBufferPointer(start: start, count: array.count)
            _ = buffer.initialize(from: array)
            return buffer
        }
        nodes = copy(nodeList)
        children = copy(childList)
        keyBytes = copy(keyList)
        subtreeFields = copy(subtreeList)
        keyTable = copy(tableList)
        aliases = copy(aliasPairs)
        fieldCount = paths.count
    }

    /// The table slot for a key: its length and first and last bytes, mixed multiplicatively.
    @inline(always)
    static func keyHash(length: Int, first: UInt8, last: UInt8, bits: Int32) -> UInt32 {
        let mixed = (UInt32(truncatingIfNeeded: length) &* 0x9E37_79B1) ^ (UInt32(first) | UInt32(last) &<< 8)
        return (mixed &* 0x85EB_CA6B) &>> UInt32(32 - bits)
    }

    deinit {
        nodes.baseAddress?.deallocate()
        children.baseAddress?.deallocate()
        keyBytes.baseAddress?.deallocate()
        subtreeFields.baseAddress?.deallocate()
        keyTable.baseAddress?.deallocate()
        aliases.baseAddress?.deallocate()
    }
}
