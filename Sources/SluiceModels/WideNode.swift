/// The general layout: 12 bytes for float keys, 16 for double keys.
struct WideNode<Key: FixedWidthInteger & UnsignedInteger & Sendable>: FlatNode {
    static var maximumSlot: Int { Int(UInt32.max) }
    static var maximumIndex: Int { Int(Int32.max) - 1 }

    let key: Key
    private let storedSlot: UInt32
    private let storedLow: Int32

    init(key: Key, slot: Int, low: Int) {
        self.key = key
        storedSlot = UInt32(slot)
        storedLow = Int32(low)
    }

    @inline(__always) var slot: Int { Int(storedSlot) }
    @inline(__always) var low: Int { Int(storedLow) }
}
