import Foundation
import Testing

import SluiceMonitoring

private struct ProfileFixture: Decodable {
    struct Feature: Decodable {
        var name: String
        var values: [Double]
        var quantiles: [Double]
        var edges: [Double]
        var proportions: [Double]
        var mean: Double
        var std: Double
        var min: Double
        var max: Double
    }
    var features: [Feature]
}

@Suite("Reference profile")
struct ReferenceProfileTests {
    private static let fixture: ProfileFixture = {
        do {
            return try Fixture.load(ProfileFixture.self, "profile_values.json")
        } catch {
            fatalError("profile_values.json: \(error)")
        }
    }()

    @Test func numericBinsAndMomentsMatchNumpy() throws {
        var builder = ReferenceProfileBuilder(name: "train")
        for f in Self.fixture.features {
            let h = builder.numericFeature(f.name)
            for v in f.values { builder.add(v, to: h) }
            builder.addNull(to: h)
            builder.add(.nan, to: h)
        }
        let profile = try builder.build()
        for f in Self.fixture.features {
            let d = try #require(profile.numeric[f.name])
            #expect(d.binEdges.count == f.edges.count, "\(f.name) edges \(d.binEdges) vs \(f.edges)")
            for (a, e) in zip(d.binEdges, f.edges) { expectClose(a, e, "\(f.name) edge") }
            #expect(d.binProportions.count == f.proportions.count)
            for (a, e) in zip(d.binProportions, f.proportions) { expectClose(a, e, "\(f.name) proportion") }
            expectClose(d.mean, f.mean, "\(f.name) mean")
            expectClose(d.standardDeviation, f.std, "\(f.name) std")
            #expect(d.minimum == f.min && d.maximum == f.max)
            #expect(d.count == f.values.count && d.nullCount == 2)
            expectClose(d.nullFraction, 2.0 / Double(f.values.count + 2), "\(f.name) null fraction")
            // The reference sample: min(n, 5000) training values, sorted.
            #expect(d.sample.count == min(f.values.count, 5_000))
            #expect(d.sample == d.sample.sorted())
            let pool = Set(f.values)
            #expect(d.sample.allSatisfy { pool.contains($0) })
        }
        // The discrete feature has tied quantiles: duplicate edges are dropped, as np.unique does.
        let discrete = try #require(Self.fixture.features.first { $0.name == "discrete" })
        #expect(discrete.edges.count < discrete.quantiles.count)
    }

    @Test func binOfValueFollowsSearchsortedRight() {
        let d = NumericDistribution(
            count: 1, nullCount: 0, nullFraction: 0, mean: 0, standardDeviation: 1, minimum: 0, maximum: 0,
            binEdges: [1, 2, 3], binProportions: [0.25, 0.25, 0.25, 0.25], sample: [0], sampleSeed: 0)
        #expect(d.bin(of: 0.5) == 0)
        #expect(d.bin(of: 1) == 1)
        #expect(d.bin(of: 2.5) == 2)
        #expect(d.bin(of: 3) == 3)
        #expect(d.bin(of: .infinity) == 3)
        #expect(d.bin(of: -.infinity) == 0)
    }

    @Test func referenceSampleIsAUniformReservoirOfTheStatedSize() throws {
        var builder = ReferenceProfileBuilder(name: "r", configuration: .init(sampleCapacity: 1_000))
        let h = builder.numericFeature("x")
        for i in 0..<100_000 { builder.add(Double(i), to: h) }
        let d = try #require(try builder.build().numeric["x"])
        #expect(d.sample.count == 1_000)
        #expect(Set(d.sample).count == 1_000)
        // A uniform sample of 0..<100000: its mean is near 50,000 (sd of the mean ≈ 913).
        let mean = d.sample.reduce(0, +) / 1_000
        #expect(abs(mean - 49_999.5) < 4_000)
        // Deterministic: the same seed draws the same sample.
        var again = ReferenceProfileBuilder(name: "r", configuration: .init(sampleCapacity: 1_000))
        let h2 = again.numericFeature("x")
        for i in 0..<100_000 { again.add(Double(i), to: h2) }
        #expect(try again.build().numeric["x"]?.sample == d.sample)
    }

    @Test func categoricalFrequenciesKeepTheTopCategoriesAndPoolTheRest() throws {
        var builder = ReferenceProfileBuilder(name: "c", configuration: .init(categoryCap: 3))
        let h = builder.categoricalFeature("country")
        let counts = ["US": 50, "GB": 20, "DE": 15, "FR": 10, "IT": 5]
        for (c, n) in counts.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<n { builder.add(c, to: h) }
        }
        builder.add(nil, to: h)
        let d = try #require(try builder.build().categorical["country"])
        #expect(d.categories == ["US", "GB", "DE"])
        #expect(d.proportions == [0.5, 0.2, 0.15])
        #expect(d.otherProportion == 0.15)
        #expect(d.count == 100 && d.nullCount == 1)
    }

    @Test func profileJSONRoundTripsExactlyAndKeepsItsFingerprint() throws {
        var builder = ReferenceProfileBuilder(name: "fraud-train")
        let f = Self.fixture.features[0]
        for v in f.values.prefix(3_000) { builder.add(feature: "amount", value: v) }
        builder.add(feature: "amount", value: nil)
        for (i, v) in f.values.prefix(500).enumerated() {
            builder.add(model: "fraud-v3", score: v / 1000)
            builder.add(feature: "country", category: i % 3 == 0 ? "US" : "a \"quoted\" \\ name")
        }
        let profile = try builder.build()
        let data = try profile.encodedJSON()
        let decoded = try ReferenceProfile.decode(from: data)
        #expect(decoded == profile)
        #expect(decoded.fingerprint == profile.fingerprint)
        #expect(profile.fingerprint.count == 16)
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        #expect(object?["format"] as? String == "sluice.reference-profile")
        #expect(object?["version"] as? Int == 1)
    }

    @Test func decodingRejectsAnotherFormatAndBrokenInvariants() throws {
        let wrongFormat = #"{"format":"other","version":1,"name":"x"}"#
        #expect(throws: MonitoringError.self) { try ReferenceProfile.decode(from: Data(wrongFormat.utf8)) }
        let badEdges = #"""
            {"format":"sluice.reference-profile","version":1,"name":"x","numeric":{"a":{"count":3,"null_count":0,
            "null_fraction":0,"mean":1,"std":1,"min":0,"max":2,"bin_edges":[2,1],"bin_proportions":[0.3,0.3,0.4],
            "sample":[0,1,2],"sample_seed":1}},"categorical":{},"scores":{}}
            """#
        do {
            _ = try ReferenceProfile.decode(from: Data(badEdges.utf8))
            Issue.record("descending edges were accepted")
        } catch {
            #expect(error.code == .invalidProfile)
            #expect(error.location == "numeric.a")
        }
    }
}
