import Foundation
import Testing

import SluiceMonitoring

/// A training profile for five normal features, one categorical feature and one model score.
enum SyntheticProfile {
    static let numericMeans: [Double] = [0, 5, -2, 100, 0.5]
    static let numericSDs: [Double] = [1, 2, 0.5, 15, 0.1]
    static let countries = ["US", "GB", "DE", "FR", "IT"]
    static let countryWeights: [Double] = [0.5, 0.2, 0.15, 0.1, 0.05]

    static func score(_ rng: inout SyntheticStream, shift: Double = 0) -> Double {
        1 / (1 + exp(-(rng.normal(mean: -1.5 + shift, sd: 1))))
    }

    static let profile: ReferenceProfile = {
        var rng = SyntheticStream(seed: 2024)
        var b = ReferenceProfileBuilder(name: "synthetic-train")
        let numeric = (0..<numericMeans.count).map { b.numericFeature("f\($0)") }
        let country = b.categoricalFeature("country")
        let score = b.modelScore("fraud-v3")
        for _ in 0..<100_000 {
            for (k, h) in numeric.enumerated() { b.add(rng.normal(mean: numericMeans[k], sd: numericSDs[k]), to: h) }
            b.add(countries[rng.choice(countryWeights)], to: country)
            b.add(Self.score(&rng), to: score)
        }
        return try! b.build()
    }()
}

/// Drives a monitor with synthetic events: event `i` has event time `i` ms.
struct MonitorDriver {
    let monitor: DriftMonitor
    var rng: SyntheticStream
    var numeric: [DriftMonitor.NumericSlot]
    var country: DriftMonitor.CategoricalSlot
    var score: DriftMonitor.NumericSlot
    var alerts: [(event: Int, alert: DriftAlert)] = []
    var event = 0

    init(_ monitor: DriftMonitor, seed: UInt64) {
        self.monitor = monitor
        rng = SyntheticStream(seed: seed)
        numeric = (0..<SyntheticProfile.numericMeans.count).map { monitor.slot(numericFeature: "f\($0)")! }
        country = monitor.slot(categoricalFeature: "country")!
        score = monitor.slot(scoreOf: "fraud-v3")!
    }

    /// Feeds `count` events; `f0Shift` is added to feature f0 (in its standard deviations).
    mutating func feed(
        _ count: Int, f0Shift: Double = 0, countryWeights: [Double] = SyntheticProfile.countryWeights,
        scoreShift: Double = 0, onWindow: (DriftMonitor) -> Void = { _ in }
    ) {
        for _ in 0..<count {
            for (k, slot) in numeric.enumerated() {
                let shift = k == 0 ? f0Shift * SyntheticProfile.numericSDs[0] : 0
                monitor.record(
                    rng.normal(mean: SyntheticProfile.numericMeans[k] + shift, sd: SyntheticProfile.numericSDs[k]),
                    at: slot)
            }
            monitor.record(category: SyntheticProfile.countries[rng.choice(countryWeights)], at: country)
            monitor.record(SyntheticProfile.score(&rng, shift: scoreShift), at: score)
            if monitor.endEvent(eventTimeMs: Int64(event)) { onWindow(monitor) }
            for a in monitor.drainAlerts() { alerts.append((event, a)) }
            event += 1
        }
    }
}

func makeMonitor(
    windowEvents: Int = 10_000,
    windowMilliseconds: Int64 = 0,
    sampleCapacity: Int? = nil,
    scoreDetector: DriftMonitorConfiguration.ScoreDetector = .none,
    statistics: Set<DriftStatistic> = [.psi, .ksPValue, .jensenShannon, .wasserstein, .chiSquarePValue]
) throws -> DriftMonitor {
    var config = DriftMonitorConfiguration(
        topology: "card-fraud", model: "fraud-v3",
        numericFeatures: (0..<SyntheticProfile.numericMeans.count).map { "f\($0)" },
        categoricalFeatures: ["country"], scoreModels: ["fraud-v3"], windowEvents: windowEvents,
        windowMilliseconds: windowMilliseconds, statistics: statistics, scoreDetector: scoreDetector)
    if let sampleCapacity { config.sampleCapacity = sampleCapacity }
    return try DriftMonitor(configuration: config, profile: SyntheticProfile.profile)
}

@Suite("Drift monitor")
struct DriftMonitorTests {
    @Test func windowStatisticsEqualABruteForceComputationOverTheSameValues() throws {
        let monitor = try makeMonitor(windowEvents: 1_500, sampleCapacity: 2_000)
        let slot = try #require(monitor.slot(numericFeature: "f1"))
        let reference = try #require(SyntheticProfile.profile.numeric["f1"])
        var rng = SyntheticStream(seed: 99)
        var values: [Double] = []
        for i in 0..<1_500 {
            let v = rng.normal(mean: 5.4, sd: 2.1)
            values.append(v)
            monitor.record(v, at: slot)
            monitor.endEvent(eventTimeMs: Int64(1_000 + i))
        }
        #expect(monitor.windowCount == 1)
        #expect(monitor.lastWindow == AlertPolicy.Window(startMs: 1_000, endMs: 2_499, eventCount: 1_500))
        func measured(_ s: DriftStatistic) -> Double? {
            monitor.lastMeasurements.first { $0.feature == "f1" && $0.statistic == s }?.value
        }
        // Bin by a linear scan of the edges and write PSI out.
        var counts = [Int](repeating: 0, count: reference.binProportions.count)
        for v in values { counts[reference.binEdges.filter { $0 <= v }.count] += 1 }
        var psi = 0.0
        for (k, c) in counts.enumerated() {
            let a = max(Double(c) / 1_500, 1e-4)
            let e = max(reference.binProportions[k], 1e-4)
            psi += (a - e) * log(a / e)
        }
        expectClose(try #require(measured(.psi)), psi, "psi")
        let ks = try #require(DriftStatistics.kolmogorovSmirnov(reference.sample, values, method: .asymptotic))
        expectClose(try #require(measured(.ksPValue)), ks.pValue, "ks p")
        let w = DriftStatistics.wassersteinDistance(reference.sample, values) / reference.standardDeviation
        expectClose(try #require(measured(.wasserstein)), w, "wasserstein")
        let js = DriftStatistics.jensenShannonDistance(reference.binProportions, counts.map(Double.init), base: 2)
        expectClose(try #require(measured(.jensenShannon)), js, "js")
        // Features that saw no value in the window are not evaluated.
        let f0 = monitor.lastMeasurements.first { $0.feature == "f0" && $0.statistic == .psi }
        #expect(f0?.value.isNaN == true)
    }

    @Test func anAbruptShiftRaisesCriticalAlertsWithinFourWindows() throws {
        let window = 2_000
        var driver = MonitorDriver(try makeMonitor(windowEvents: window), seed: 11)
        driver.feed(21_000)
        // Before the shift nothing but KS warnings may fire: a p-value below 0.05 in three windows in a
        // row happens by chance (the windows share one reference sample, so their p-values correlate).
        let before = driver.alerts
        #expect(
            before.allSatisfy { $0.alert.statistic == .ksPValue && $0.alert.severity == .warning },
            "before the shift: \(before.map(\.alert))")
        // f0's mean moves by one standard deviation at event 21,000 (in the middle of a window).
        driver.feed(20_000, f0Shift: 1.0)
        let after = driver.alerts.dropFirst(before.count)
        let f0 = after.filter { $0.alert.feature == "f0" && $0.alert.state == .firing }
        // Bound: the window holding the shift plus three full shifted windows, 4 · 2,000 events.
        for statistic in [DriftStatistic.psi, .ksPValue, .jensenShannon, .wasserstein] {
            let critical = try #require(f0.first { $0.alert.statistic == statistic && $0.alert.severity == .critical })
            #expect(
                critical.event - 21_000 < 4 * window, "\(statistic) critical \(critical.event - 21_000) events after")
        }
        #expect(after.allSatisfy { $0.alert.feature == "f0" }, "only f0 drifted")
        print(
            "shift of 1 sd at event 21000, windows of \(window): KS false alarms before:", before.count,
            "alerts after:",
            f0.map { "\($0.alert.statistic.rawValue)/\($0.alert.severity.rawValue) +\($0.event - 21_000)" })
    }

    @Test func aCategoricalShiftRaisesPSIAndChiSquareAlerts() throws {
        var driver = MonitorDriver(try makeMonitor(windowEvents: 2_000), seed: 12)
        driver.feed(10_000)
        driver.feed(10_000, countryWeights: [0.3, 0.2, 0.15, 0.1, 0.25])
        let country = driver.alerts.filter { $0.alert.feature == "country" }
        #expect(country.contains { $0.alert.statistic == .chiSquarePValue && $0.alert.severity == .critical })
        #expect(country.contains { $0.alert.statistic == .psi })
        #expect(country.allSatisfy { $0.event >= 10_000 && $0.event < 10_000 + 3 * 2_000 })
    }

    @Test func scoreDriftIsCaughtByADWINAndResolvesWhenItGoesBack() throws {
        var driver = MonitorDriver(try makeMonitor(windowEvents: 2_000, scoreDetector: .adwin(.init())), seed: 13)
        driver.feed(10_000)
        #expect(driver.alerts.isEmpty)
        driver.feed(10_000, scoreShift: 1.0)
        let adwin = try #require(driver.alerts.first { $0.alert.statistic == .adwin })
        #expect(adwin.alert.subject == .score && adwin.alert.model == "fraud-v3" && adwin.alert.feature == "score")
        #expect(adwin.event >= 10_000 && adwin.event < 10_300, "ADWIN alert at event \(adwin.event)")
        let psi = try #require(driver.alerts.first { $0.alert.subject == .score && $0.alert.statistic == .psi })
        #expect(psi.alert.state == .firing)
        driver.feed(12_000)
        #expect(
            driver.alerts.contains {
                $0.alert.subject == .score && $0.alert.statistic == .psi && $0.alert.state == .resolved
            })
    }

    @Test func timeWindowsCloseOnEventTimeAndSampleByReservoir() throws {
        let monitor = try makeMonitor(windowEvents: 0, windowMilliseconds: 1_000, sampleCapacity: 300)
        var driver = MonitorDriver(monitor, seed: 14)
        var sizes: [Int] = []
        driver.feed(5_500) { sizes.append($0.lastWindow!.eventCount) }
        // Events are 1 ms apart: a window closes at the event 1,000 ms after its first.
        #expect(sizes == [1_001, 1_001, 1_001, 1_001, 1_001])
        #expect(monitor.lastWindow?.startMs == 4_004 && monitor.lastWindow?.endMs == 5_004)
        #expect(monitor.openWindowEventCount == 495)
        let p = monitor.lastMeasurements.first { $0.feature == "f2" && $0.statistic == .ksPValue }!.value
        #expect(p > 0 && p <= 1)
    }

    @Test func unknownFeaturesAndEmptyWindowSettingsAreRejected() {
        let profile = SyntheticProfile.profile
        #expect(throws: MonitoringError.self) {
            try DriftMonitor(
                configuration: .init(topology: "t", model: "m", numericFeatures: ["nope"]), profile: profile)
        }
        #expect(throws: MonitoringError.self) {
            try DriftMonitor(configuration: .init(topology: "t", model: "m", windowEvents: 0), profile: profile)
        }
    }

    /// One million events from the training distribution through the default configuration
    /// (windows of 10,000 events, window samples of 1,000, three breaching windows in a row to fire).
    @Test func oneMillionStationaryEventsRaiseNoAlert() throws {
        var driver = MonitorDriver(try makeMonitor(), seed: 15)
        var breaches: [DriftStatistic: Int] = [:]
        var windows = 0
        // The same measurements replayed with the customary KS p < 0.05 warning, to report what it would cost.
        var customary = AlertPolicy(topology: "t", referenceName: "r", referenceFingerprint: "f")
        var customaryAlerts: [DriftAlert] = []
        let ks05 = DriftThreshold(warning: 0.05, critical: 0.001, breachesBelow: true)
        driver.feed(1_000_000) { m in
            windows += 1
            for x in m.lastMeasurements {
                if let t = m.configuration.thresholds[x.statistic], t.severity(of: x.value) != nil {
                    breaches[x.statistic, default: 0] += 1
                }
                if x.statistic == .ksPValue {
                    let key = AlertPolicy.Key(
                        model: x.model, subject: x.subject, feature: x.feature, statistic: .ksPValue)
                    if let a = customary.evaluate(key, value: x.value, threshold: ks05, window: m.lastWindow!) {
                        customaryAlerts.append(a)
                    }
                }
            }
        }
        #expect(windows == 100)
        #expect(driver.alerts.isEmpty, "false alarms: \(driver.alerts.map(\.alert))")
        print(
            "1M stationary events: \(windows) windows, \(driver.alerts.count) alerts;",
            "single breaching windows per statistic:",
            breaches.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue)=\($0.value)" },
            "; with KS warning at p < 0.05 instead:",
            customaryAlerts.map { "\($0.feature) \($0.state.rawValue) at \($0.windowEndMs)" })
    }
}
