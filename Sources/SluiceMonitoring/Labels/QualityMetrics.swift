import Foundation

/// Model quality from scores and true labels, each function reproducing the scikit-learn metric of
/// the same name (scikit-learn 1.9). ``LabelJoiner`` computes the same values over its windows
/// without copying into arrays; these entry points exist for tests, offline reports and a reader who
/// wants the definitions. Classification labels are 0 or 1 (1 is the positive class); scores are
/// the positive class's probability. See `docs/shadow.md`.
public enum QualityMetrics {
    /// The clip of ``logLoss(scores:labels:)``: numpy's `finfo(float64).eps`, 2.220446049250313e−16,
    /// as scikit-learn's `log_loss` since 1.5 (`y_proba` clipped to `[eps, 1 − eps]`).
    public static let logLossEpsilon = Double.ulpOfOne

    /// `sklearn.metrics.roc_auc_score(labels, scores)`: the Mann–Whitney U statistic over
    /// `P·N` — the fraction of (positive, negative) pairs the scores order correctly, a tie
    /// counting ½. NaN when either class is absent (scikit-learn warns and returns NaN).
    public static func rocAUC(scores: [Double], labels: [Double]) -> Double {
        guard scores.count == labels.count, !scores.contains(where: \.isNaN) else { return .nan }
        var positives = zip(scores, labels).filter { $0.1 == 1 }.map(\.0)
        var negatives = zip(scores, labels).filter { $0.1 != 1 }.map(\.0)
        positives.sort()
        negatives.sort()
        return positives.withUnsafeBufferPointer { p in
            negatives.withUnsafeBufferPointer { n in rocAUC(sortedPositives: p, sortedNegatives: n) }
        }
    }

    /// `sklearn.metrics.log_loss(labels, scores, labels=[0, 1])`: the mean of `−ln q`, `q` the
    /// probability given to the true class (`score` for a positive, `1 − score` for a negative),
    /// clipped to `[ε, 1 − ε]` with ``logLossEpsilon``. Scores outside [0, 1] are clipped the same way
    /// (scikit-learn rejects them). NaN for no scores.
    public static func logLoss(scores: [Double], labels: [Double]) -> Double {
        guard scores.count == labels.count, !scores.isEmpty else { return .nan }
        var sum = 0.0
        for (s, y) in zip(scores, labels) { sum += logLossTerm(score: s, positive: y == 1) }
        return sum / Double(scores.count)
    }

    /// `sklearn.metrics.brier_score_loss(labels, scores)`: the mean of `(score − label)²`. NaN for no scores.
    public static func brierScore(scores: [Double], labels: [Double]) -> Double {
        guard scores.count == labels.count, !scores.isEmpty else { return .nan }
        var sum = 0.0
        for (s, y) in zip(scores, labels) { sum += (s - y) * (s - y) }
        return sum / Double(scores.count)
    }

    /// `sklearn.metrics.precision_score(labels, scores >= threshold, zero_division=np.nan)`: true
    /// positives over predicted positives; NaN when nothing is predicted positive.
    public static func precision(scores: [Double], labels: [Double], threshold: Double) -> Double {
        confusion(scores: scores, labels: labels, threshold: threshold).precision ?? .nan
    }

    /// `sklearn.metrics.recall_score(labels, scores >= threshold, zero_division=np.nan)`: true
    /// positives over actual positives; NaN when there is no positive.
    public static func recall(scores: [Double], labels: [Double], threshold: Double) -> Double {
        confusion(scores: scores, labels: labels, threshold: threshold).recall ?? .nan
    }

    /// `sklearn.metrics.mean_absolute_error(labels, scores)`. NaN for no scores.
    public static func meanAbsoluteError(scores: [Double], labels: [Double]) -> Double {
        guard scores.count == labels.count, !scores.isEmpty else { return .nan }
        var sum = 0.0
        for (s, y) in zip(scores, labels) { sum += abs(y - s) }
        return sum / Double(scores.count)
    }

    /// `sklearn.metrics.root_mean_squared_error(labels, scores)`. NaN for no scores.
    public static func rootMeanSquaredError(scores: [Double], labels: [Double]) -> Double {
        guard scores.count == labels.count, !scores.isEmpty else { return .nan }
        var sum = 0.0
        for (s, y) in zip(scores, labels) { sum += (y - s) * (y - s) }
        return (sum / Double(scores.count)).squareRoot()
    }

    // MARK: Building blocks shared with the streaming accumulators

    /// One event's log loss: `−ln clip(q, ε, 1 − ε)`, `q = score` for a positive, `1 − score` for a
    /// negative (scikit-learn forms `[1 − p, p]` first and clips both columns).
    @inline(__always)
    static func logLossTerm(score: Double, positive: Bool) -> Double {
        let q = positive ? score : 1 - score
        return -log(min(max(q, logLossEpsilon), 1 - logLossEpsilon))
    }

    /// Mann–Whitney AUC from each class's scores sorted ascending, in integers: for each run of equal
    /// positive scores, twice the negatives below it plus the negatives equal to it, times the run's
    /// length; then one division by `2·P·N`. NaN when either side is empty.
    static func rocAUC(sortedPositives p: UnsafeBufferPointer<Double>, sortedNegatives n: UnsafeBufferPointer<Double>)
        -> Double
    {
        guard !p.isEmpty, !n.isEmpty else { return .nan }
        var twiceConcordant = 0
        var below = 0
        var i = 0
        while i < p.count {
            let v = p[i]
            var runEnd = i + 1
            while runEnd < p.count && p[runEnd] == v { runEnd += 1 }
            while below < n.count && n[below] < v { below += 1 }
            var equalEnd = below
            while equalEnd < n.count && n[equalEnd] == v { equalEnd += 1 }
            twiceConcordant += (runEnd - i) * (2 * below + (equalEnd - below))
            i = runEnd
        }
        return Double(twiceConcordant) / (2 * Double(p.count) * Double(n.count))
    }

    static func confusion(scores: [Double], labels: [Double], threshold: Double) -> ModelQualitySnapshot.ConfusionCounts
    {
        var c = ModelQualitySnapshot.ConfusionCounts(
            truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0)
        for (s, y) in zip(scores, labels) { c.count(predicted: s >= threshold, positive: y == 1) }
        return c
    }

    /// Every classification statistic of `n` (score, label) pairs, exactly: the window of a
    /// ``LabelJoiner`` model. Scores must not be NaN; labels are 0 or 1.
    static func classificationStatistics(
        scores: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Double>, threshold: Double
    ) -> ModelQualitySnapshot.Statistics {
        let n = scores.count
        var confusion = ModelQualitySnapshot.ConfusionCounts(
            truePositives: 0, falsePositives: 0, falseNegatives: 0, trueNegatives: 0)
        var positives = [Double]()
        var negatives = [Double]()
        positives.reserveCapacity(n)
        negatives.reserveCapacity(n)
        var logLossSum = 0.0
        var brierSum = 0.0
        for k in 0..<n {
            let s = scores[k]
            let positive = labels[k] == 1
            if positive { positives.append(s) } else { negatives.append(s) }
            confusion.count(predicted: s >= threshold, positive: positive)
            logLossSum += logLossTerm(score: s, positive: positive)
            let e = s - labels[k]
            brierSum += e * e
        }
        var auc = Double.nan
        if !positives.isEmpty && !negatives.isEmpty {
            let sorter = DoubleRadixSort(capacity: max(positives.count, negatives.count))
            defer { sorter.deallocate() }
            positives.withUnsafeMutableBufferPointer { sorter.sort($0) }
            negatives.withUnsafeMutableBufferPointer { sorter.sort($0) }
            auc = positives.withUnsafeBufferPointer { p in
                negatives.withUnsafeBufferPointer { q in rocAUC(sortedPositives: p, sortedNegatives: q) }
            }
        }
        return ModelQualitySnapshot.Statistics(
            labeledCount: n, positiveCount: positives.count, negativeCount: negatives.count,
            rocAUC: auc.isNaN ? nil : auc, rocAUCErrorBound: auc.isNaN ? nil : 0,
            logLoss: n > 0 ? logLossSum / Double(n) : nil, brierScore: n > 0 ? brierSum / Double(n) : nil,
            precision: confusion.precision, recall: confusion.recall, confusion: confusion,
            meanAbsoluteError: nil, rootMeanSquaredError: nil)
    }

    /// Every regression statistic of `n` (prediction, target) pairs, exactly.
    static func regressionStatistics(scores: UnsafeBufferPointer<Double>, labels: UnsafeBufferPointer<Double>)
        -> ModelQualitySnapshot.Statistics
    {
        let n = scores.count
        var absoluteSum = 0.0
        var squaredSum = 0.0
        for k in 0..<n {
            let e = labels[k] - scores[k]
            absoluteSum += abs(e)
            squaredSum += e * e
        }
        return ModelQualitySnapshot.Statistics(
            labeledCount: n, positiveCount: nil, negativeCount: nil, rocAUC: nil, rocAUCErrorBound: nil,
            logLoss: nil, brierScore: nil, precision: nil, recall: nil, confusion: nil,
            meanAbsoluteError: n > 0 ? absoluteSum / Double(n) : nil,
            rootMeanSquaredError: n > 0 ? (squaredSum / Double(n)).squareRoot() : nil)
    }
}
