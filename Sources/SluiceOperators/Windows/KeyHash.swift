/// A fast 64-bit hash of key bytes for the key tables (not for distinct counting, not cryptographic).
enum KeyHash {
    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
        var h: UInt64 = 0x6A09_E667_F3BC_C909 ^ (UInt64(bytes.count) &* multiplier)
        var index = 0
        let count = bytes.count
        while index + 8 <= count {
            let chunk = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            h = (h ^ mix(chunk)) &* multiplier
            h = (h << 27) | (h >> 37)
            index += 8
        }
        if index < count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while index < count {
                tail |= UInt64(bytes[index]) << shift
                shift += 8
                index += 1
            }
            h = (h ^ mix(tail)) &* multiplier
        }
        return finalize(h)
    }

    @inline(__always)
    private static func mix(_ value: UInt64) -> UInt64 {
        var x = value &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 31
        return x
    }

    @inline(__always)
    private static func finalize(_ value: UInt64) -> UInt64 {
        var x = value
        x ^= x >> 33
        x &*= 0xFF51_AFD7_ED55_8CCD
        x ^= x >> 33
        x &*= 0xC4CE_B9FE_1A85_EC53
        x ^= x >> 33
        return x
    }
}
