public import SluiceCore
public import Synchronization

/// Counters of what the pipeline did with events, shared by all lanes. Lanes count valid events locally
/// and add them here on each tick; dead letters (rare) are counted as they happen.
public final class PipelineMetrics: Sendable {
    /// The topology's window names: the index of a window in the per-window counters.
    public let windowNames: [String]
    /// Events that passed validation.
    public let validEvents = Atomic<Int>(0)
    private let deadLetters = Mutex<[Int]>(Array(repeating: 0, count: DeadLetterReason.allCases.count))

    /// Late events per window, by window name.
    private let lateEvents = Mutex<[String: Int]>([:])
    /// Keys holding state in each window (by index in ``windowNames``), summed over the partitions this process
    /// owns: each lane adds the change in its own count on every tick, and takes its count back when its partition
    /// leaves.
    public let windowKeys: AtomicCounters
    /// Keys whose state in each window was dropped by the key cap (`state.max_keys`), summed over partitions.
    public let windowEvictions: AtomicCounters
    /// Primary-model files reloaded and put in place, and reloads refused (the old model kept serving).
    public let modelReloads = Atomic<Int>(0)
    public let modelReloadFailures = Atomic<Int>(0)
    /// Shadows promoted to primary.
    public let promotions = Atomic<Int>(0)
    /// Events scored by the primary model, and the total time spent scoring them (nanoseconds).
    public let predictions = Atomic<Int>(0)
    public let scoringNanoseconds = Atomic<Int>(0)
    /// Windows emitted when they closed.
    public let closedWindowsEmitted = Atomic<Int>(0)

    /// Per ``PipelineStage`` (by raw value): events that went through the stage, how many of them were timed, and
    /// the nanoseconds the timed ones spent in it. Lanes time a sample of events (``StageClock``); shadows and drift
    /// monitoring time every batch, so for them all events are timed. Scoring is timed for every event and counted
    /// in ``predictions`` and ``scoringNanoseconds`` instead.
    public let stageEvents = AtomicCounters(count: PipelineStage.allCases.count)
    public let stageTimedEvents = AtomicCounters(count: PipelineStage.allCases.count)
    public let stageNanoseconds = AtomicCounters(count: PipelineStage.allCases.count)

    /// Counters for a topology with windows named `windowNames`, in topology order.
    public init(windowNames: [String] = []) {
        self.windowNames = windowNames
        windowKeys = AtomicCounters(count: windowNames.count)
        windowEvictions = AtomicCounters(count: windowNames.count)
    }

    /// Counts a batch of `events` that spent `nanoseconds` in `stage`, all of them timed: for stages that run per
    /// batch (shadow, monitor).
    func countStage(_ stage: PipelineStage, events: Int, nanoseconds: Int) {
        stageEvents.add(events, at: stage.rawValue)
        stageTimedEvents.add(events, at: stage.rawValue)
        stageNanoseconds.add(nanoseconds, at: stage.rawValue)
    }

    func countLateEvents(_ counts: [(window: String, count: Int)]) {
        lateEvents.withLock { totals in
            for (window, count) in counts where count > 0 { totals[window, default: 0] += count }
        }
    }

    /// Late events so far, by window name.
    public var lateEventsByWindow: [String: Int] { lateEvents.withLock { $0 } }

    func countDeadLetter(_ reason: DeadLetterReason) {
        deadLetters.withLock { $0[reason.index] += 1 }
    }

    /// Dead letters so far, by reason; reasons with none are left out.
    public var deadLettersByReason: [DeadLetterReason: Int] {
        deadLetters.withLock { counts in
            var result: [DeadLetterReason: Int] = [:]
            for (index, reason) in DeadLetterReason.allCases.enumerated() where counts[index] > 0 {
                result[reason] = counts[index]
            }
            return result
        }
    }

    /// Dead letters so far, all reasons together.
    public var deadLetterCount: Int { deadLetters.withLock { $0.reduce(0, +) } }
}
