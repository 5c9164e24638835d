import Foundation
import Testing

@testable import SluiceMonitoring

private struct LabelQualityFixture: Decodable {
    struct Confusion: Decodable {
        var tp: Int
        var fp: Int
        var fn: Int
        var tn: Int
    }
    struct Statistics: Decodable {
        var labeled_count: Int
        var positive_count: Int?
        var negative_count: Int?
        var roc_auc: Double?
        var log_loss: Double?
        var brier: Double?
        var precision: Double?
        var recall: Double?
        var confusion: Confusion?
        var mae: Double?
        var rmse: Double?
    }
    struct Checkpoint: Decodable {
        var after: Int
        var missing: Int
        var window: Statistics
        var since_start: Statistics
    }
    struct Model: Decodable {
        var scores: [Double]
        var checkpoints: [Checkpoint]
    }
    struct Stream: Decodable {
        var name: String
        var task: String
        var window: Int
        var threshold: Double
        var labels: [Double]
        var checkpoints: [Int]
        var models: [Model]
    }
    struct ClassificationCase: Decodable {
        var scores: [Double]
        var labels: [Double]
        var roc_auc: Double?
        var log_loss: Double?
        var brier: Double?
        var precision: Double?
        var recall: Double?
    }
    struct RegressionCase: Decodable {
        var scores: [Double]
        var labels: [Double]
        var mae: Double
        var rmse: Double
    }
    var versions: [String: String]
    var streams: [Stream]
    var classification_cases: [ClassificationCase]
    var regression_cases: [RegressionCase]
}

private let fixture = ShadowFixture.load(LabelQualityFixture.self, "label_quality.json")

private func optional(_ x: Double) -> Double? { x.isNaN ? nil : x }

@Suite("Label quality matches scikit-learn")
struct LabelQualityFixtureTests {
    @Test func fixtureCoversEveryStream() {
        #expect(fixture.streams.map(\.name) == ["two_classifiers", "single_class_start", "two_regressors"])
        #expect(fixture.classification_cases.count == 8)
        #expect(fixture.regression_cases.count == 3)
    }

    /// Feeds the stream through a joiner — every third label before its event, the others after, so
    /// both join paths run — and compares each model's quality at every checkpoint.
    @Test(arguments: 0..<3)
    func joinedQualityMatchesScikitLearnAtEveryCheckpoint(_ index: Int) throws {
        let stream = fixture.streams[index]
        let task: LabelJoinerConfiguration.Task =
            stream.task == "regression" ? .regression : .binaryClassification
        let joiner = try LabelJoiner(
            configuration: LabelJoinerConfiguration(
                primaryModel: "primary", shadowModels: ["shadow"], task: task,
                decisionThreshold: stream.threshold, windowLabels: stream.window))
        var fed = 0
        for (c, after) in stream.checkpoints.enumerated() {
            while fed < after {
                let id = "event-\(fed)"
                let scores = stream.models.map { $0.scores[fed] }
                let now = Int64(fed)
                if fed % 3 == 0 {
                    #expect(joiner.label(eventID: id, outcome: stream.labels[fed], nowMs: now) == .held)
                    #expect(joiner.remember(eventID: id, eventTimeMs: now, scores: scores, nowMs: now) == .joined)
                } else {
                    #expect(joiner.remember(eventID: id, eventTimeMs: now, scores: scores, nowMs: now) == .remembered)
                    #expect(joiner.label(eventID: id, outcome: stream.labels[fed], nowMs: now) == .joined)
                }
                fed += 1
            }
            let snapshot = joiner.snapshot()
            #expect(snapshot.counters.joined == after)
            #expect(snapshot.models.map(\.model) == ["primary", "shadow"])
            #expect(snapshot.models.map(\.isPrimary) == [true, false])
            for (m, model) in stream.models.enumerated() {
                let expected = model.checkpoints[c]
                let actual = snapshot.models[m]
                let at = "\(stream.name) model \(m) after \(after)"
                #expect(actual.missingScoreCount == expected.missing, "\(at) missing")
                compare(actual.window, expected.window, exactAUC: true, "\(at) window")
                compare(actual.sinceStart, expected.since_start, exactAUC: false, "\(at) since start")
            }
        }
    }

    private func compare(
        _ a: ModelQualitySnapshot.Statistics, _ e: LabelQualityFixture.Statistics, exactAUC: Bool, _ at: String
    ) {
        #expect(a.labeledCount == e.labeled_count, "\(at) count")
        #expect(a.positiveCount == e.positive_count, "\(at) positives")
        #expect(a.negativeCount == e.negative_count, "\(at) negatives")
        expectClose(a.logLoss, e.log_loss, "\(at) log loss")
        expectClose(a.brierScore, e.brier, "\(at) brier")
        expectClose(a.precision, e.precision, "\(at) precision")
        expectClose(a.recall, e.recall, "\(at) recall")
        expectClose(a.meanAbsoluteError, e.mae, "\(at) mae")
        expectClose(a.rootMeanSquaredError, e.rmse, "\(at) rmse")
        if let c = e.confusion {
            #expect(
                a.confusion
                    == ModelQualitySnapshot.ConfusionCounts(
                        truePositives: c.tp, falsePositives: c.fp, falseNegatives: c.fn, trueNegatives: c.tn),
                "\(at) confusion")
        } else {
            #expect(a.confusion == nil || a.labeledCount == 0, "\(at) confusion")
        }
        if exactAUC {
            expectClose(a.rocAUC, e.roc_auc, "\(at) auc")
            #expect(a.rocAUCErrorBound == (e.roc_auc == nil ? nil : 0), "\(at) auc bound")
        } else if let exact = e.roc_auc {
            // Binned since start: within the bound it reports, and the bound is small for these scores.
            let bound = a.rocAUCErrorBound ?? -1
            expectWithinBound(a.rocAUC, exact, relative: 0, absolute: bound, "\(at) binned auc")
            #expect(bound >= 0 && bound < 0.02, "\(at) auc bound \(bound)")
        } else {
            #expect(a.rocAUC == nil && a.rocAUCErrorBound == nil, "\(at) auc undefined")
        }
    }

    @Test func classificationMetricsMatchScikitLearn() {
        for (i, c) in fixture.classification_cases.enumerated() {
            let at = "case \(i) n=\(c.scores.count)"
            expectClose(optional(QualityMetrics.rocAUC(scores: c.scores, labels: c.labels)), c.roc_auc, "\(at) auc")
            expectClose(QualityMetrics.logLoss(scores: c.scores, labels: c.labels), c.log_loss, "\(at) log loss")
            expectClose(QualityMetrics.brierScore(scores: c.scores, labels: c.labels), c.brier, "\(at) brier")
            expectClose(
                optional(QualityMetrics.precision(scores: c.scores, labels: c.labels, threshold: 0.5)), c.precision,
                "\(at) precision")
            expectClose(
                optional(QualityMetrics.recall(scores: c.scores, labels: c.labels, threshold: 0.5)), c.recall,
                "\(at) recall")
        }
    }

    @Test func regressionMetricsMatchScikitLearn() {
        for (i, c) in fixture.regression_cases.enumerated() {
            expectClose(QualityMetrics.meanAbsoluteError(scores: c.scores, labels: c.labels), c.mae, "mae[\(i)]")
            expectClose(QualityMetrics.rootMeanSquaredError(scores: c.scores, labels: c.labels), c.rmse, "rmse[\(i)]")
        }
    }

    @Test func logLossClipsAtMachineEpsilonAsScikitLearnDoes() {
        #expect(QualityMetrics.logLossEpsilon == 2.220446049250313e-16)
        // A confident wrong answer costs −ln ε, not infinity.
        expectClose(QualityMetrics.logLoss(scores: [0], labels: [1]), -log(2.220446049250313e-16), "p=0, y=1")
        expectClose(QualityMetrics.logLoss(scores: [1], labels: [0]), -log(2.220446049250313e-16), "p=1, y=0")
    }
}
