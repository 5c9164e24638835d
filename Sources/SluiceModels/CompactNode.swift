/// 8 bytes for float keys, for models of up to 65,535 nodes and 2,730 features: half the cache
/// footprint of `WideNode`, and a node address needs no multiply.
struct CompactNode: FlatNode {
    static var maximumSlot: Int { Int(UInt16.max) }
    static var maximumIndex: Int { Int(UInt16.max) - 1 }

    let key: UInt32
    private let storedSlot: UInt16
    private let storedLow: UInt16

    init(key: UInt32, slot: Int, low: Int) {
        self.key = key
        storedSlot = UInt16(slot)
        storedLow = UInt16(low)
    }

    @inline(__always) var slot: Int { Int(storedSlot) }
    @inline(__always) var low: Int { Int(storedLow) }
}
