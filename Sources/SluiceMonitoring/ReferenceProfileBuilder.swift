/// Builds a ``ReferenceProfile`` from training values, one value at a time.
///
/// Register each feature once to get a handle (``numericFeature(_:)``, ``categoricalFeature(_:)``,
/// ``modelScore(_:)``), then add values through the handle: adding a value is O(1) amortised with
/// no per-value allocation beyond the bounded buffers. The by-name `add` methods are conveniences
/// that look the handle up first.
///
/// Quantile edges come from a reservoir of `quantileSampleCapacity` values: exact (numpy's
/// `quantile(..., method='linear')`) while a feature has no more values than that, a uniform sample
/// beyond. The KS/Wasserstein sample is a second, smaller reservoir.
public struct ReferenceProfileBuilder: Sendable {
    /// Builder settings.
    public struct Configuration: Sendable, Hashable {
        /// Quantile bins per numeric feature (edges at quantiles i/binCount). Default: 10.
        public var binCount: Int
        /// Size of the stored reference sample per numeric feature. Default: 5,000.
        public var sampleCapacity: Int
        /// Values kept per numeric feature for quantile edges and bin proportions. Default: 1,000,000.
        public var quantileSampleCapacity: Int
        /// Categories kept per categorical feature; the rest become "other". Default: 50.
        public var categoryCap: Int
        /// Distinct categories counted per feature before later new ones go straight to "other"
        /// (bounds memory on high-cardinality columns). Default: 100,000.
        public var maximumDistinctCategories: Int
        /// Seed of the reference-sample reservoirs (SplitMix64). Default: 42.
        public var sampleSeed: UInt64

        public init(
            binCount: Int = 10,
            sampleCapacity: Int = 5_000,
            quantileSampleCapacity: Int = 1_000_000,
            categoryCap: Int = 50,
            maximumDistinctCategories: Int = 100_000,
            sampleSeed: UInt64 = 42
        ) {
            self.binCount = binCount
            self.sampleCapacity = sampleCapacity
            self.quantileSampleCapacity = quantileSampleCapacity
            self.categoryCap = categoryCap
            self.maximumDistinctCategories = maximumDistinctCategories
            self.sampleSeed = sampleSeed
        }
    }

    /// A registered numeric feature or model score.
    public struct NumericHandle: Sendable, Hashable {
        let index: Int
    }

    /// A registered categorical feature.
    public struct CategoricalHandle: Sendable, Hashable {
        let index: Int
    }

    fileprivate struct NumericAccumulator: Sendable {
        var name: String
        var isScore: Bool
        var count = 0
        var nullCount = 0
        var mean = 0.0
        var m2 = 0.0
        var minimum = Double.infinity
        var maximum = -Double.infinity
        var quantileValues: ReservoirSample
        var sample: ReservoirSample
    }

    fileprivate struct CategoricalAccumulator: Sendable {
        var name: String
        var count = 0
        var nullCount = 0
        var overflow = 0
        var counts: [String: Int] = [:]
    }

    public let name: String
    public let configuration: Configuration
    private var numerics: [NumericAccumulator] = []
    private var categoricals: [CategoricalAccumulator] = []
    private var numericIndex: [String: Int] = [:]
    private var scoreIndex: [String: Int] = [:]
    private var categoricalIndex: [String: Int] = [:]

    public init(name: String, configuration: Configuration = Configuration()) {
        precondition(configuration.binCount >= 1, "binCount must be at least 1")
        precondition(configuration.sampleCapacity >= 1 && configuration.quantileSampleCapacity >= 1)
        self.name = name
        self.configuration = configuration
    }

    /// The handle of a numeric feature, registering it on first use.
    public mutating func numericFeature(_ feature: String) -> NumericHandle {
        if let i = numericIndex[feature] { return NumericHandle(index: i) }
        let i = appendNumeric(feature, isScore: false)
        numericIndex[feature] = i
        return NumericHandle(index: i)
    }

    /// The handle of a model's score distribution, registering it on first use.
    public mutating func modelScore(_ model: String) -> NumericHandle {
        if let i = scoreIndex[model] { return NumericHandle(index: i) }
        let i = appendNumeric(model, isScore: true)
        scoreIndex[model] = i
        return NumericHandle(index: i)
    }

    /// The handle of a categorical feature, registering it on first use.
    public mutating func categoricalFeature(_ feature: String) -> CategoricalHandle {
        if let i = categoricalIndex[feature] { return CategoricalHandle(index: i) }
        categoricals.append(CategoricalAccumulator(name: feature))
        categoricalIndex[feature] = categoricals.count - 1
        return CategoricalHandle(index: categoricals.count - 1)
    }

    private mutating func appendNumeric(_ name: String, isScore: Bool) -> Int {
        // Each feature's reservoirs get their own stream, derived from the seed and the registration order.
        let salt = UInt64(numerics.count) &* 0x9E37_79B9_7F4A_7C15
        numerics.append(
            NumericAccumulator(
                name: name, isScore: isScore,
                quantileValues: ReservoirSample(
                    capacity: configuration.quantileSampleCapacity, seed: configuration.sampleSeed ^ ~salt),
                sample: ReservoirSample(capacity: configuration.sampleCapacity, seed: configuration.sampleSeed ^ salt)))
        return numerics.count - 1
    }

    /// Adds one value; NaN counts as null.
    public mutating func add(_ value: Double, to handle: NumericHandle) {
        guard !value.isNaN else {
            numerics[handle.index].nullCount += 1
            return
        }
        numerics[handle.index].add(value)
    }

    /// Adds one missing value.
    public mutating func addNull(to handle: NumericHandle) {
        numerics[handle.index].nullCount += 1
    }

    /// Adds one category; nil counts as null.
    public mutating func add(_ category: String?, to handle: CategoricalHandle) {
        guard let category else {
            categoricals[handle.index].nullCount += 1
            return
        }
        categoricals[handle.index].count += 1
        if let c = categoricals[handle.index].counts[category] {
            categoricals[handle.index].counts[category] = c + 1
        } else if categoricals[handle.index].counts.count < configuration.maximumDistinctCategories {
            categoricals[handle.index].counts[category] = 1
        } else {
            categoricals[handle.index].overflow += 1
        }
    }

    /// Adds a numeric feature value by name (NaN or nil: null).
    public mutating func add(feature: String, value: Double?) {
        let h = numericFeature(feature)
        if let value { add(value, to: h) } else { addNull(to: h) }
    }

    /// Adds a categorical feature value by name (nil: null).
    public mutating func add(feature: String, category: String?) {
        add(category, to: categoricalFeature(feature))
    }

    /// Adds a model score by model name.
    public mutating func add(model: String, score: Double) {
        add(score, to: modelScore(model))
    }

    /// The profile of everything added so far.
    public func build() throws(MonitoringError) -> ReferenceProfile {
        var profile = ReferenceProfile(name: name)
        for acc in numerics {
            let d = try acc.distribution(binCount: configuration.binCount, seed: acc.sample.seed)
            if acc.isScore { profile.scores[acc.name] = d } else { profile.numeric[acc.name] = d }
        }
        for acc in categoricals {
            profile.categorical[acc.name] = try acc.distribution(cap: configuration.categoryCap)
        }
        return profile
    }
}

fileprivate extension ReferenceProfileBuilder.NumericAccumulator {
    @inline(__always)
    mutating func add(_ value: Double) {
        count += 1
        let delta = value - mean
        mean += delta / Double(count)
        m2 += delta * (value - mean)
        if value < minimum { minimum = value }
        if value > maximum { maximum = value }
        quantileValues.add(value)
        sample.add(value)
    }

    func distribution(binCount: Int, seed: UInt64) throws(MonitoringError) -> NumericDistribution {
        guard count > 0 else {
            throw MonitoringError(.emptyFeature, "no non-null value was added", location: name)
        }
        let sorted = quantileValues.values.sorted()
        var edges: [Double] = []
        edges.reserveCapacity(binCount - 1)
        if binCount > 1 {
            for i in 1..<binCount {
                let q = quantileLinear(sorted, Double(i) / Double(binCount))
                if edges.last.map({ $0 < q }) ?? true { edges.append(q) }
            }
        }
        var binCounts = [Int](repeating: 0, count: edges.count + 1)
        edges.withUnsafeBufferPointer { e in
            for v in sorted { binCounts[NumericDistribution.bin(of: v, edges: e)] += 1 }
        }
        let n = Double(sorted.count)
        let total = count + nullCount
        return NumericDistribution(
            count: count, nullCount: nullCount, nullFraction: Double(nullCount) / Double(total), mean: mean,
            standardDeviation: (m2 / Double(count)).squareRoot(), minimum: minimum, maximum: maximum,
            binEdges: edges, binProportions: binCounts.map { Double($0) / n }, sample: sample.values.sorted(),
            sampleSeed: seed)
    }
}

/// numpy's `quantile(sorted, q, method='linear')`: virtual index `(n-1)·q`, then numpy's `_lerp`,
/// which interpolates from the nearer end so that the result is monotone in `q`.
func quantileLinear(_ sorted: [Double], _ q: Double) -> Double {
    let n = sorted.count
    let virtualIndex = Double(n - 1) * q
    if virtualIndex <= 0 { return sorted[0] }
    if virtualIndex >= Double(n - 1) { return sorted[n - 1] }
    let previous = virtualIndex.rounded(.down)
    let i = Int(previous)
    let gamma = virtualIndex - previous
    let a = sorted[i]
    let b = sorted[i + 1]
    let diff = b - a
    if gamma >= 0.5 { return b - diff * (1 - gamma) }
    return a + diff * gamma
}

fileprivate extension ReferenceProfileBuilder.CategoricalAccumulator {
    func distribution(cap: Int) throws(MonitoringError) -> CategoricalDistribution {
        guard count > 0 else {
            throw MonitoringError(.emptyFeature, "no non-null value was added", location: name)
        }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let kept = ranked.prefix(cap)
        let n = Double(count)
        let keptTotal = kept.reduce(0) { $0 + $1.value }
        let total = count + nullCount
        return CategoricalDistribution(
            count: count, nullCount: nullCount, nullFraction: Double(nullCount) / Double(total),
            categories: kept.map(\.key), proportions: kept.map { Double($0.value) / n },
            otherProportion: Double(count - keptTotal) / n)
    }
}
