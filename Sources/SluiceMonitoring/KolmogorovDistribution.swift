import Foundation

/// The distribution of the two-sided one-sample Kolmogorov–Smirnov statistic `D_n`
/// (`scipy.stats.kstwo`), which scipy's `ks_2samp` uses for its asymptotic two-sample p-value.
///
/// A port of scipy's `_ksstats._kolmogn` (Simard & L'Ecuyer's choice among Ruben–Gambino's closed
/// forms, Durbin's matrix method as Marsaglia–Tsang–Wang compute it, Pomeranz's recursion, the
/// Pelz–Good expansion, and twice the one-sided Smirnov tail) and of the one-sided Smirnov
/// survival function from xsf's `kolmogorov.h`. scipy evaluates the Smirnov sum in double-double
/// arithmetic; here each term is formed in log space in double precision, which keeps the result
/// well inside 1e-9 relative for the sizes the fixtures cover.
enum KolmogorovDistribution {
    private static let exponentScale = 128
    private static let scaleUp = 0x1p128
    private static let scaleDown = 0x1p-128
    private static let minLog = -7.451332191019412076235e2

    /// `kstwo.sf(x, n)`: `P(D_n ≥ x)`, including scipy's support handling (1 at or below `0.5/n`).
    static func survival(n: Int, x: Double) -> Double {
        guard n >= 1, !x.isNaN else { return .nan }
        if x <= 0.5 / Double(n) { return 1 }
        if x >= 1 { return 0 }
        return kolmogn(n: n, x: x, cdf: false)
    }

    /// `kstwo.cdf(x, n)`: `P(D_n ≤ x)`.
    static func cdf(n: Int, x: Double) -> Double {
        guard n >= 1, !x.isNaN else { return .nan }
        if x <= 0.5 / Double(n) { return 0 }
        if x >= 1 { return 1 }
        return kolmogn(n: n, x: x, cdf: true)
    }

    private static func clip(_ p: Double) -> Double { min(max(p, 0), 1) }

    private static func select(_ cdfProbability: Double, _ sfProbability: Double, cdf: Bool) -> Double {
        clip(cdf ? cdfProbability : sfProbability)
    }

    static func kolmogn(n: Int, x: Double, cdf: Bool) -> Double {
        if x >= 1 { return select(1, 0, cdf: cdf) }
        if x <= 0 { return select(0, 1, cdf: cdf) }
        let nd = Double(n)
        let t = nd * x
        if t <= 1 {
            // Ruben–Gambino: 1/2n ≤ x ≤ 1/n.
            if t <= 0.5 { return select(0, 1, cdf: cdf) }
            let prob: Double
            if n <= 140 {
                var product = 1.0
                for i in 1...n { product *= Double(i) * (1.0 / nd) * (2 * t - 1) }
                prob = product
            } else {
                prob = exp(logFactorialOverPower(n) + nd * log(2 * t - 1))
            }
            return select(prob, 1 - prob, cdf: cdf)
        }
        if t >= nd - 1 {
            let prob = 2 * pow(1 - x, nd)
            return select(1 - prob, prob, cdf: cdf)
        }
        if x >= 0.5 {
            let prob = 2 * smirnovSurvival(n: n, x: x)
            return select(1 - prob, prob, cdf: cdf)
        }
        let nxSquared = t * x
        if n <= 140 {
            if nxSquared <= 0.754693 {
                let prob = durbinMatrixCDF(n: n, d: x)
                return select(prob, 1 - prob, cdf: cdf)
            }
            if nxSquared <= 4 {
                let prob = pomeranzCDF(n: n, x: x)
                return select(prob, 1 - prob, cdf: cdf)
            }
            let prob = 2 * smirnovSurvival(n: n, x: x)
            return select(1 - prob, prob, cdf: cdf)
        }
        if !cdf {
            if nxSquared >= 370 { return 0 }
            if nxSquared >= 2.2 { return clip(2 * smirnovSurvival(n: n, x: x)) }
        }
        let cdfProbability: Double
        if nxSquared >= 18 {
            cdfProbability = 1
        } else if n <= 100_000 && nd * pow(x, 1.5) <= 1.4 {
            cdfProbability = durbinMatrixCDF(n: n, d: x)
        } else {
            cdfProbability = pelzGoodCDF(n: n, x: x)
        }
        return select(cdfProbability, 1 - cdfProbability, cdf: cdf)
    }

    /// `log(n! / n^n)` by Stirling's series with `n log n` removed up front.
    static func logFactorialOverPower(_ n: Int) -> Double {
        let coefficients: [Double] = [
            -2.955065359477124183e-2, 6.4102564102564102564e-3,
            -1.9175269175269175269e-3, 8.4175084175084175084e-4,
            -5.952380952380952381e-4, 7.9365079365079365079e-4,
            -2.7777777777777777778e-3, 8.3333333333333333333e-2,
        ]
        let nd = Double(n)
        let rn = 1.0 / nd
        let y = rn / nd
        var poly = 0.0
        for c in coefficients { poly = poly * y + c }
        return log(nd) / 2 - nd + log(2 * Double.pi) / 2 + rn * poly
    }

    // MARK: Durbin's matrix (Marsaglia–Tsang–Wang)

    static func durbinMatrixCDF(n: Int, d: Double) -> Double {
        if d >= 1 { return 1 }
        let nd = Double(n) * d
        if nd <= 0.5 { return 0 }
        let k = Int(nd.rounded(.up))
        let h = Double(k) - nd
        let m = 2 * k - 1
        var hm = [Double](repeating: 0, count: m * m)
        var v = [Double](repeating: 0, count: m)
        var w = [Double](repeating: 0, count: m)
        var fac = 1.0
        for j in 1...m {
            v[j - 1] = 1.0 - pow(h, Double(j))
            w[j - 1] = fac
            fac /= Double(j)
            v[j - 1] *= fac
        }
        let tt = pow(max(2 * h - 1.0, 0), Double(m)) - 2 * pow(h, Double(m))
        v[m - 1] = (1.0 + tt) * fac
        if m > 1 {
            for i in 1..<m {
                for row in (i - 1)..<m { hm[row * m + i] = w[row - (i - 1)] }
            }
        }
        for row in 0..<m { hm[row * m] = v[row] }
        for col in 0..<m { hm[(m - 1) * m + col] = v[m - 1 - col] }

        var power = [Double](repeating: 0, count: m * m)
        for i in 0..<m { power[i * m + i] = 1 }
        var scratch = [Double](repeating: 0, count: m * m)
        var nn = n
        var exponent = 0
        var hExponent = 0
        while nn > 0 {
            if nn % 2 == 1 {
                multiply(power, hm, into: &scratch, m)
                swap(&power, &scratch)
                exponent += hExponent
            }
            multiply(hm, hm, into: &scratch, m)
            swap(&hm, &scratch)
            hExponent *= 2
            if abs(hm[(k - 1) * m + (k - 1)]) > scaleUp {
                for i in 0..<(m * m) { hm[i] /= scaleUp }
                hExponent += exponentScale
            }
            nn /= 2
        }
        var p = power[(k - 1) * m + (k - 1)]
        let nDouble = Double(n)
        for i in 1...n {
            p = Double(i) * p / nDouble
            if abs(p) < scaleDown {
                p *= scaleUp
                exponent -= exponentScale
            }
        }
        if exponent != 0 { p = scalbn(p, exponent) }
        return clip(p)
    }

    private static func multiply(_ a: [Double], _ b: [Double], into c: inout [Double], _ m: Int) {
        for i in 0..<m {
            for j in 0..<m { c[i * m + j] = 0 }
            for l in 0..<m {
                let ail = a[i * m + l]
                if ail == 0 { continue }
                for j in 0..<m { c[i * m + j] += ail * b[l * m + j] }
            }
        }
    }

    // MARK: Pomeranz

    private static func pomeranzBounds(_ i: Int, _ n: Int, _ ll: Int, _ ceilf: Int, _ roundf: Int) -> (Int, Int) {
        var j1: Int
        var j2: Int
        if i == 0 {
            (j1, j2) = (-ll - ceilf - 1, ll + ceilf - 1)
        } else {
            let ip1div2 = (i + 1) / 2
            let ip1mod2 = (i + 1) % 2
            if ip1mod2 == 0 {
                if ip1div2 == n + 1 {
                    (j1, j2) = (n - ll - ceilf - 1, n + ll + ceilf - 1)
                } else {
                    (j1, j2) = (ip1div2 - 1 - ll - roundf - 1, ip1div2 + ll - 1 + ceilf - 1)
                }
            } else {
                (j1, j2) = (ip1div2 - 1 - ll - 1, ip1div2 + ll + roundf - 1)
            }
        }
        return (max(j1 + 2, 0), min(j2, n))
    }

    static func pomeranzCDF(n: Int, x: Double) -> Double {
        let nd = Double(n)
        let t = nd * x
        let ll = Int(t.rounded(.down))
        let f = t - Double(ll)
        let g = min(f, 1.0 - f)
        let ceilf = f > 0 ? 1 : 0
        let roundf = f > 0.5 ? 1 : 0
        let npwrs = 2 * (ll + 1)
        var gpower = [Double](repeating: 1, count: npwrs)
        var twogpower = [Double](repeating: 1, count: npwrs)
        var onem2gpower = [Double](repeating: 1, count: npwrs)
        let gOverN = g / nd
        let twoGOverN = 2 * g / nd
        let oneMinusTwoGOverN = (1 - 2 * g) / nd
        if npwrs > 1 {
            for m in 1..<npwrs {
                gpower[m] = gpower[m - 1] * gOverN / Double(m)
                twogpower[m] = twogpower[m - 1] * twoGOverN / Double(m)
                onem2gpower[m] = onem2gpower[m - 1] * oneMinusTwoGOverN / Double(m)
            }
        }
        var v0 = [Double](repeating: 0, count: npwrs)
        var v1 = [Double](repeating: 0, count: npwrs)
        v1[0] = 1
        var v0s = 0
        var v1s = 0
        var exponent = 0
        var (j1, j2) = pomeranzBounds(0, n, ll, ceilf, roundf)
        for i in 1..<(2 * n + 2) {
            let k1 = j1
            swap(&v0, &v1)
            swap(&v0s, &v1s)
            for q in 0..<npwrs { v1[q] = 0 }
            (j1, j2) = pomeranzBounds(i, n, ll, ceilf, roundf)
            let pwrs: [Double]
            if i == 1 || i == 2 * n + 1 {
                pwrs = gpower
            } else {
                pwrs = i % 2 == 1 ? twogpower : onem2gpower
            }
            let ln2 = j2 - k1 + 1
            if ln2 > 0 {
                // np.convolve(V0[k1-V0s : k1-V0s+ln2], pwrs[:ln2]) with numpy's slice clipping.
                let aStart = k1 - v0s
                let aLength = max(0, min(aStart + ln2, npwrs) - aStart)
                let bLength = min(ln2, npwrs)
                let convStart = j1 - k1
                let convLength = j2 - j1 + 1
                if convLength > 0 {
                    for c in 0..<convLength {
                        let kk = convStart + c
                        var sum = 0.0
                        let lo = max(0, kk - (bLength - 1))
                        let hi = min(aLength - 1, kk)
                        if lo <= hi {
                            for ia in lo...hi { sum += v0[aStart + ia] * pwrs[kk - ia] }
                        }
                        v1[c] = sum
                    }
                }
                var maximum = -Double.infinity
                for q in 0..<npwrs where v1[q] > maximum { maximum = v1[q] }
                if maximum > 0 && maximum < scaleDown {
                    for q in 0..<npwrs { v1[q] *= scaleUp }
                    exponent -= exponentScale
                }
                v1s = v0s + j1 - k1
            }
        }
        var answer = v1[n - v1s]
        for m in 1...n {
            if abs(answer) > scaleUp {
                answer *= scaleDown
                exponent += exponentScale
            }
            answer *= Double(m)
        }
        if exponent != 0 { answer = scalbn(answer, exponent) }
        return answer
    }

    // MARK: Pelz–Good

    static func pelzGoodCDF(n: Int, x: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let piSquared = Double.pi * Double.pi
        let piFour = piSquared * piSquared
        let piSix = piFour * piSquared
        let sqrt2Pi = (2 * Double.pi).squareRoot()
        let z = Double(n).squareRoot() * x
        let zSquared = z * z
        let zThree = pow(z, 3)
        let zFour = pow(z, 4)
        let zSix = pow(z, 6)
        let qlog = -piSquared / 8 / zSquared
        if qlog < -708 { return 0 }
        var q = exp(qlog)

        let k1a = -zSquared
        let k1b = piSquared / 4
        let k2a = 6 * zSix + 2 * zFour
        let k2b = (2 * zFour - 5 * zSquared) * piSquared / 4
        let k2c = piFour * (1 - 2 * zSquared) / 16
        let k3d = piSix * (5 - 30 * zSquared) / 64
        let k3c = piFour * (-60 * zSquared + 212 * zFour) / 16
        let k3b = piSquared * (135 * zFour - 96 * zSix) / 4
        let k3a = -30 * zSix - 90 * pow(z, 8)

        var k0 = 0.0
        var k1 = 0.0
        var k2 = 0.0
        var k3 = 0.0
        let maxk = Int((16 * z / Double.pi).rounded(.up))
        var k = maxk
        while k > 0 {
            let m = Double(2 * k - 1)
            let mSquared = m * m
            let mFour = mSquared * mSquared
            let mSix = mFour * mSquared
            let qPower = pow(q, Double(8 * k))
            k0 = k0 * qPower + 1.0
            k1 = k1 * qPower + (k1a + k1b * mSquared)
            k2 = k2 * qPower + (k2a + k2b * mSquared + k2c * mFour)
            k3 = k3 * qPower + (k3a + k3b * mSquared + k3c * mFour + k3d * mSix)
            k -= 1
        }
        k0 = k0 * q * sqrt2Pi / z
        k1 = k1 * q * sqrt2Pi / (6 * zFour)
        k2 = k2 * q * sqrt2Pi / (72 * pow(z, 7))
        k3 = k3 * q * sqrt2Pi / (6480 * pow(z, 10))

        q = exp(-piSquared / 2 / zSquared)
        let sqrt3z = 3.0.squareRoot() * z
        var k2extra = 0.0
        var k3extra = 0.0
        k = maxk
        while k > 0 {
            let kd = Double(k)
            let kSquared = kd * kd
            let qPower = pow(q, kSquared)
            k2extra += kSquared * qPower
            let kPi = Double.pi * kd
            k3extra += (sqrt3z + kPi) * (sqrt3z - kPi) * kSquared * qPower
            k -= 1
        }
        k2extra *= piSquared * sqrt2Pi / (-36 * zThree)
        k3extra *= piSquared * sqrt2Pi / (216 * zSix)
        k2 += k2extra
        k3 += k3extra
        let nd = Double(n)
        k1 /= pow(nd, 0.5)
        k2 /= nd
        k3 /= pow(nd, 1.5)
        return k0 + k1 + k2 + k3
    }

    // MARK: One-sided Smirnov

    /// `scipy.special.smirnov(n, x)`: `P(D⁺_n ≥ x)`, by the Birnbaum–Tingey sum (lower or upper).
    static func smirnovSurvival(n: Int, x: Double) -> Double {
        guard n > 0, x >= 0, x <= 1 else { return .nan }
        if n == 1 { return 1 - x }
        if x == 0 { return 1 }
        if x == 1 { return 0 }
        let nd = Double(n)
        // floor(n·x) and its remainder, exactly: fma recovers the rounding error of the product.
        let nxHi = nd * x
        let nxLo = fma(nd, x, -nxHi)
        var nxfl = Int(nxHi.rounded(.down))
        var alpha = (nxHi - Double(nxfl)) + nxLo
        if alpha < 0 {
            nxfl -= 1
            alpha += 1
        }
        if alpha >= 1 {
            nxfl += 1
            alpha -= 1
        }
        var n1mxfl = n - nxfl - (alpha == 0 ? 0 : 1)
        var n1mxceil = n - nxfl
        if alpha == 0 {
            n1mxfl -= 1
            n1mxceil += 1
        }
        if nxfl == 0 || (nxfl == 1 && alpha == 0) {
            let t = exp(Double(n - 1) * log1p(x))
            return clip(1 - x * t)
        }
        if -2 * nd * x * x < minLog { return 0 }
        if nxfl >= n - 1 { return clip(exp(nd * log1p(-x))) }
        if n > 1_000_000 {
            let logp = -pow(6.0 * nd * x + 1, 2) / 18.0 / nd
            if logp < -M_LN2 { return exp(logp) }
            return 1 - (-expm1(logp))
        }
        let nUpperTerms = n - n1mxceil + 1
        let useUpperSum =
            (nUpperTerms <= 1 && x < 0.5) || (n >= 10 && nUpperTerms <= 3 && x <= 0.5 / nd.squareRoot())

        let start: Int
        let step: Int
        let nTerms: Int
        var sum: Double
        if useUpperSum {
            start = n
            step = -1
            nTerms = n - n1mxceil + 1
            sum = exp(Double(n - 1) * log1p(x))
        } else {
            start = 0
            step = 1
            nTerms = n1mxfl + 1
            sum = exp(nd * log1p(-x)) / x
        }
        // C(n, j) as mantissa · 2^exponent, so that it never overflows.
        var cMantissa = 1.0
        var cExponent = 0
        func updateBinomial(_ j: Int) {
            let (mantissa, e) = frexp(cMantissa * (Double(n - j) / (Double(j) + 1)))
            cMantissa = mantissa
            cExponent += e
        }
        updateBinomial(0)
        let vmid = n / 2
        if nTerms > 1 {
            for j in 1..<nTerms {
                let v = start + j * step
                // 1 - x - v/n and x + v/n, formed from the exact n·x.
                let t2x = ((Double(n - v) - nxHi) - nxLo) / nd
                let t1x = ((Double(v) + nxHi) + nxLo) / nd
                // In the upper sum 1 - x - v/n is negative: the terms alternate in sign.
                let negative = t2x < 0 && (n - v) % 2 == 1
                let logTerm =
                    log(cMantissa) + Double(cExponent) * M_LN2
                    + Double(v - 1) * log(t1x) + Double(n - v) * log(abs(t2x))
                let term = negative ? -exp(logTerm) : exp(logTerm)
                if term.isFinite && term != 0 { sum += term }
                if term != 0 {
                    if 4 * Double(nTerms - j) * abs(term) < Double.ulpOfOne * sum && j != nTerms - 1 { break }
                } else if j > vmid {
                    break
                }
                updateBinomial(j)
            }
        }
        let prob = x * sum
        return clip(step < 0 ? 1 - prob : prob)
    }
}
