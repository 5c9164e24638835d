/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast generator whose sequence is fixed by its
/// seed, so that every sample a profile or a monitor draws can be reproduced.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in `0..<bound` by Lemire's multiply-shift (the high word of `next() · bound`).
    @inline(__always)
    mutating func next(below bound: UInt64) -> UInt64 {
        next().multipliedFullWidth(by: bound).high
    }
}

/// A uniform sample of bounded size from a stream (Vitter's Algorithm R) over a preallocated buffer:
/// the first `capacity` values are kept in arrival order; the value seen as number `i` (0-based)
/// after that replaces slot `j` when `j = uniform(0...i)` falls below `capacity`.
struct ReservoirSample: Sendable {
    let capacity: Int
    private(set) var values: [Double]
    /// Values offered since the last reset.
    private(set) var seen = 0
    private var generator: SplitMix64
    let seed: UInt64

    init(capacity: Int, seed: UInt64) {
        precondition(capacity > 0, "reservoir capacity must be positive")
        self.capacity = capacity
        self.seed = seed
        self.generator = SplitMix64(seed: seed)
        self.values = []
        values.reserveCapacity(capacity)
    }

    @inline(__always)
    mutating func add(_ value: Double) {
        if seen < capacity {
            values.append(value)
        } else {
            let j = Int(generator.next(below: UInt64(seen) + 1))
            if j < capacity { values[j] = value }
        }
        seen += 1
    }

    /// Empties the sample and restarts the generator from the seed (capacity is kept).
    mutating func reset() {
        values.removeAll(keepingCapacity: true)
        seen = 0
        generator = SplitMix64(seed: seed)
    }

    /// Sorts the kept values in place (after which arrival order is lost).
    mutating func sortInPlace() { values.sort() }
}
