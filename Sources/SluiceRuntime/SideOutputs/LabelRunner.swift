import Dispatch
import Foundation
import SluiceMonitoring
import SluiceCore
import Synchronization

/// Live model quality from late labels: remembers every scored event's id and every model's score (the
/// primary's, and each shadow's, scored here again on the same inputs), joins labels by event id within the
/// horizon, and keeps AUC, log loss, precision and recall per model. On a queue of its own, bounded like the
/// other side work.
final class LabelRunner: SideConsumer, @unchecked Sendable {
    // @unchecked: `joiner` and buffers are touched only on `queue`; counters are atomic.
    let capacity: Int
    let pending = Atomic<Int>(0)
    let skipped = Atomic<Int>(0)
    let labelsConsumed = Atomic<Int>(0)
    let labelsRejected = Atomic<Int>(0)
    private let queue: DispatchQueue
    private let joiner: LabelJoiner
    private let shadows: [ModelBinding]
    private var scores: [Double] = []
    private var rows: [Double] = []
    private var outputs: [Double] = []

    init(specification: LabelsSpecification, primary: ModelBinding, shadows: [ModelBinding], capacity: Int = 200_000)
        throws
    {
        let task: LabelJoinerConfiguration.Task =
            primary.loaded.model.objective == .regression ? .regression : .binaryClassification
        joiner = try LabelJoiner(
            configuration: LabelJoinerConfiguration(
                primaryModel: primary.specification.name, shadowModels: shadows.map(\.specification.name), task: task,
                decisionThreshold: primary.specification.threshold,
                horizonMilliseconds: specification.horizonMilliseconds))
        self.shadows = shadows
        self.capacity = capacity
        queue = DispatchQueue(label: "sluice.labels", qos: .utility)
    }

    func submit(_ batch: ScoredBatch) {
        if pending.load(ordering: .relaxed) + batch.count > capacity {
            skipped.add(batch.count, ordering: .relaxed)
            return
        }
        pending.add(batch.count, ordering: .relaxed)
        queue.async {
            self.remember(batch)
            self.pending.subtract(batch.count, ordering: .relaxed)
        }
    }

    /// Takes one label from the labels topic.
    func label(eventID: [UInt8], outcome: Double) {
        labelsConsumed.add(1, ordering: .relaxed)
        queue.async {
            eventID.withUnsafeBytes { _ = self.joiner.label(eventID: $0, outcome: outcome, nowMs: currentWallClock()) }
        }
    }

    /// Counters and every model's quality, side by side.
    func snapshot() -> LabelJoinerSnapshot {
        queue.sync { joiner.snapshot() }
    }

    private func remember(_ batch: ScoredBatch) {
        let modelCount = 1 + shadows.count
        scores = [Double](repeating: .nan, count: batch.count * modelCount)
        for event in 0..<batch.count { scores[event * modelCount] = batch.primaryScores[event] }
        for (index, shadow) in shadows.enumerated() {
            let model = shadow.loaded.model
            rows.removeAll(keepingCapacity: true)
            for event in 0..<batch.count {
                for input in shadow.inputIndices { rows.append(batch.inputs[event * batch.inputCount + input]) }
            }
            outputs = [Double](repeating: 0, count: batch.count * model.outputCount)
            rows.withUnsafeBufferPointer { rows in
                outputs.withUnsafeMutableBufferPointer { model.scoreBatch(rows, rowCount: batch.count, into: $0) }
            }
            for event in 0..<batch.count {
                scores[event * modelCount + 1 + index] =
                    ShadowRunner.decide(
                        outputs, base: event * model.outputCount, objective: model.objective,
                        threshold: shadow.specification.threshold
                    ).0
            }
        }
        let now = currentWallClock()
        scores.withUnsafeBufferPointer { all in
            for event in 0..<batch.count {
                let eventScores = UnsafeBufferPointer(rebasing: all[(event * modelCount)..<((event + 1) * modelCount)])
                batch.id(event).withUnsafeBytes { id in
                    _ = joiner.remember(
                        eventID: id, eventTimeMs: batch.eventTimes[event], scores: eventScores, nowMs: now)
                }
            }
        }
    }
}
