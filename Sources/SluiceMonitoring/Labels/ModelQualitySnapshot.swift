/// One model's quality from late labels at one moment, over the window of its last labeled events
/// and since start. A statistic that does not apply to the task, or has no data, is nil (left out of
/// the JSON). See `docs/shadow.md` for the definitions.
public struct ModelQualitySnapshot: Sendable, Hashable, Codable {
    /// Outcomes of the decision `score ≥ threshold` against the labels.
    public struct ConfusionCounts: Sendable, Hashable, Codable {
        public var truePositives: Int
        public var falsePositives: Int
        public var falseNegatives: Int
        public var trueNegatives: Int

        public init(truePositives: Int, falsePositives: Int, falseNegatives: Int, trueNegatives: Int) {
            self.truePositives = truePositives
            self.falsePositives = falsePositives
            self.falseNegatives = falseNegatives
            self.trueNegatives = trueNegatives
        }

        /// TP / (TP + FP); nil when nothing was predicted positive.
        public var precision: Double? {
            truePositives + falsePositives > 0 ? Double(truePositives) / Double(truePositives + falsePositives) : nil
        }

        /// TP / (TP + FN); nil when no label was positive.
        public var recall: Double? {
            truePositives + falseNegatives > 0 ? Double(truePositives) / Double(truePositives + falseNegatives) : nil
        }

        @inline(__always)
        mutating func count(predicted: Bool, positive: Bool) {
            switch (predicted, positive) {
            case (true, true): truePositives += 1
            case (true, false): falsePositives += 1
            case (false, true): falseNegatives += 1
            case (false, false): trueNegatives += 1
            }
        }
    }

    /// The statistics of one population of labeled events.
    public struct Statistics: Sendable, Hashable, Codable {
        /// Labeled events this model had a score for.
        public var labeledCount: Int
        /// Labels equal to 1 (classification).
        public var positiveCount: Int?
        /// Labels equal to 0 (classification).
        public var negativeCount: Int?
        /// ROC AUC; nil until both classes have been seen.
        public var rocAUC: Double?
        /// Largest possible distance of ``rocAUC`` from the exact value: 0 in the window (exact),
        /// the binned sketch's bound since start.
        public var rocAUCErrorBound: Double?
        /// Mean log loss (natural log), probabilities clipped to `[ε, 1 − ε]`, ε = 2.22e−16.
        public var logLoss: Double?
        /// Mean of `(score − label)²`.
        public var brierScore: Double?
        /// Precision of `score ≥ threshold`; nil when nothing was predicted positive.
        public var precision: Double?
        /// Recall of `score ≥ threshold`; nil when no label was positive.
        public var recall: Double?
        /// The confusion counts behind precision and recall.
        public var confusion: ConfusionCounts?
        /// Mean absolute error (regression).
        public var meanAbsoluteError: Double?
        /// Root mean squared error (regression).
        public var rootMeanSquaredError: Double?

        public init(
            labeledCount: Int, positiveCount: Int?, negativeCount: Int?, rocAUC: Double?, rocAUCErrorBound: Double?,
            logLoss: Double?, brierScore: Double?, precision: Double?, recall: Double?, confusion: ConfusionCounts?,
            meanAbsoluteError: Double?, rootMeanSquaredError: Double?
        ) {
            self.labeledCount = labeledCount
            self.positiveCount = positiveCount
            self.negativeCount = negativeCount
            self.rocAUC = rocAUC
            self.rocAUCErrorBound = rocAUCErrorBound
            self.logLoss = logLoss
            self.brierScore = brierScore
            self.precision = precision
            self.recall = recall
            self.confusion = confusion
            self.meanAbsoluteError = meanAbsoluteError
            self.rootMeanSquaredError = rootMeanSquaredError
        }
    }

    public var model: String
    /// Whether this is the production model (the others are shadows).
    public var isPrimary: Bool
    /// Joined labels for which this model had no score (NaN: the shadow queue dropped the event).
    public var missingScoreCount: Int
    /// The last `windowLabels` labeled events this model scored.
    public var window: Statistics
    /// Every labeled event this model scored since start.
    public var sinceStart: Statistics

    public init(model: String, isPrimary: Bool, missingScoreCount: Int, window: Statistics, sinceStart: Statistics) {
        self.model = model
        self.isPrimary = isPrimary
        self.missingScoreCount = missingScoreCount
        self.window = window
        self.sinceStart = sinceStart
    }
}
