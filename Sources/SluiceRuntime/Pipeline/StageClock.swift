import Dispatch

/// Times a lane's stages on a sample of its events, so that the lane pays for a clock read about every
/// ``stride`` events per stage rather than at every stage of every event.
///
/// The processor calls ``start()`` when an event begins and ``lap(_:)`` as it leaves each stage. Every event is
/// counted for each stage it leaves; every `stride`-th event is also timed, each stage from the previous lap. On a
/// tick the lane adds its totals to ``PipelineMetrics`` (relaxed atomic adds), from which the telemetry sampler
/// derives a mean per event.
final class StageClock {
    /// One event in this many is timed.
    static let stride = 16

    private let events: UnsafeMutablePointer<Int>
    private let timedEvents: UnsafeMutablePointer<Int>
    private let nanoseconds: UnsafeMutablePointer<Int>
    private static let stageCount = PipelineStage.allCases.count
    // Hot-path state, touched only on the lane's queue: no exclusivity checks.
    @exclusivity(unchecked) private var countdown = 1
    @exclusivity(unchecked) private var isTiming = false
    @exclusivity(unchecked) private var mark: UInt64 = 0

    init() {
        events = .allocate(capacity: Self.stageCount)
        events.initialize(repeating: 0, count: Self.stageCount)
        timedEvents = .allocate(capacity: Self.stageCount)
        timedEvents.initialize(repeating: 0, count: Self.stageCount)
        nanoseconds = .allocate(capacity: Self.stageCount)
        nanoseconds.initialize(repeating: 0, count: Self.stageCount)
    }

    deinit {
        events.deallocate()
        timedEvents.deallocate()
        nanoseconds.deallocate()
    }

    /// An event begins; it is timed if its turn has come.
    @inline(__always)
    func start() {
        countdown &-= 1
        if countdown == 0 {
            countdown = Self.stride
            isTiming = true
            mark = DispatchTime.now().uptimeNanoseconds
        } else {
            isTiming = false
        }
    }

    /// The event leaves `stage`.
    @inline(__always)
    func lap(_ stage: PipelineStage) {
        events[stage.rawValue] &+= 1
        guard isTiming else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        nanoseconds[stage.rawValue] &+= Int(truncatingIfNeeded: now &- mark)
        timedEvents[stage.rawValue] &+= 1
        mark = now
    }

    /// Leaves `elapsed` nanoseconds, measured and reported apart (scoring), out of the stage being timed.
    @inline(__always)
    func exclude(nanoseconds elapsed: Int) {
        if isTiming { mark &+= UInt64(truncatingIfNeeded: elapsed) }
    }

    /// Adds the totals since the last call to `metrics`.
    func publish(to metrics: PipelineMetrics) {
        for stage in 0..<Self.stageCount where events[stage] > 0 {
            metrics.stageEvents.add(events[stage], at: stage)
            metrics.stageTimedEvents.add(timedEvents[stage], at: stage)
            metrics.stageNanoseconds.add(nanoseconds[stage], at: stage)
            events[stage] = 0
            timedEvents[stage] = 0
            nanoseconds[stage] = 0
        }
    }
}
