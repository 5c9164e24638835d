/// Streaming feature and score drift monitor for one lane.
///
/// Per event the lane records each monitored value through a slot (``record(_:at:)``,
/// ``record(category:at:)``) and then calls ``endEvent(eventTimeMs:)``. Recording a value costs a
/// binary search over the profile's bin edges, one counter increment and one store into a
/// preallocated sample buffer (a reservoir draw once the buffer is full): no allocation, no lock.
/// When a window closes (every `windowEvents` events and/or `windowMilliseconds` of event time) the
/// monitor computes the configured statistics against the ``ReferenceProfile``, feeds them to its
/// ``AlertPolicy`` and queues the resulting alerts for ``drainAlerts()``.
///
/// Memory is fixed at creation: `sampleCapacity` doubles, the bins and one counter per category for
/// every slot. A monitor belongs to one lane (one thread at a time); it is deliberately not `Sendable`.
public final class DriftMonitor {
    /// A monitored numeric feature or model score.
    public struct NumericSlot: Sendable, Hashable {
        let index: Int
    }

    /// A monitored categorical feature.
    public struct CategoricalSlot: Sendable, Hashable {
        let index: Int
    }

    /// One statistic of one feature or score in the last closed window.
    public struct Measurement: Sendable, Hashable {
        public var subject: DriftAlert.Subject
        public var model: String
        public var feature: String
        public var statistic: DriftStatistic
        /// NaN when the window had fewer than `minimumSampleSize` values for this feature.
        public var value: Double
    }

    /// Plain per-slot bookkeeping, kept in one allocation so the hot path touches no reference counts.
    private struct NumericState {
        var edgeOffset: Int
        var edgeCount: Int
        var binOffset: Int
        var sampleOffset: Int
        var seen: Int
        var nulls: Int
        var generator: SplitMix64
        var detectorIndex: Int  // -1: no change detector on this slot
    }

    private struct NumericInfo {
        var subject: DriftAlert.Subject
        var model: String
        var feature: String
        var distribution: NumericDistribution
    }

    private struct CategoricalInfo {
        var feature: String
        var distribution: CategoricalDistribution
        var index: [String: Int]
        var countOffset: Int
        var bucketCount: Int  // categories + "other"
    }

    public let configuration: DriftMonitorConfiguration
    /// The reference every window is compared with.
    public let profile: ReferenceProfile
    /// The alert policy and its per-key state.
    public private(set) var policy: AlertPolicy

    private let numericInfo: [NumericInfo]
    private let categoricalInfo: [CategoricalInfo]
    /// Per categorical slot: category → absolute counter index, and the "other" counter's index.
    private let categoryLookup: [[String: Int]]
    private let categoryOther: [Int]
    private let numericStates: UnsafeMutablePointer<NumericState>
    private let edges: UnsafeMutablePointer<Double>
    private let binCounts: UnsafeMutablePointer<Int>
    private let binCountTotal: Int
    private let samples: UnsafeMutablePointer<Double>
    private let categoryCounts: UnsafeMutablePointer<Int>
    private let categoryCountTotal: Int
    private let categoryNulls: UnsafeMutablePointer<Int>
    private let sampleCapacity: Int
    private var adwins: [ADWIN]
    private var pageHinkleys: [PageHinkley]
    private var scratch: [Double]
    private let sorter: DoubleRadixSort
    /// Each slot's reference sample followed by a +inf sentinel.
    private let referenceSamples: [[Double]]
    private let referenceIsFinite: [Bool]
    /// `i / n` for each slot's reference sample, and for the current window sample.
    private let referenceCDFs: [[Double]]
    private let windowCDF: UnsafeMutablePointer<Double>

    private var windowEventCount = 0
    private var windowStartMs: Int64 = 0
    private var windowFirstMs: Int64 = 0
    private var windowEndMs: Int64 = 0
    private var pendingAlerts: [DriftAlert] = []

    /// Values of every statistic in the last closed window (for metrics and dashboards).
    public private(set) var lastMeasurements: [Measurement] = []
    /// The last closed window, nil before the first.
    public private(set) var lastWindow: AlertPolicy.Window?
    /// Windows closed so far.
    public private(set) var windowCount = 0

    /// Builds a monitor; every configured feature and score must be in `profile`.
    public init(
        configuration: DriftMonitorConfiguration,
        profile: ReferenceProfile,
        policy: AlertPolicy.Configuration = AlertPolicy.Configuration()
    ) throws(MonitoringError) {
        try configuration.validate()
        try profile.validate()
        self.configuration = configuration
        self.profile = profile
        self.policy = AlertPolicy(
            topology: configuration.topology, referenceName: profile.name,
            referenceFingerprint: profile.fingerprint, configuration: policy)
        let capacity = configuration.sampleCapacity
        self.sampleCapacity = capacity

        var infos: [NumericInfo] = []
        for feature in configuration.numericFeatures {
            guard let d = profile.numeric[feature] else {
                throw MonitoringError(
                    .unknownFeature, "numeric feature is not in profile \(profile.name)", location: feature)
            }
            infos.append(NumericInfo(subject: .feature, model: configuration.model, feature: feature, distribution: d))
        }
        for model in configuration.scoreModels {
            guard let d = profile.scores[model] else {
                throw MonitoringError(.unknownFeature, "model score is not in profile \(profile.name)", location: model)
            }
            infos.append(NumericInfo(subject: .score, model: model, feature: "score", distribution: d))
        }
        numericInfo = infos

        let edgeTotal = infos.reduce(0) { $0 + Self.paddedEdgeCount($1.distribution.binEdges.count) }
        edges = .allocate(capacity: max(edgeTotal, 1))
        edges.initialize(repeating: .infinity, count: max(edgeTotal, 1))
        binCountTotal = infos.reduce(0) { $0 + $1.distribution.binEdges.count + 1 }
        binCounts = .allocate(capacity: max(binCountTotal, 1))
        binCounts.initialize(repeating: 0, count: max(binCountTotal, 1))
        // One spare element per slot for the merge's +inf sentinel.
        samples = .allocate(capacity: max(infos.count * (capacity + 1), 1))
        samples.initialize(repeating: 0, count: max(infos.count * (capacity + 1), 1))
        referenceSamples = infos.map { $0.distribution.sample + [.infinity] }
        referenceIsFinite = infos.map { d in d.distribution.sample.allSatisfy(\.isFinite) }
        referenceCDFs = infos.map { d in
            let n = d.distribution.sample.count
            return (0...n).map { Double($0) / Double(n) }
        }
        windowCDF = .allocate(capacity: capacity + 1)
        windowCDF.initialize(repeating: 0, count: capacity + 1)
        numericStates = .allocate(capacity: max(infos.count, 1))
        var edgeOffset = 0
        var binOffset = 0
        for (i, info) in infos.enumerated() {
            let e = info.distribution.binEdges
            for (k, x) in e.enumerated() { edges[edgeOffset + k] = x }
            (numericStates + i).initialize(
                to: NumericState(
                    edgeOffset: edgeOffset, edgeCount: e.count, binOffset: binOffset, sampleOffset: i * (capacity + 1),
                    seen: 0, nulls: 0,
                    generator: SplitMix64(seed: configuration.sampleSeed &+ UInt64(i) &* 0x9E37_79B9_7F4A_7C15),
                    detectorIndex: info.subject == .score && configuration.scoreDetector != .none
                        ? i - configuration.numericFeatures.count : -1))
            edgeOffset += Self.paddedEdgeCount(e.count)
            binOffset += e.count + 1
        }

        var cats: [CategoricalInfo] = []
        var countOffset = 0
        for feature in configuration.categoricalFeatures {
            guard let d = profile.categorical[feature] else {
                throw MonitoringError(
                    .unknownFeature, "categorical feature is not in profile \(profile.name)", location: feature)
            }
            var index: [String: Int] = [:]
            for (k, c) in d.categories.enumerated() { index[c] = countOffset + k }
            cats.append(
                CategoricalInfo(
                    feature: feature, distribution: d, index: index, countOffset: countOffset,
                    bucketCount: d.categories.count + 1))
            countOffset += d.categories.count + 1
        }
        categoricalInfo = cats
        categoryLookup = cats.map(\.index)
        categoryOther = cats.map { $0.countOffset + $0.bucketCount - 1 }
        categoryCountTotal = countOffset
        categoryCounts = .allocate(capacity: max(countOffset, 1))
        categoryCounts.initialize(repeating: 0, count: max(countOffset, 1))
        categoryNulls = .allocate(capacity: max(cats.count, 1))
        categoryNulls.initialize(repeating: 0, count: max(cats.count, 1))

        adwins = []
        pageHinkleys = []
        for _ in configuration.scoreModels {
            switch configuration.scoreDetector {
            case .none: break
            case .adwin(let c): adwins.append(ADWIN(configuration: c))
            case .pageHinkley(let c): pageHinkleys.append(PageHinkley(configuration: c))
            }
        }
        let maxBuckets = max(
            infos.map { $0.distribution.binEdges.count + 1 }.max() ?? 0, cats.map(\.bucketCount).max() ?? 0)
        scratch = [Double](repeating: 0, count: 2 * maxBuckets)
        sorter = DoubleRadixSort(capacity: capacity)
        lastMeasurements.reserveCapacity((infos.count + cats.count) * DriftStatistic.allCases.count)
    }

    deinit {
        numericStates.deinitialize(count: numericInfo.count)
        numericStates.deallocate()
        edges.deallocate()
        binCounts.deallocate()
        samples.deallocate()
        categoryCounts.deallocate()
        categoryNulls.deallocate()
        sorter.deallocate()
        windowCDF.deallocate()
    }

    // MARK: Slots

    /// The slot of a monitored numeric feature, nil if it is not configured.
    public func slot(numericFeature feature: String) -> NumericSlot? {
        numericInfo.firstIndex { $0.subject == .feature && $0.feature == feature }.map(NumericSlot.init)
    }

    /// The slot of a monitored model score, nil if it is not configured.
    public func slot(scoreOf model: String) -> NumericSlot? {
        numericInfo.firstIndex { $0.subject == .score && $0.model == model }.map(NumericSlot.init)
    }

    /// The slot of a monitored categorical feature, nil if it is not configured.
    public func slot(categoricalFeature feature: String) -> CategoricalSlot? {
        categoricalInfo.firstIndex { $0.feature == feature }.map(CategoricalSlot.init)
    }

    // MARK: Hot path

    /// Records one numeric value (NaN counts as null).
    @inline(__always)
    public func record(_ value: Double, at slot: NumericSlot) {
        let s = numericStates + slot.index
        guard !value.isNaN else {
            s.pointee.nulls += 1
            return
        }
        let bin = Self.binIndex(value, edges + s.pointee.edgeOffset, s.pointee.edgeCount)
        binCounts[s.pointee.binOffset &+ bin] &+= 1
        let n = s.pointee.seen
        if n < sampleCapacity {
            samples[s.pointee.sampleOffset &+ n] = value
        } else {
            // Slot j is replaced when j < capacity; otherwise the value goes to the spare element past
            // the sample (its merge sentinel, rewritten at window end): a store either way, no branch
            // on a coin that lands either side.
            let j = Int(truncatingIfNeeded: s.pointee.generator.next(below: UInt64(truncatingIfNeeded: n) &+ 1))
            samples[s.pointee.sampleOffset &+ min(j, sampleCapacity)] = value
        }
        s.pointee.seen = n &+ 1
        if s.pointee.detectorIndex >= 0 { updateDetector(s.pointee.detectorIndex, value) }
    }

    /// The number of edges `≤ value` (numpy's `searchsorted(edges, value, side='right')`), counted four
    /// edges at a time with vector compares. A value's bin is as unpredictable as the data, so a
    /// binary search mispredicts about half its steps; for the ten or so bins of a profile a
    /// branch-free count is several times cheaper. `e` holds `count` edges padded with +inf to a
    /// multiple of four.
    @inline(__always)
    static func binIndex(_ value: Double, _ e: UnsafePointer<Double>, _ count: Int) -> Int {
        let v = SIMD4<Double>(repeating: value)
        var lanes = SIMD4<Int64>()
        var k = 0
        while k < count {
            let chunk = UnsafeRawPointer(e + k).loadUnaligned(as: SIMD4<Double>.self)
            lanes &+= SIMD4<Int64>().replacing(with: 1, where: chunk .<= v)
            k &+= 4
        }
        // +inf is ≤ +inf: padding counts only for that value, and the clamp removes it.
        return min(Int(truncatingIfNeeded: lanes.wrappedSum()), count)
    }

    /// `count` rounded up to a multiple of four.
    static func paddedEdgeCount(_ count: Int) -> Int { (count + 3) & ~3 }

    /// Records a missing value.
    @inline(__always)
    public func recordNull(at slot: NumericSlot) {
        numericStates[slot.index].nulls += 1
    }

    /// Records one category (nil counts as null); a category the profile does not list counts as "other".
    @inline(__always)
    public func record(category: String?, at slot: CategoricalSlot) {
        guard let category else {
            categoryNulls[slot.index] += 1
            return
        }
        let k = categoryLookup[slot.index][category] ?? categoryOther[slot.index]
        categoryCounts[k] += 1
    }

    /// Ends one event; closes the window (and evaluates it) when its count or time limit is reached.
    /// Returns true when a window closed. Event time is in ms since the Unix epoch.
    @discardableResult
    public func endEvent(eventTimeMs: Int64) -> Bool {
        if windowEventCount == 0 {
            windowFirstMs = eventTimeMs
            windowStartMs = eventTimeMs
            windowEndMs = eventTimeMs
        } else {
            if eventTimeMs < windowStartMs { windowStartMs = eventTimeMs }
            if eventTimeMs > windowEndMs { windowEndMs = eventTimeMs }
        }
        windowEventCount += 1
        let byCount = configuration.windowEvents > 0 && windowEventCount >= configuration.windowEvents
        let byTime =
            configuration.windowMilliseconds > 0 && eventTimeMs - windowFirstMs >= configuration.windowMilliseconds
        if byCount || byTime {
            closeWindow()
            return true
        }
        return false
    }

    /// Alerts raised since the last call, oldest first.
    public func drainAlerts() -> [DriftAlert] {
        guard !pendingAlerts.isEmpty else { return [] }
        let out = pendingAlerts
        pendingAlerts.removeAll(keepingCapacity: true)
        return out
    }

    /// Events in the current (open) window.
    public var openWindowEventCount: Int { windowEventCount }

    private func updateDetector(_ k: Int, _ value: Double) {
        // Typed arrays mutated in place: pulling a detector out of an enum would copy its buffers.
        let fired: (DriftStatistic, Double, Double)?
        if !adwins.isEmpty {
            adwins[k].update(value)
            fired = adwins[k].isDriftDetected ? (.adwin, adwins[k].estimation, adwins[k].configuration.delta) : nil
        } else {
            pageHinkleys[k].update(value)
            fired =
                pageHinkleys[k].isDriftDetected ? (.pageHinkley, value, pageHinkleys[k].configuration.threshold) : nil
        }
        if let (statistic, v, threshold) = fired {
            let info = numericInfo[configuration.numericFeatures.count + k]
            let key = AlertPolicy.Key(model: info.model, subject: .score, feature: info.feature, statistic: statistic)
            let window = AlertPolicy.Window(
                startMs: windowStartMs, endMs: windowEndMs, eventCount: windowEventCount)
            if let alert = policy.detectorFired(key, value: v, threshold: threshold, severity: .warning, window: window)
            {
                pendingAlerts.append(alert)
            }
        }
    }

    // MARK: Window evaluation

    /// Closes the current window now (for instance at shutdown) and evaluates it. Does nothing when
    /// the window is empty.
    public func closeWindow() {
        guard windowEventCount > 0 else { return }
        let window = AlertPolicy.Window(startMs: windowStartMs, endMs: windowEndMs, eventCount: windowEventCount)
        lastMeasurements.removeAll(keepingCapacity: true)
        for i in numericInfo.indices { evaluateNumeric(i, window) }
        for i in categoricalInfo.indices { evaluateCategorical(i, window) }
        lastWindow = window
        windowCount += 1
        resetWindow()
    }

    private func resetWindow() {
        windowEventCount = 0
        binCounts.update(repeating: 0, count: max(binCountTotal, 1))
        categoryCounts.update(repeating: 0, count: max(categoryCountTotal, 1))
        categoryNulls.update(repeating: 0, count: max(categoricalInfo.count, 1))
        for i in numericInfo.indices {
            numericStates[i].seen = 0
            numericStates[i].nulls = 0
        }
    }

    private func report(
        _ subject: DriftAlert.Subject, _ model: String, _ feature: String, _ statistic: DriftStatistic,
        _ value: Double, _ window: AlertPolicy.Window
    ) {
        lastMeasurements.append(
            Measurement(subject: subject, model: model, feature: feature, statistic: statistic, value: value))
        guard let threshold = configuration.thresholds[statistic] else { return }
        let key = AlertPolicy.Key(model: model, subject: subject, feature: feature, statistic: statistic)
        if let alert = policy.evaluate(key, value: value, threshold: threshold, window: window) {
            pendingAlerts.append(alert)
        }
    }

    private func evaluateNumeric(_ i: Int, _ window: AlertPolicy.Window) {
        let info = numericInfo[i]
        let state = numericStates[i]
        let stats = configuration.statistics
        let enough = state.seen >= configuration.minimumSampleSize
        let bins = state.edgeCount + 1
        let counts = UnsafeBufferPointer(start: binCounts + state.binOffset, count: bins)

        if stats.contains(.psi) {
            let v =
                enough
                ? info.distribution.binProportions.withUnsafeBufferPointer {
                    DriftStatistics.populationStabilityIndex(
                        expectedProportions: $0, actualCounts: counts, epsilon: configuration.psiEpsilon)
                } : .nan
            report(info.subject, info.model, info.feature, .psi, v, window)
        }
        if stats.contains(.jensenShannon) {
            var v = Double.nan
            if enough {
                for k in 0..<bins {
                    scratch[k] = info.distribution.binProportions[k]
                    scratch[bins + k] = Double(counts[k])
                }
                v = scratch.withUnsafeBufferPointer { s in
                    DriftStatistics.jensenShannonDistance(
                        UnsafeBufferPointer(rebasing: s[0..<bins]), UnsafeBufferPointer(rebasing: s[bins..<(2 * bins)]),
                        base: 2)
                }
            }
            report(info.subject, info.model, info.feature, .jensenShannon, v, window)
        }
        let wantsKS = stats.contains(.ksPValue) || stats.contains(.ksStatistic)
        let wantsWasserstein = stats.contains(.wasserstein)
        guard wantsKS || wantsWasserstein else { return }
        let kept = min(state.seen, sampleCapacity)
        var d = Double.nan
        var p = Double.nan
        var w = Double.nan
        if enough {
            let sample = UnsafeMutableBufferPointer(start: samples + state.sampleOffset, count: kept)
            sorter.sort(sample)
            let reference = referenceSamples[i]
            let finite = sample[0].isFinite && sample[kept - 1].isFinite && referenceIsFinite[i]
            let r: (d: Double, sign: Int, wasserstein: Double)
            if finite {
                // The slot's buffer has one spare element for the sentinel.
                samples[state.sampleOffset + kept] = .infinity
                for j in 0...kept { windowCDF[j] = Double(j) / Double(kept) }
                r = reference.withUnsafeBufferPointer { ref in
                    referenceCDFs[i].withUnsafeBufferPointer { refCDF in
                        DriftStatistics.ksStatisticAndWassersteinFinite(
                            ref.baseAddress!, ref.count - 1, UnsafePointer(samples + state.sampleOffset), kept,
                            cdfA: refCDF.baseAddress!, cdfB: windowCDF)
                    }
                }
            } else {
                r = reference.withUnsafeBufferPointer {
                    DriftStatistics.ksStatisticAndWasserstein(
                        sortedA: UnsafeBufferPointer(rebasing: $0.dropLast()), sortedB: UnsafeBufferPointer(sample))
                }
            }
            if wantsKS {
                let ks = DriftStatistics.ksResult(
                    n1: reference.count - 1, n2: kept, statistic: r.d, sign: r.sign, method: configuration.ksMethod)
                d = ks.statistic
                p = ks.pValue
            }
            let sd = info.distribution.standardDeviation
            w = sd > 0 ? r.wasserstein / sd : .nan
        }
        if stats.contains(.ksPValue) { report(info.subject, info.model, info.feature, .ksPValue, p, window) }
        if stats.contains(.ksStatistic) { report(info.subject, info.model, info.feature, .ksStatistic, d, window) }
        if wantsWasserstein { report(info.subject, info.model, info.feature, .wasserstein, w, window) }
    }

    private func evaluateCategorical(_ i: Int, _ window: AlertPolicy.Window) {
        let info = categoricalInfo[i]
        let stats = configuration.statistics
        let k = info.bucketCount
        let counts = UnsafeBufferPointer(start: categoryCounts + info.countOffset, count: k)
        var n = 0
        for c in counts { n += c }
        let enough = n >= configuration.minimumSampleSize
        for j in 0..<(k - 1) { scratch[j] = info.distribution.proportions[j] }
        scratch[k - 1] = info.distribution.otherProportion
        let feature = info.feature
        let model = configuration.model
        if stats.contains(.psi) {
            let v =
                enough
                ? scratch.withUnsafeBufferPointer {
                    DriftStatistics.populationStabilityIndex(
                        expectedProportions: UnsafeBufferPointer(rebasing: $0[0..<k]), actualCounts: counts,
                        epsilon: configuration.psiEpsilon)
                } : .nan
            report(.feature, model, feature, .psi, v, window)
        }
        if stats.contains(.jensenShannon) {
            var v = Double.nan
            if enough {
                for j in 0..<k { scratch[k + j] = Double(counts[j]) }
                v = scratch.withUnsafeBufferPointer { s in
                    DriftStatistics.jensenShannonDistance(
                        UnsafeBufferPointer(rebasing: s[0..<k]), UnsafeBufferPointer(rebasing: s[k..<(2 * k)]), base: 2)
                }
            }
            report(.feature, model, feature, .jensenShannon, v, window)
        }
        if stats.contains(.chiSquarePValue) {
            var v = Double.nan
            if enough {
                // Expected counts from the training proportions, each floored at psiEpsilon and renormalised
                // so that expected and observed totals agree (an unseen bucket would otherwise be infinite).
                var floorSum = 0.0
                for j in 0..<k { floorSum += max(scratch[j], configuration.psiEpsilon) }
                let total = Double(n)
                var statistic = 0.0
                for j in 0..<k {
                    let e = max(scratch[j], configuration.psiEpsilon) / floorSum * total
                    let d = Double(counts[j]) - e
                    statistic += d * d / e
                }
                v = DriftStatistics.chiSquareSurvival(statistic, degreesOfFreedom: k - 1)
            }
            report(.feature, model, feature, .chiSquarePValue, v, window)
        }
    }
}
