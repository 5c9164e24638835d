/// Neumaier's compensated sum: the running error of each addition is kept and added back at the
/// end, so a sum of billions of non-negative terms stays within a few ulps of exact (the plain sum
/// drifts by up to n·ε relative).
struct CompensatedSum {
    private var sum = 0.0
    private var compensation = 0.0

    @inline(__always)
    mutating func add(_ x: Double) {
        let t = sum + x
        compensation += abs(sum) >= abs(x) ? (sum - t) + x : (x - t) + sum
        sum = t
    }

    var value: Double { sum + compensation }
}
