/// The 64-bit hash of an event id's bytes that ``LabelJoiner``'s tables are keyed by: eight bytes
/// per round (multiply, xor, rotate, multiply, as in xxHash64's round), the length mixed in, and
/// MurmurHash3's 64-bit finalizer so that the low bits (the table slot) depend on every input bit.
/// Not cryptographic and not stable across byte orders: it only has to spread ids within one process.
enum EventIDHash {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F

    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = 0x27D4_EB2F_1656_67C5 &+ UInt64(truncatingIfNeeded: n) &* prime1
        if let base = bytes.baseAddress {
            var i = 0
            while i &+ 8 <= n {
                h = round(h, base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                i &+= 8
            }
            if i < n {
                var tail: UInt64 = 0
                var shift: UInt64 = 0
                while i < n {
                    tail |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)) &<< shift
                    shift &+= 8
                    i &+= 1
                }
                h = round(h, tail)
            }
        }
        return finalize(h)
    }

    @inline(__always)
    private static func round(_ h: UInt64, _ word: UInt64) -> UInt64 {
        let x = h ^ (word &* prime2)
        return ((x &<< 31) | (x &>> 33)) &* prime1
    }

    @inline(__always)
    private static func finalize(_ value: UInt64) -> UInt64 {
        var k = value
        k ^= k &>> 33
        k &*= 0xFF51_AFD7_ED55_8CCD
        k ^= k &>> 33
        k &*= 0xC4CE_B9FE_1A85_EC53
        k ^= k &>> 33
        return k
    }
}
