import Foundation

extension DriftStatistics {
    /// The result of a chi-square goodness-of-fit test.
    public struct ChiSquareResult: Sendable, Hashable {
        /// Pearson's statistic `Σ (o - e)² / e`.
        public var statistic: Double
        /// Upper tail of the chi-square distribution with `degreesOfFreedom` at `statistic`.
        public var pValue: Double
        /// `k - 1 - ddof`.
        public var degreesOfFreedom: Int
    }

    /// Chi-square goodness of fit, as `scipy.stats.chisquare(observed, expected, ddof)`.
    ///
    /// `expected` nil means a uniform expectation (the mean of `observed`). As in scipy, the two sums
    /// must agree to a relative tolerance of `sqrt(ε)` ≈ 1.49e-8; when they do not, or the lengths
    /// differ, the result holds NaN. An expected count of 0 with a non-zero observation gives +inf
    /// and a p-value of 0, as scipy does.
    public static func chiSquare(observed: [Double], expected: [Double]? = nil, ddof: Int = 0) -> ChiSquareResult {
        let k = observed.count
        let df = k - 1 - ddof
        let invalid = ChiSquareResult(statistic: .nan, pValue: .nan, degreesOfFreedom: df)
        guard k > 0 else { return invalid }
        let exp: [Double]
        if let expected {
            guard expected.count == k else { return invalid }
            let oSum = observed.reduce(0, +)
            let eSum = expected.reduce(0, +)
            let relative = abs(oSum - eSum) / min(oSum, eSum)
            if relative > Double.ulpOfOne.squareRoot() { return invalid }
            exp = expected
        } else {
            let mean = observed.reduce(0, +) / Double(k)
            exp = [Double](repeating: mean, count: k)
        }
        var stat = 0.0
        for i in 0..<k {
            let d = observed[i] - exp[i]
            stat += d * d / exp[i]
        }
        return ChiSquareResult(
            statistic: stat, pValue: chiSquareSurvival(stat, degreesOfFreedom: df), degreesOfFreedom: df)
    }

    /// Upper tail `P(X ≥ x)` of a chi-square distribution: `Q(df/2, x/2)`
    /// (`scipy.special.chdtrc`). NaN for df < 1.
    public static func chiSquareSurvival(_ x: Double, degreesOfFreedom df: Int) -> Double {
        guard df >= 1, !x.isNaN else { return .nan }
        if x < 0 { return 1 }
        if x == .infinity { return 0 }
        return IncompleteGamma.upperRegularized(Double(df) / 2, x / 2)
    }
}

/// Regularized incomplete gamma functions, after Cephes `igam.c` (Moshier): a power series for P
/// where it converges quickly and a continued fraction for Q elsewhere, each giving the complement
/// by subtraction only where that complement is not small.
enum IncompleteGamma {
    private static let machineEpsilon = 1.11022302462515654042e-16
    private static let maxLog = 7.09782712893383996843e2
    private static let big = 4.503599627370496e15
    private static let bigInverse = 2.22044604925031308085e-16

    /// Lower regularized incomplete gamma `P(a, x)`.
    static func lowerRegularized(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || x < 0 || a <= 0 { return .nan }
        if x == 0 { return 0 }
        if x > 1 && x > a { return 1 - upperRegularized(a, x) }
        return series(a, x)
    }

    /// Upper regularized incomplete gamma `Q(a, x) = 1 - P(a, x)`.
    static func upperRegularized(_ a: Double, _ x: Double) -> Double {
        if x.isNaN || a.isNaN || x < 0 || a <= 0 { return .nan }
        if x == 0 { return 1 }
        if x == .infinity { return 0 }
        if x < 1 || x < a { return 1 - series(a, x) }
        return continuedFraction(a, x)
    }

    /// `x^a e^-x / Γ(a)`, the common prefactor; 0 when it underflows.
    private static func prefactor(_ a: Double, _ x: Double) -> Double {
        let ax = a * log(x) - x - lgamma(a)
        if ax < -maxLog { return 0 }
        return exp(ax)
    }

    private static func series(_ a: Double, _ x: Double) -> Double {
        let ax = prefactor(a, x)
        if ax == 0 { return 0 }
        var r = a
        var c = 1.0
        var ans = 1.0
        repeat {
            r += 1
            c *= x / r
            ans += c
        } while c / ans > machineEpsilon
        return ans * ax / a
    }

    private static func continuedFraction(_ a: Double, _ x: Double) -> Double {
        let ax = prefactor(a, x)
        if ax == 0 { return 0 }
        var y = 1 - a
        var z = x + y + 1
        var c = 0.0
        var pkm2 = 1.0
        var qkm2 = x
        var pkm1 = x + 1
        var qkm1 = z * x
        var ans = pkm1 / qkm1
        var t: Double
        repeat {
            c += 1
            y += 1
            z += 2
            let yc = y * c
            let pk = pkm1 * z - pkm2 * yc
            let qk = qkm1 * z - qkm2 * yc
            if qk != 0 {
                let r = pk / qk
                t = abs((ans - r) / r)
                ans = r
            } else {
                t = 1
            }
            pkm2 = pkm1
            pkm1 = pk
            qkm2 = qkm1
            qkm1 = qk
            if abs(pk) > big {
                pkm2 *= bigInverse
                pkm1 *= bigInverse
                qkm2 *= bigInverse
                qkm1 *= bigInverse
            }
        } while t > machineEpsilon
        return ans * ax
    }
}
