import Foundation

/// Seeded random values for synthetic streams: xorshift64* for uniforms, Box–Muller for normals.
struct SyntheticStream {
    private var state: UInt64
    private var spare: Double?

    init(seed: UInt64) { state = seed == 0 ? 0x1234_5678 : seed }

    mutating func uniform() -> Double {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        let x = state &* 0x2545_F491_4F6C_DD1D
        return (Double(x >> 11) + 0.5) * 0x1p-53
    }

    mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        if let s = spare {
            spare = nil
            return mean + sd * s
        }
        let u1 = uniform()
        let u2 = uniform()
        let r = (-2 * log(u1)).squareRoot()
        spare = r * sin(2 * .pi * u2)
        return mean + sd * r * cos(2 * .pi * u2)
    }

    /// An index drawn with the given weights (which need not sum to 1).
    mutating func choice(_ weights: [Double]) -> Int {
        let total = weights.reduce(0, +)
        var u = uniform() * total
        for (i, w) in weights.enumerated() {
            u -= w
            if u < 0 { return i }
        }
        return weights.count - 1
    }
}
