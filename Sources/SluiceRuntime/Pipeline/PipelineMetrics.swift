public import SluiceCore
public import Synchronization

/// Counters of what the pipeline did with events, shared by all lanes. Lanes count valid events locally
/// and add them here on each tick; dead letters (rare) are counted as they happen.
public final class PipelineMetrics: Sendable {
    /// Events that passed validation.
    public let validEvents = Atomic<Int>(0)
    private let deadLetters = Mutex<[Int]>(Array(repeating: 0, count: DeadLetterReason.allCases.count))

    /// Late events per window, by window name.
    private let lateEvents = Mutex<[String: Int]>([:])
    /// Window keys evicted by the key cap, summed over partitions.
    public let windowEvictions = Atomic<Int>(0)
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

    public init() {}

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
