import Foundation

/// One model's quality from joined (score, label) pairs: a ring of the last `windowLabels` pairs,
/// for exact window metrics computed when read, and running totals since start.
///
/// Since start, ROC AUC comes from per-class counts in ``BinnedROC``'s bins; log loss, Brier score,
/// absolute and squared errors are Neumaier-compensated sums; confusion counts are integers.
/// Memory is fixed at creation. Owned by one ``LabelJoiner``.
final class ModelQualityAccumulator {
    private struct Totals {
        var next = 0
        var windowCount = 0
        var labeled: UInt64 = 0
        var missingScores: UInt64 = 0
        var positives: UInt64 = 0
        var truePositives: UInt64 = 0
        var falsePositives: UInt64 = 0
        var falseNegatives: UInt64 = 0
        var logLoss = CompensatedSum()
        var brier = CompensatedSum()
        var absoluteError = CompensatedSum()
        var squaredError = CompensatedSum()
    }

    let model: String
    let isPrimary: Bool
    let task: LabelJoinerConfiguration.Task
    let threshold: Double
    private let capacity: Int
    private let totals: UnsafeMutablePointer<Totals>
    private let scores: UnsafeMutablePointer<Double>
    private let labels: UnsafeMutablePointer<Double>
    private let roc: BinnedROC?

    init(model: String, isPrimary: Bool, configuration: LabelJoinerConfiguration) {
        self.model = model
        self.isPrimary = isPrimary
        task = configuration.task
        threshold = configuration.decisionThreshold
        capacity = configuration.windowLabels
        totals = .allocate(capacity: 1)
        totals.initialize(to: Totals())
        scores = .allocate(capacity: capacity)
        scores.initialize(repeating: 0, count: capacity)
        labels = .allocate(capacity: capacity)
        labels.initialize(repeating: 0, count: capacity)
        roc = task == .binaryClassification ? BinnedROC(binCount: configuration.sinceStartAUCBins) : nil
    }

    deinit {
        totals.deinitialize(count: 1)
        totals.deallocate()
        scores.deallocate()
        labels.deallocate()
        roc?.deallocate()
    }

    /// Records one joined pair. `label` is 0 or 1 for a classifier (the joiner checks), any finite
    /// number for a regressor. A NaN score (the model did not score the event) only counts as missing.
    @inline(__always)
    func record(score: Double, label: Double) {
        let t = totals
        guard !score.isNaN else {
            t.pointee.missingScores &+= 1
            return
        }
        let i = t.pointee.next
        scores[i] = score
        labels[i] = label
        t.pointee.next = i &+ 1 == capacity ? 0 : i &+ 1
        if t.pointee.windowCount < capacity { t.pointee.windowCount &+= 1 }
        t.pointee.labeled &+= 1
        switch task {
        case .binaryClassification:
            let positive = label == 1
            let predicted = score >= threshold
            if positive {
                t.pointee.positives &+= 1
                if predicted { t.pointee.truePositives &+= 1 } else { t.pointee.falseNegatives &+= 1 }
            } else if predicted {
                t.pointee.falsePositives &+= 1
            }
            t.pointee.logLoss.add(QualityMetrics.logLossTerm(score: score, positive: positive))
            let e = score - label
            t.pointee.brier.add(e * e)
            roc?.add(score, positive: positive)
        case .regression:
            let e = score - label
            t.pointee.absoluteError.add(abs(e))
            t.pointee.squaredError.add(e * e)
        }
    }

    func snapshot() -> ModelQualitySnapshot {
        ModelQualitySnapshot(
            model: model, isPrimary: isPrimary, missingScoreCount: Int(totals.pointee.missingScores),
            window: windowStatistics(), sinceStart: sinceStartStatistics())
    }

    private func windowStatistics() -> ModelQualitySnapshot.Statistics {
        let n = totals.pointee.windowCount
        // Ring order does not matter to any statistic.
        let s = UnsafeBufferPointer(start: scores, count: n)
        let y = UnsafeBufferPointer(start: labels, count: n)
        switch task {
        case .binaryClassification:
            return QualityMetrics.classificationStatistics(scores: s, labels: y, threshold: threshold)
        case .regression:
            return QualityMetrics.regressionStatistics(scores: s, labels: y)
        }
    }

    private func sinceStartStatistics() -> ModelQualitySnapshot.Statistics {
        let t = totals.pointee
        let n = Int(t.labeled)
        let count = Double(n)
        switch task {
        case .binaryClassification:
            let positives = Int(t.positives)
            let confusion = ModelQualitySnapshot.ConfusionCounts(
                truePositives: Int(t.truePositives), falsePositives: Int(t.falsePositives),
                falseNegatives: Int(t.falseNegatives),
                trueNegatives: n - Int(t.truePositives) - Int(t.falsePositives) - Int(t.falseNegatives))
            let auc = roc?.areaUnderCurve()
            return ModelQualitySnapshot.Statistics(
                labeledCount: n, positiveCount: positives, negativeCount: n - positives,
                rocAUC: auc?.value, rocAUCErrorBound: auc?.errorBound,
                logLoss: n > 0 ? t.logLoss.value / count : nil,
                brierScore: n > 0 ? t.brier.value / count : nil,
                precision: confusion.precision, recall: confusion.recall, confusion: confusion,
                meanAbsoluteError: nil, rootMeanSquaredError: nil)
        case .regression:
            return ModelQualitySnapshot.Statistics(
                labeledCount: n, positiveCount: nil, negativeCount: nil, rocAUC: nil, rocAUCErrorBound: nil,
                logLoss: nil, brierScore: nil, precision: nil, recall: nil, confusion: nil,
                meanAbsoluteError: n > 0 ? t.absoluteError.value / count : nil,
                rootMeanSquaredError: n > 0 ? (t.squaredError.value / count).squareRoot() : nil)
        }
    }
}
