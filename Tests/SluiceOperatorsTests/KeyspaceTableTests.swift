import Testing

@testable import SluiceOperators

@Suite struct KeyspaceTableTests {
    /// Random inserts and removals with deliberately clustered hashes (many keys share a home position and
    /// a tag), checked against a dictionary after every operation: exercises linear probing,
    /// backward-shift deletion, table growth, slot reuse, inline and arena keys and arena compaction.
    @Test(arguments: [UInt64(1), 2, 3])
    func tableAgreesWithADictionaryUnderClusteredHashes(seed: UInt64) {
        let keyspace = Keyspace(
            name: "k", index: 0, maxKeys: 1 << 20, recordsChanges: true, rows: KeyRows(windowCount: 0), windows: [],
            fingerprint: 0)
        var random = SeededGenerator(seed: seed)
        var model: [[UInt8]: Int] = [:]
        var indexOfKey: [[UInt8]: Int] = [:]
        func key(_ index: Int) -> [UInt8] {
            // Short keys live inline, long ones in the arena.
            Array("k\(index)".utf8) + (index % 3 == 0 ? [UInt8](repeating: UInt8(index % 251), count: 30) : [])
        }
        func hash(_ index: Int) -> UInt64 {
            // 64 distinct hashes for 3,000 keys: long probe runs, equal tags, equal full hashes.
            UInt64(index % 64) &* 0x9E37_79B9_0000_0001
        }
        var mismatches = 0
        for _ in 0..<30_000 {
            let index = Int.random(in: 0..<3000, using: &random)
            let bytes = key(index)
            let found = bytes.withUnsafeBytes { keyspace.find(hash: hash(index), key: $0) }
            if found != (model[bytes] ?? -1) { mismatches += 1 }
            if found >= 0 {
                keyspace.remove(found)
                model[bytes] = nil
            } else {
                let slot = bytes.withUnsafeBytes { keyspace.insert(hash: hash(index), key: $0) }
                model[bytes] = slot
                indexOfKey[bytes] = index
                let stored = keyspace.withKey(slot) { Array($0) }
                if stored != bytes { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
        #expect(keyspace.liveKeys == model.count)
        for (bytes, slot) in model {
            let index = indexOfKey[bytes]!
            #expect(bytes.withUnsafeBytes { keyspace.find(hash: hash(index), key: $0) } == slot)
        }
    }
}
