import Testing

import SluiceMonitoring

private struct DetectorFixture: Decodable {
    struct ADWINCase: Decodable {
        struct Config: Decodable {
            var delta: Double
            var clock: Int
            var max_buckets: Int
            var min_window_length: Int
            var grace_period: Int
        }
        var stream: String
        var config: Config
        var positions: [Int]
    }
    struct PageHinkleyCase: Decodable {
        struct Config: Decodable {
            var min_instances: Int
            var delta: Double
            var threshold: Double
            var alpha: Double
            var mode: String
        }
        var stream: String
        var config: Config
        var positions: [Int]
    }
    struct DDMCase: Decodable {
        var stream: String
        var values: [Int]
        var drifts: [Int]
        var warnings: [Int]
    }
    var versions: [String: String]
    var streams: [String: [Double]]
    var adwin: [ADWINCase]
    var page_hinkley: [PageHinkleyCase]
    var ddm: [DDMCase]
}

private let fixture: DetectorFixture = {
    do {
        return try Fixture.load(DetectorFixture.self, "detector_streams.json")
    } catch {
        fatalError("detector_streams.json: \(error)")
    }
}()

private func positions<D: ChangeDetector>(_ detector: D, _ values: [Double]) -> [Int] {
    var d = detector
    var out: [Int] = []
    for (i, x) in values.enumerated() {
        d.update(x)
        if d.isDriftDetected { out.append(i) }
    }
    return out
}

@Suite("Change detectors report at River 0.26.1's positions")
struct ChangeDetectorTests {
    @Test func fixtureWasMadeWithRiver026() {
        #expect(fixture.versions["river"]?.hasPrefix("0.26") == true)
        #expect(fixture.streams.count >= 4)
    }

    @Test func adwinDefaultsAreRiversDefaults() {
        let c = ADWIN.Configuration()
        #expect(c.delta == 0.002 && c.clock == 32 && c.maxBuckets == 5)
        #expect(c.minWindowLength == 5 && c.gracePeriod == 10)
    }

    @Test func adwinDetectsAtRiversPositions() {
        var detections = 0
        for c in fixture.adwin {
            let config = ADWIN.Configuration(
                delta: c.config.delta, clock: c.config.clock, maxBuckets: c.config.max_buckets,
                minWindowLength: c.config.min_window_length, gracePeriod: c.config.grace_period)
            let got = positions(ADWIN(configuration: config), fixture.streams[c.stream]!)
            #expect(got == c.positions, "ADWIN \(c.stream) \(c.config)")
            detections += c.positions.count
        }
        #expect(detections > 20)
    }

    @Test func pageHinkleyDefaultsAreRiversDefaults() {
        let c = PageHinkley.Configuration()
        #expect(c.minInstances == 30 && c.delta == 0.005 && c.threshold == 50 && c.alpha == 1 - 0.0001)
        #expect(c.mode == .both)
    }

    @Test func pageHinkleyDetectsAtRiversPositions() {
        for c in fixture.page_hinkley {
            let config = PageHinkley.Configuration(
                minInstances: c.config.min_instances, delta: c.config.delta, threshold: c.config.threshold,
                alpha: c.config.alpha, mode: PageHinkley.Mode(rawValue: c.config.mode)!)
            let got = positions(PageHinkley(configuration: config), fixture.streams[c.stream]!)
            #expect(got == c.positions, "PageHinkley \(c.stream) \(c.config)")
        }
    }

    @Test func ddmDetectsAndWarnsAtRiversPositions() {
        for c in fixture.ddm {
            var d = DDM()
            var drifts: [Int] = []
            var warnings: [Int] = []
            for (i, x) in c.values.enumerated() {
                d.update(error: x == 1)
                if d.isDriftDetected { drifts.append(i) }
                if d.isWarningDetected { warnings.append(i) }
            }
            #expect(drifts == c.drifts, "DDM \(c.stream) drifts")
            #expect(warnings == c.warnings, "DDM \(c.stream) warnings")
        }
        #expect(fixture.ddm.contains { !$0.drifts.isEmpty })
    }

    @Test func adwinWindowShrinksAfterDriftAndResetsOnTheNextUpdate() {
        var a = ADWIN()
        for _ in 0..<1000 { a.update(0) }
        #expect(a.width == 1000)
        var detectedAt: Int?
        for i in 0..<1000 {
            a.update(1)
            if a.isDriftDetected {
                detectedAt = i
                break
            }
        }
        #expect(detectedAt != nil)
        a.update(1)
        #expect(a.width == 1 && !a.isDriftDetected)
    }
}
