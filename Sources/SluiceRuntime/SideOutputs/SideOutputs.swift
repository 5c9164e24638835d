import Foundation
import SluiceCore
public import SluiceMonitoring
import Synchronization

/// Something that runs beside the lanes and is handed every scored batch.
protocol SideConsumer: AnyObject, Sendable {
    /// Takes a batch; returns at once (or, for replay, after processing it inline).
    func submit(_ batch: ScoredBatch)
}

/// The work that runs beside the primary path on queues of its own: shadow models and drift monitoring.
/// Lanes hand it one ``ScoredBatch`` per batch; nothing here can slow, block or break the lanes.
public final class SideOutputs: Sendable {
    let shadows: [ShadowRunner]
    let drift: DriftRunner?
    let labels: LabelRunner?
    let webhook: WebhookSender?
    let others: [any SideConsumer]
    /// Batches the shadows are done with, dropped here on the lane at its next submission.
    let release: LaneReleaseList

    init(
        shadows: [ShadowRunner], drift: DriftRunner?, labels: LabelRunner?, webhook: WebhookSender?,
        others: [any SideConsumer] = [], release: LaneReleaseList
    ) {
        self.release = release
        self.shadows = shadows
        self.drift = drift
        self.labels = labels
        self.webhook = webhook
        self.others = others
    }

    func submit(_ batch: ScoredBatch) {
        release.drain()
        // Counted before any shadow sees the batch, so none can finish it early.
        batch.shadowsHolding.store(shadows.count, ordering: .relaxed)
        for shadow in shadows { shadow.submit(batch) }
        drift?.submit(batch)
        labels?.submit(batch)
        for other in others { other.submit(batch) }
    }

    /// Live quality of every model from joined labels, if a labels topic is configured.
    public var labelStatus: LabelJoinerSnapshot? { labels?.snapshot() }

    /// Drift monitoring's latest windows and alerts, if it runs.
    public var driftStatus: DriftStatus? { drift?.status }

    /// How each shadow is doing: its comparison with the primary and its counters.
    public func shadowStatus() -> [ShadowStatus] {
        shadows.map { shadow in
            ShadowStatus(
                model: shadow.slot.current.specification.name, version: shadow.slot.current.loaded.version,
                scored: shadow.scored.load(ordering: .relaxed), skipped: shadow.skipped.load(ordering: .relaxed),
                scoringNanoseconds: shadow.scoringNanoseconds.load(ordering: .relaxed),
                comparison: shadow.snapshot())
        }
    }
}

/// One shadow's live state.
public struct ShadowStatus: Sendable, Codable {
    public var model: String
    public var version: String
    public var scored: Int
    public var skipped: Int
    /// Time the shadow's model spent scoring, over all events scored, in nanoseconds.
    public var scoringNanoseconds: Int
    public var comparison: ShadowComparisonSnapshot
}
