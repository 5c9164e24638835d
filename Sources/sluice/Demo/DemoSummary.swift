import Foundation
import SluiceRuntime

/// The few lines `sluice demo` ends with: what went in, what came out, what the shadow and drift monitoring saw.
enum DemoSummary {
    static func text(
        session: PipelineSession, generator: DemoTrafficGenerator, watcher: DemoOutputWatcher,
        elapsed: Duration
    ) -> String {
        let counters = session.runtime.counters
        let metrics = session.pipeline.metrics
        let seconds = max(elapsed / .seconds(1), 0.001)
        let consumed = counters.eventsConsumed.load(ordering: .relaxed)
        var lines = ["", "sluice demo: summary after \(String(format: "%.1f", seconds)) s"]
        lines.append(
            "  input        \(format(generator.sent)) transactions (\(format(Double(generator.sent) / seconds))/s), "
                + "\(format(generator.malformedSent)) of them malformed; \(format(generator.labelsSent)) fraud labels"
                + (generator.shiftStartedAt.map { "; traffic shifted from transaction \(format($0))" } ?? ""))
        lines.append(
            "  pipeline     consumed \(format(consumed)), valid \(format(metrics.validEvents.load(ordering: .relaxed))), "
                + "predictions \(format(metrics.predictions.load(ordering: .relaxed))), outputs delivered "
                + "\(format(counters.outputsDelivered.load(ordering: .relaxed)))")
        let reasons = metrics.deadLettersByReason.map { "\($0.value) \($0.key.rawValue)" }.sorted().joined(
            separator: ", ")
        lines.append("  dead letters \(format(metrics.deadLetterCount))" + (reasons.isEmpty ? "" : " (\(reasons))"))
        let predictions = metrics.predictions.load(ordering: .relaxed)
        if predictions > 0 {
            let mean = Double(metrics.scoringNanoseconds.load(ordering: .relaxed)) / Double(predictions) / 1000
            let primary = session.pipeline.primary?.current.label ?? "-"
            lines.append("  primary      \(primary), \(String(format: "%.2f", mean)) µs per score")
        }
        for shadow in session.pipeline.sideOutputs?.shadowStatus() ?? [] {
            let statistics = shadow.comparison.sinceStart
            var line =
                "  shadow       \(shadow.model)@\(shadow.version): scored \(format(shadow.scored)), skipped "
                + "\(format(shadow.skipped)), \(format(watcher.shadowRecords)) records on the shadow topic"
            if let agreement = statistics.decisionAgreementRate {
                line += String(format: ", decisions agree on %.2f%%", agreement * 100)
            }
            if let difference = statistics.meanAbsoluteDifference {
                line += String(format: ", mean |Δscore| %.4f", difference)
            }
            lines.append(line)
        }
        if let quality = session.pipeline.sideOutputs?.labelStatus {
            let models = quality.models.compactMap { model -> String? in
                guard let auc = model.sinceStart.rocAUC else { return nil }
                return String(format: "%@ ROC AUC %.4f", model.model, auc)
            }
            lines.append(
                "  labels       \(format(quality.counters.joined)) joined"
                    + (models.isEmpty ? "" : ": " + models.joined(separator: ", ")))
        }
        let firing = watcher.alerts.filter { $0.state == "firing" }
        let subjects = Dictionary(grouping: firing, by: \.subject).map { "\($0.key) (\($0.value.count))" }.sorted()
        lines.append(
            "  drift        \(firing.count) alert\(firing.count == 1 ? "" : "s") fired"
                + (subjects.isEmpty ? "" : ": " + subjects.joined(separator: ", ")))
        return lines.joined(separator: "\n")
    }
}
