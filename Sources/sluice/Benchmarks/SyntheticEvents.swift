/// Deterministic synthetic card-transaction events as compact JSON, about 110 bytes each, written into a
/// reusable buffer (no Foundation, no allocation per event once the buffer has grown).
struct SyntheticEvents {
    private var random: SplitMix64
    private(set) var sequence = 0
    let keyCount: Int
    private static let merchantCodes = ["5411", "5812", "5999", "4111", "5732", "7995", "5311", "4829"]
    private static let countries = ["US", "US", "US", "GB", "DE", "FR", "BR", "IN", "NG", "US"]

    init(seed: UInt64 = 42, keyCount: Int = 100_000) {
        random = SplitMix64(seed: seed)
        self.keyCount = keyCount
    }

    /// Writes the next event into `buffer` (replacing its contents) and its key into `key`.
    /// When `sentNanoseconds` is given it is the first field, for latency measurement.
    mutating func next(into buffer: inout [UInt8], key: inout [UInt8], sentNanoseconds: UInt64? = nil) {
        buffer.removeAll(keepingCapacity: true)
        key.removeAll(keepingCapacity: true)
        let card = Int(random.next() % UInt64(keyCount))
        let cents = Int(random.next() % 50_000) + 1
        let mcc = Self.merchantCodes[Int(random.next() % UInt64(Self.merchantCodes.count))]
        let country = Self.countries[Int(random.next() % UInt64(Self.countries.count))]
        let timestamp = 1_700_000_000_000 + sequence * 10
        key.append(contentsOf: "card-".utf8)
        appendPadded(card, width: 6, to: &key)

        buffer.append(UInt8(ascii: "{"))
        if let sentNanoseconds {
            buffer.append(contentsOf: #""sent_ns":"#.utf8)
            appendPadded(sentNanoseconds, width: 20, to: &buffer)
            buffer.append(UInt8(ascii: ","))
        }
        buffer.append(contentsOf: #""event_id":"e"#.utf8)
        appendPadded(sequence, width: 9, to: &buffer)
        buffer.append(contentsOf: #"","card_id":""#.utf8)
        buffer.append(contentsOf: key)
        buffer.append(contentsOf: #"","amount":"#.utf8)
        appendDecimal(cents / 100, to: &buffer)
        buffer.append(UInt8(ascii: "."))
        appendPadded(cents % 100, width: 2, to: &buffer)
        buffer.append(contentsOf: #","mcc":""#.utf8)
        buffer.append(contentsOf: mcc.utf8)
        buffer.append(contentsOf: #"","country":""#.utf8)
        buffer.append(contentsOf: country.utf8)
        buffer.append(contentsOf: #"","ts":"#.utf8)
        appendDecimal(timestamp, to: &buffer)
        buffer.append(UInt8(ascii: "}"))
        sequence += 1
    }

    /// Reads the `sent_ns` field written by ``next(into:key:sentNanoseconds:)``.
    static func sentNanoseconds(in value: UnsafeRawBufferPointer) -> UInt64? {
        let prefix = #"{"sent_ns":"#.utf8.count
        guard value.count >= prefix + 20 else { return nil }
        var result: UInt64 = 0
        for index in prefix..<(prefix + 20) {
            let digit = value[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            result = result &* 10 &+ UInt64(digit)
        }
        return result
    }
}

/// A small, fast, seedable pseudo-random generator (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
