import Dispatch
import SluiceCore
import SluiceModels
import SluiceMonitoring
import Synchronization

/// One shadow model: scores the same feature vectors as the primary, on a thread of its own (by default at the
/// lowest scheduling priority, so it only takes CPU the lanes leave; see ``ShadowWorker``), compares itself with the primary, and writes a
/// shadow record per event. Its backlog is bounded: when the shadow falls behind, whole batches are skipped for
/// it and counted; the primary path never waits for it.
final class ShadowRunner: SideConsumer, @unchecked Sendable {
    // @unchecked: `comparison`, the scratch buffers and `writerBuffer` are touched only on `queue` (or, inline,
    // on the one replay thread); the counters are atomic.
    let slot: ModelSlot
    let capacity: Int
    /// Events waiting on the shadow's queue.
    let pending = Atomic<Int>(0)
    /// Events skipped because the shadow was `capacity` events behind.
    let skipped = Atomic<Int>(0)
    /// Events scored by the shadow, and the time its model took to score them (batch scoring only).
    let scored = Atomic<Int>(0)
    let scoringNanoseconds = Atomic<Int>(0)
    private let queue: ShadowWorker?
    /// Where batches go when the shadow is done with them, for a lane to drop (see ``LaneReleaseList``).
    private let release: LaneReleaseList
    private let writer: any RecordWriter
    private var comparison: ShadowComparison
    private var rows: [Double] = []
    private var outputs: [Double] = []
    private var json = JSONWriter(capacity: 512)
    /// Where the time of each batch is counted (stage `shadow`).
    private let metrics: PipelineMetrics

    /// `inline` runs every batch on the caller's thread, skipping nothing (for replay, which must be
    /// deterministic); otherwise batches go to a queue of the shadow's own.
    init(
        binding: ModelBinding, capacity: Int, inline: Bool, writer: any RecordWriter, primaryName: String,
        metrics: PipelineMetrics, release: LaneReleaseList
    ) throws {
        self.metrics = metrics
        self.release = release
        slot = ModelSlot(binding)
        self.capacity = capacity
        self.writer = writer
        queue =
            inline
            ? nil
            : ShadowWorker(
                name: "sluice.shadow.\(binding.specification.name)", priority: binding.specification.shadowPriority)
        comparison = try ShadowComparison(
            configuration: ShadowComparisonConfiguration(
                primaryModel: primaryName, shadowModel: binding.specification.name))
    }

    deinit {
        queue?.stop()
    }

    /// Hands a batch to the shadow; returns at once. The caller has counted this shadow in
    /// ``ScoredBatch/shadowsHolding``; the shadow tells the release list when it is done with the batch.
    func submit(_ batch: ScoredBatch) {
        guard let queue else {
            process(batch)
            return release.finish(batch)
        }
        if pending.load(ordering: .relaxed) + batch.count > capacity {
            skipped.add(batch.count, ordering: .relaxed)
            return release.finish(batch)
        }
        pending.add(batch.count, ordering: .relaxed)
        queue.async {
            self.process(batch)
            // The lanes drop the batch, not this idle-priority thread; finished before `pending` counts it out.
            self.release.finish(batch)
            self.pending.subtract(batch.count, ordering: .relaxed)
        }
    }

    /// The live comparison with the primary; waits for the batch being scored.
    func snapshot() -> ShadowComparisonSnapshot {
        guard let queue else { return comparison.snapshot() }
        return queue.sync { self.comparison.snapshot() }
    }

    /// Starts a new comparison (after a promotion changes which model is primary).
    func resetComparison(primaryName: String) throws {
        let configuration = ShadowComparisonConfiguration(
            primaryModel: primaryName, shadowModel: slot.current.specification.name)
        guard let queue else { return comparison = try ShadowComparison(configuration: configuration) }
        // Made on the worker, which owns the comparison.
        try queue.sync { Result { self.comparison = try ShadowComparison(configuration: configuration) } }.get()
    }

    private func process(_ batch: ScoredBatch) {
        let processStarted = DispatchTime.now().uptimeNanoseconds
        defer {
            metrics.countStage(
                .shadow, events: batch.count,
                nanoseconds: Int(truncatingIfNeeded: DispatchTime.now().uptimeNanoseconds &- processStarted))
        }
        let binding = slot.current
        let model = binding.loaded.model
        let width = binding.inputIndices.count
        let outputCount = model.outputCount
        rows.removeAll(keepingCapacity: true)
        rows.reserveCapacity(batch.count * width)
        for event in 0..<batch.count {
            let inputs = batch.inputs(event)
            for input in binding.inputIndices { rows.append(inputs[inputs.startIndex + input]) }
        }
        if outputs.count < batch.count * outputCount {
            outputs = [Double](repeating: 0, count: batch.count * outputCount)
        }
        let started = DispatchTime.now().uptimeNanoseconds
        rows.withUnsafeBufferPointer { rows in
            outputs.withUnsafeMutableBufferPointer { model.scoreBatch(rows, rowCount: batch.count, into: $0) }
        }
        let elapsed = Int64(DispatchTime.now().uptimeNanoseconds &- started)
        let perEvent = elapsed / Int64(max(batch.count, 1))
        scoringNanoseconds.add(Int(elapsed), ordering: .relaxed)
        for event in 0..<batch.count {
            let base = event * outputCount
            let (score, decision) = Self.decide(
                outputs, base: base, objective: model.objective,
                threshold: binding.specification.threshold)
            comparison.record(
                primaryScore: batch.primaryScores[event], shadowScore: score,
                primaryDecision: batch.primaryDecisions[event], shadowDecision: decision,
                shadowLatencyNanoseconds: perEvent)
            encode(batch, event: event, binding: binding, score: score, decision: decision, latency: perEvent)
            batch.key(event).withUnsafeBytes { key in
                json.withBytes { writer.write(sink: "shadow", key: key, value: $0) }
            }
        }
        scored.add(batch.count, ordering: .relaxed)
    }

    /// A model's score and decision from its outputs: the probability and score ≥ threshold for binary models,
    /// the top probability and its class for multiclass ones, the value and 0 for regression.
    static func decide<Outputs: RandomAccessCollection<Double>>(
        _ outputs: Outputs, base: Int, objective: ModelObjective, threshold: Double
    ) -> (Double, Int) where Outputs.Index == Int {
        switch objective {
        case .binaryLogistic: return (outputs[base], outputs[base] >= threshold ? 1 : 0)
        case .regression: return (outputs[base], 0)
        case .multiclassSoftmax(let classes):
            var best = 0
            for index in 1..<classes where outputs[base + index] > outputs[base + best] { best = index }
            return (outputs[base + best], best)
        }
    }

    private func encode(
        _ batch: ScoredBatch, event: Int, binding: ModelBinding, score: Double, decision: Int,
        latency: Int64
    ) {
        json.reset()
        json.beginObject()
        json.key("id")
        batch.id(event).withUnsafeBytes { id in
            if batch.idsAreIntegers { json.rawValue(id) } else { json.string(utf8: id) }
        }
        json.key("key")
        batch.key(event).withUnsafeBytes { json.string(utf8: $0) }
        json.key("primary_model")
        json.string(batch.primaryModel)
        json.key("primary_version")
        json.string(batch.primaryVersion)
        json.key("primary_score")
        json.double(batch.primaryScores[event])
        json.key("primary_decision")
        json.int64(Int64(batch.primaryDecisions[event]))
        json.key("shadow_model")
        json.string(binding.specification.name)
        json.key("shadow_version")
        json.string(binding.loaded.version)
        json.key("shadow_score")
        json.double(score)
        json.key("shadow_decision")
        json.int64(Int64(decision))
        json.key("event_time")
        json.int64(batch.eventTimes[event])
        json.key("shadow_latency_us")
        json.double(Double(latency) / 1000)
        json.endObject()
    }
}
