import Testing

@testable import SluiceMonitoring

@Suite("Event id table")
struct EventIDTableTests {
    /// Inserts, finds and removes (from the middle and from the front) against a dictionary and an
    /// insertion-ordered list, in a table small enough that probe runs wrap around and collide.
    @Test(arguments: [(UInt64(1), 5), (UInt64(2), 64), (UInt64(3), 300)])
    func behavesLikeAnInsertionOrderedDictionary(seed: UInt64, capacity: Int) {
        var rng = SyntheticStream(seed: seed)
        let table = EventIDTable(capacity: capacity, keyWidth: 24)
        defer { table.deallocate() }
        var slots: [[UInt8]: Int] = [:]
        var order: [[UInt8]] = []
        func find(_ key: [UInt8]) -> Int {
            key.withUnsafeBytes { table.find($0, hash: EventIDHash.hash($0)) }
        }
        for step in 0..<30_000 {
            let key = Array("k\(Int(rng.uniform() * Double(capacity) * 3))-\(step % 3)".utf8)
            let u = rng.uniform()
            if u < 0.5 {
                if slots[key] == nil {
                    if table.isFull {
                        let oldest = order.removeFirst()
                        #expect(table.oldest == slots[oldest])
                        table.remove(slot: table.oldest)
                        slots[oldest] = nil
                    }
                    let slot = key.withUnsafeBytes {
                        table.insert($0, hash: EventIDHash.hash($0), time: Int64(step))
                    }
                    slots[key] = slot
                    order.append(key)
                    #expect(table.time(ofSlot: slot) == Int64(step))
                }
            } else if u < 0.8 {
                if let slot = slots[key] {
                    table.remove(slot: slot)
                    slots[key] = nil
                    order.removeAll { $0 == key }
                }
            }
            #expect(find(key) == (slots[key] ?? -1), "step \(step)")
            #expect(table.count == slots.count)
            #expect(table.oldest == (order.first.map { slots[$0]! } ?? -1))
        }
        // Every key still held is found in its slot.
        for (key, slot) in slots { #expect(find(key) == slot) }
    }

    @Test func hashDependsOnEveryByteAndTheLength() {
        let base = Array("0123456789abcdef-xyz".utf8)
        let h = base.withUnsafeBytes { EventIDHash.hash($0) }
        var seen: Set<UInt64> = [h]
        for i in base.indices {
            var changed = base
            changed[i] ^= 1
            seen.insert(changed.withUnsafeBytes { EventIDHash.hash($0) })
        }
        seen.insert(base.dropLast().withUnsafeBytes { EventIDHash.hash($0) })
        seen.insert((base + [0]).withUnsafeBytes { EventIDHash.hash($0) })
        #expect(seen.count == base.count + 3)
    }
}
