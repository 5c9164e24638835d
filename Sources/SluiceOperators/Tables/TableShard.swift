#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One shard of a reference table: an open-addressing index over rows stored in flat arrays. A shard is
/// filled by one thread and never changed once a ``TableSnapshot`` holds it; an update builds a new shard
/// from the old one and the changed rows, so readers never see a shard change under them.
final class TableShard: @unchecked Sendable {
    // @unchecked: mutated only while being built, before it is published in a snapshot (under a mutex); read-only
    // after.
    let numberWidth: Int
    let stringWidth: Int
    private(set) var rowCount = 0
    private var hashes: [UInt64] = []
    /// Row r's key is `keyBytes[keyStarts[r]..<keyStarts[r + 1]]`.
    private var keyStarts: [Int32] = [0]
    private var keyBytes: [UInt8] = []
    /// Row r's number columns are `numbers[r * numberWidth ..< (r + 1) * numberWidth]`.
    private var numbers: [Double] = []
    /// Row r's string column c is `stringBytes[start..<start + count]`, (start, count) at
    /// `stringRefs[2 * (r * stringWidth + c)]`; count -1 means null.
    private var stringRefs: [Int32] = []
    private var stringBytes: [UInt8] = []
    /// Slot → row, -1 for empty; its count is a power of two at least twice the rows.
    private var index: [Int32] = [-1, -1]

    init(numberWidth: Int, stringWidth: Int) {
        self.numberWidth = numberWidth
        self.stringWidth = stringWidth
    }

    /// Memory the shard's arrays hold, in bytes.
    var byteCount: Int {
        hashes.count * 8 + keyStarts.count * 4 + keyBytes.count + numbers.count * 8 + stringRefs.count * 4
            + stringBytes.count + index.count * 4
    }

    /// The row whose key is `key` (with hash `hash`), or -1.
    @inline(__always)
    func find(hash: UInt64, key: UnsafeRawBufferPointer) -> Int {
        let mask = index.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let row = Int(index[slot])
            if row < 0 { return -1 }
            if hashes[row] == hash, keyEquals(row, key) { return row }
            slot = (slot + 1) & mask
        }
    }

    @inline(__always)
    private func keyEquals(_ row: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let start = Int(keyStarts[row])
        let count = Int(keyStarts[row + 1]) - start
        guard count == key.count else { return false }
        return keyBytes.withUnsafeBytes { bytes in
            count == 0 || memcmp(bytes.baseAddress! + start, key.baseAddress!, count) == 0
        }
    }

    /// Number column `column` (its position among number columns) of `row`.
    @inline(__always)
    func number(_ row: Int, _ column: Int) -> Double { numbers[row &* numberWidth &+ column] }

    /// String column `column` (its position among string columns) of `row`; nil when null. Valid while the
    /// shard lives.
    @inline(__always)
    func string(_ row: Int, _ column: Int) -> UnsafeRawBufferPointer? {
        let reference = 2 &* (row &* stringWidth &+ column)
        let count = Int(stringRefs[reference + 1])
        guard count >= 0 else { return nil }
        let start = Int(stringRefs[reference])
        return stringBytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[start..<start + count]) }
    }

    /// The key bytes of `row`.
    func key(_ row: Int) -> UnsafeRawBufferPointer {
        let start = Int(keyStarts[row])
        let end = Int(keyStarts[row + 1])
        return keyBytes.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[start..<end]) }
    }

    func hash(_ row: Int) -> UInt64 { hashes[row] }

    /// Adds a row whose key is not in the shard yet; `values` writes its numbers and strings.
    func append(hash: UInt64, key: UnsafeRawBufferPointer, values: (inout TableRowWriter) -> Void) {
        if (rowCount + 1) * 2 > index.count { grow() }
        let row = rowCount
        rowCount += 1
        hashes.append(hash)
        keyBytes.append(contentsOf: key)
        keyStarts.append(Int32(keyBytes.count))
        numbers.append(contentsOf: repeatElement(.nan, count: numberWidth))
        stringRefs.append(contentsOf: repeatElement(-1, count: 2 * stringWidth))
        var writer = TableRowWriter(shard: self, row: row)
        values(&writer)
        insert(row: row, hash: hash)
    }

    /// Replaces the values of `row` (strings written again take new bytes; the old ones stay until the shard is
    /// rebuilt).
    func overwrite(row: Int, values: (inout TableRowWriter) -> Void) {
        for column in 0..<numberWidth { numbers[row * numberWidth + column] = .nan }
        for column in 0..<stringWidth { stringRefs[2 * (row * stringWidth + column) + 1] = -1 }
        var writer = TableRowWriter(shard: self, row: row)
        values(&writer)
    }

    /// Copies `row` of `other` (same layout) into this shard as a new row.
    func appendCopy(of row: Int, from other: TableShard) {
        append(hash: other.hashes[row], key: other.key(row)) { writer in
            for column in 0..<numberWidth { writer.setNumber(column, other.number(row, column)) }
            for column in 0..<stringWidth {
                if let bytes = other.string(row, column) { writer.setString(column, bytes) }
            }
        }
    }

    fileprivate func setNumber(row: Int, column: Int, _ value: Double) {
        numbers[row * numberWidth + column] = value
    }

    fileprivate func setString(row: Int, column: Int, _ bytes: UnsafeRawBufferPointer) {
        let reference = 2 * (row * stringWidth + column)
        stringRefs[reference] = Int32(stringBytes.count)
        stringRefs[reference + 1] = Int32(bytes.count)
        stringBytes.append(contentsOf: bytes)
    }

    private func insert(row: Int, hash: UInt64) {
        let mask = index.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while index[slot] >= 0 { slot = (slot + 1) & mask }
        index[slot] = Int32(row)
    }

    private func grow() {
        index = [Int32](repeating: -1, count: index.count * 2)
        for row in 0..<rowCount { insert(row: row, hash: hashes[row]) }
    }
}

/// Writes the values of one row being added to a shard, by position among number or string columns.
public struct TableRowWriter {
    fileprivate let shard: TableShard
    fileprivate let row: Int

    /// Sets number column `column`.
    public func setNumber(_ column: Int, _ value: Double) { shard.setNumber(row: row, column: column, value) }

    /// Sets string column `column` to a copy of `bytes`.
    public func setString(_ column: Int, _ bytes: UnsafeRawBufferPointer) {
        shard.setString(row: row, column: column, bytes)
    }
}
