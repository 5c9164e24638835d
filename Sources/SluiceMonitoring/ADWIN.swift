import Foundation

/// ADWIN (adaptive windowing, Bifet & Gavaldà 2007), as River 0.26.1's `river.drift.ADWIN`
/// (its Rust core, `rust_src/adwin.rs`), with the same exponential-histogram compression, clock
/// and cut checks in the same floating-point order, so that drift is reported at the same positions.
///
/// Memory is O(maxBuckets · log(width)): level `i` holds up to `maxBuckets + 1` buckets of `2^i`
/// values each. Storage grows by one level when the window doubles and is kept across resets.
public struct ADWIN: ChangeDetector {
    /// Parameters, with River's names and defaults.
    public struct Configuration: Sendable, Hashable, Codable {
        /// Significance of the cut test. Default: 0.002.
        public var delta: Double
        /// Check for change every `clock` updates. Default: 32.
        public var clock: Int
        /// Buckets of one size kept before the two oldest merge. Default: 5.
        public var maxBuckets: Int
        /// Smallest sub-window a cut may leave on either side. Default: 5.
        public var minWindowLength: Int
        /// No check before the window holds more than this many values. Default: 10.
        public var gracePeriod: Int

        public init(
            delta: Double = 0.002,
            clock: Int = 32,
            maxBuckets: Int = 5,
            minWindowLength: Int = 5,
            gracePeriod: Int = 10
        ) {
            self.delta = delta
            self.clock = clock
            self.maxBuckets = maxBuckets
            self.minWindowLength = minWindowLength
            self.gracePeriod = gracePeriod
        }
    }

    public let configuration: Configuration
    private let capacity: Int  // buckets per level: maxBuckets + 1
    private let minWindowLength: Double
    private let gracePeriod: Double

    private var totals: [Double]
    private var variances: [Double]
    private var counts: [Int]  // buckets used per level; counts.count is the number of levels
    private var total = 0.0
    private var variance = 0.0
    private var windowWidth = 0.0
    private var tick = 0
    public private(set) var isDriftDetected = false
    /// Changes detected since creation (resets do not clear it).
    public private(set) var detectionCount = 0

    public init(configuration: Configuration = Configuration()) {
        precondition(
            configuration.clock > 0 && configuration.maxBuckets > 0, "ADWIN: clock and maxBuckets must be positive")
        self.configuration = configuration
        self.capacity = configuration.maxBuckets + 1
        self.minWindowLength = Double(configuration.minWindowLength)
        self.gracePeriod = Double(configuration.gracePeriod)
        let reserved = capacity * 24
        totals = [Double](repeating: 0, count: capacity)
        variances = [Double](repeating: 0, count: capacity)
        totals.reserveCapacity(reserved)
        variances.reserveCapacity(reserved)
        counts = [0]
        counts.reserveCapacity(24)
    }

    /// Number of values in the current window.
    public var width: Int { Int(windowWidth) }
    /// Mean of the current window (0 when empty).
    public var estimation: Double { windowWidth == 0 ? 0 : total / windowWidth }

    public mutating func reset() {
        totals.removeAll(keepingCapacity: true)
        variances.removeAll(keepingCapacity: true)
        totals.append(contentsOf: repeatElement(0, count: capacity))
        variances.append(contentsOf: repeatElement(0, count: capacity))
        counts.removeAll(keepingCapacity: true)
        counts.append(0)
        total = 0
        variance = 0
        windowWidth = 0
        tick = 0
        isDriftDetected = false
    }

    public mutating func update(_ value: Double) {
        if isDriftDetected { reset() }
        insert(value)
        isDriftDetected = detectChange()
        if isDriftDetected { detectionCount += 1 }
    }

    private mutating func insert(_ value: Double) {
        append(level: 0, total: value, variance: 0)
        windowWidth += 1
        var incremental = 0.0
        if windowWidth > 1 {
            let deltaV = value - total / (windowWidth - 1)
            incremental = (windowWidth - 1) * deltaV * deltaV / windowWidth
        }
        variance += incremental
        total += value
        compress()
    }

    @inline(__always)
    private mutating func append(level: Int, total t: Double, variance v: Double) {
        let slot = level * capacity + counts[level]
        totals[slot] = t
        variances[slot] = v
        counts[level] += 1
    }

    /// Drops the `n` oldest buckets of a level.
    private mutating func dropOldest(level: Int, _ n: Int) {
        let base = level * capacity
        let used = counts[level]
        for i in 0..<(used - n) {
            totals[base + i] = totals[base + i + n]
            variances[base + i] = variances[base + i + n]
        }
        for i in (used - n)..<used {
            totals[base + i] = 0
            variances[base + i] = 0
        }
        counts[level] = used - n
    }

    private mutating func compress() {
        var level = 0
        while counts[level] == capacity {
            let n1 = Double(1 << level)
            let base = level * capacity
            let t0 = totals[base]
            let t1 = totals[base + 1]
            let v0 = variances[base]
            let v1 = variances[base + 1]
            let mu1 = t0 / n1
            let mu2 = t1 / n1
            let total12 = t0 + t1
            let temp = n1 * 0.5 * (mu1 - mu2) * (mu1 - mu2)
            let v12 = v0 + v1 + temp
            if level + 1 >= counts.count {
                counts.append(0)
                totals.append(contentsOf: repeatElement(0, count: capacity))
                variances.append(contentsOf: repeatElement(0, count: capacity))
            }
            append(level: level + 1, total: total12, variance: v12)
            dropOldest(level: level, 2)
            if counts[level + 1] <= configuration.maxBuckets { break }
            level += 1
        }
    }

    private mutating func deleteOldest() {
        let last = counts.count - 1
        let n = Double(1 << last)
        let u = totals[last * capacity]
        let v = variances[last * capacity]
        let mu = u / n
        windowWidth -= n
        total -= u
        let muWindow = total / windowWidth
        let inc = v + n * windowWidth * (mu - muWindow) * (mu - muWindow) / (n + windowWidth)
        variance -= inc
        dropOldest(level: last, 1)
        if counts[last] == 0 {
            counts.removeLast()
            totals.removeLast(capacity)
            variances.removeLast(capacity)
        }
    }

    private mutating func detectChange() -> Bool {
        var changeDetected = false
        tick += 1
        guard tick % configuration.clock == 0 && windowWidth > gracePeriod else { return false }
        var reduceWidth = true
        while reduceWidth {
            reduceWidth = false
            var exitFlag = false
            var n0 = 0.0
            var n1 = windowWidth
            var u0 = 0.0
            var u1 = total
            var level = counts.count - 1
            outer: while level >= 0 {
                if exitFlag { break }
                let bucketSize = Double(1 << level)
                let used = counts[level]
                for k in 0..<used {
                    n0 += bucketSize
                    n1 -= bucketSize
                    let t = totals[level * capacity + k]
                    u0 += t
                    u1 -= t
                    if level == 0 && k == used - 1 {
                        exitFlag = true
                        break
                    }
                    let deltaMean = (u0 / n0) - (u1 / n1)
                    if n1 >= minWindowLength && n0 >= minWindowLength && cutExceeded(n0, n1, deltaMean) {
                        reduceWidth = true
                        changeDetected = true
                        if windowWidth > 0 {
                            deleteOldest()
                            break outer
                        }
                    }
                }
                level -= 1
            }
        }
        return changeDetected
    }

    @inline(__always)
    private func cutExceeded(_ n0: Double, _ n1: Double, _ deltaMean: Double) -> Bool {
        let deltaPrime = log(2.0 * log(windowWidth) / configuration.delta)
        let mRecip = 1.0 / (n0 - minWindowLength + 1.0) + 1.0 / (n1 - minWindowLength + 1.0)
        let epsilon =
            (2.0 * mRecip * (variance / windowWidth) * deltaPrime).squareRoot()
            + 2.0 / 3.0 * deltaPrime * mRecip
        return abs(deltaMean) > epsilon
    }
}
