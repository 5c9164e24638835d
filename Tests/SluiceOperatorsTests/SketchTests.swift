#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
import Testing

@testable import SluiceOperators

@Suite struct HyperLogLogTests {
    /// 1M insertions drawn from `cardinality` distinct values; the estimate is within 3 standard errors.
    @Test(arguments: [100, 5_000, 40_000, 70_000, 300_000, 1_000_000])
    func estimateOfAMillionInsertionsIsWithinThreeStandardErrors(cardinality: Int) {
        var sketch = HyperLogLog(precision: 14)
        for index in 0..<1_000_000 {
            // The integers 0..<n themselves: the sketch mixes its input, so weak hashes are fine.
            sketch.insert(hash: UInt64(index % cardinality))
        }
        let error = abs(sketch.estimate() - Double(cardinality)) / Double(cardinality)
        #expect(error <= 3 * sketch.relativeStandardError, "cardinality \(cardinality): estimate \(sketch.estimate())")
        #expect(sketch.isDense == (cardinality > 4096))
    }

    @Test func relativeStandardErrorMatchesOnePointZeroFourOverRootM() {
        // 300 independent sketches with m = 256 at n = 20,000: the spread of their errors is 1.04/√m = 6.5 %.
        var squares = 0.0
        var sum = 0.0
        let trials = 300
        let n = 20_000
        for trial in 0..<trials {
            var sketch = HyperLogLog(precision: 8)
            var random = SeededGenerator(seed: UInt64(1000 + trial))
            for _ in 0..<n { sketch.insert(hash: random.next()) }
            let error = sketch.estimate() / Double(n) - 1
            squares += error * error
            sum += error
        }
        let rms = (squares / Double(trials)).squareRoot()
        let expected = HyperLogLog(precision: 8).relativeStandardError
        #expect(rms > 0.8 * expected && rms < 1.2 * expected, "rms \(rms), expected \(expected)")
        #expect(abs(sum / Double(trials)) < 0.01, "mean error \(sum / Double(trials)) shows bias")
    }

    @Test func mergingGivesTheSketchOfTheUnionWhateverTheForm() {
        var small = HyperLogLog(precision: 12)
        var large = HyperLogLog(precision: 12)
        var union = HyperLogLog(precision: 12)
        for value in UInt64(0)..<300 {
            small.insert(hash: value)
            union.insert(hash: value)
        }
        for value in UInt64(200)..<20_000 {
            large.insert(hash: value)
            union.insert(hash: value)
        }
        #expect(!small.isDense && large.isDense)
        var sparseIntoDense = large
        sparseIntoDense.merge(small)
        var denseIntoSparse = small
        denseIntoSparse.merge(large)
        #expect(sparseIntoDense.estimate() == union.estimate())
        #expect(denseIntoSparse.estimate() == union.estimate())
        let refused = union.merge(HyperLogLog(precision: 10))
        #expect(!refused)
        #expect(HyperLogLog().estimate() == 0)
    }
}

@Suite struct DDSketchTests {
    static let quantiles = [0.5, 0.9, 0.99, 0.999]

    static func values(_ distribution: String, count: Int) -> [Double] {
        var random = SeededGenerator(seed: UInt64(distribution.utf8.reduce(0) { $0 &* 31 &+ UInt64($1) }))
        func uniform() -> Double { Double(random.next() >> 11) / Double(1 << 53) }
        return (0..<count).map { _ in
            switch distribution {
            case "lognormal":
                // Box–Muller.
                let z = (-2 * log(max(uniform(), 1e-300))).squareRoot() * cos(2 * Double.pi * uniform())
                return exp(3 + 2 * z)
            case "pareto":
                return 1 / pow(max(uniform(), 1e-12), 1 / 1.2)
            case "mixed-sign":
                return (uniform() - 0.3) * 1e4
            default:
                return uniform() * 1000
            }
        }
    }

    @Test(arguments: ["uniform", "lognormal", "pareto", "mixed-sign"])
    func quantilesOfAMillionValuesAreWithinTheRelativeAccuracy(distribution: String) {
        let data = Self.values(distribution, count: 1_000_000)
        var sketch = DDSketch(relativeAccuracy: 0.01)
        for value in data { sketch.add(value) }
        let sorted = data.sorted()
        #expect(sketch.count == 1_000_000)
        #expect(!sketch.hasCollapsed)
        for q in Self.quantiles {
            let exact = sorted[Int(q * Double(sorted.count - 1))]
            let estimate = sketch.quantile(q)
            #expect(
                abs(estimate - exact) <= 0.01 * abs(exact) * (1 + 1e-9),
                "\(distribution) q=\(q): \(estimate) vs \(exact)")
        }
    }

    @Test func mergedSketchesAnswerLikeOneSketchOfAllValues() {
        let data = Self.values("lognormal", count: 200_000)
        var whole = DDSketch(relativeAccuracy: 0.02)
        var left = DDSketch(relativeAccuracy: 0.02)
        var right = DDSketch(relativeAccuracy: 0.02)
        for (index, value) in data.enumerated() {
            whole.add(value)
            if index % 3 == 0 { left.add(value) } else { right.add(value) }
        }
        left.merge(right)
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 0.999, 1.0] { #expect(left.quantile(q) == whole.quantile(q)) }
        let refused = left.merge(DDSketch(relativeAccuracy: 0.01))
        #expect(!refused)
    }

    @Test func binsStayBoundedAndHighQuantilesKeepTheirGuarantee() {
        var sketch = DDSketch(relativeAccuracy: 0.01, maxBins: 64)
        var data: [Double] = []
        for exponent in -200...200 {
            for step in 0..<5 { data.append(pow(10, Double(exponent) / 10) * (1 + Double(step) / 10)) }
        }
        for value in data { sketch.add(value) }
        #expect(sketch.positive.counts.count <= 64)
        #expect(sketch.hasCollapsed)
        let sorted = data.sorted()
        let exact = sorted[Int(0.999 * Double(sorted.count - 1))]
        #expect(abs(sketch.quantile(0.999) - exact) <= 0.01 * exact * (1 + 1e-9))
        #expect(sketch.count == UInt64(data.count))
    }

    @Test func emptyAndNonFiniteInputs() {
        var sketch = DDSketch()
        #expect(sketch.quantile(0.5).isNaN)
        sketch.add(.nan)
        sketch.add(.infinity)
        #expect(sketch.isEmpty)
        sketch.add(0)
        sketch.add(-5)
        sketch.add(5)
        #expect(sketch.quantile(0.5) == 0)
        #expect(abs(sketch.quantile(0) + 5) <= 0.05)
        #expect(abs(sketch.quantile(1) - 5) <= 0.05)
    }
}
