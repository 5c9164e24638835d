/// A fixed table of per-lane acknowledgement trackers, indexed by a small slot number carried in each
/// output's delivery context, so the delivery queue finds a lane's tracker without a lock or a lookup.
///
/// Slots are taken and given back on the poll thread only (in rebalance handlers). A slot's tracker is
/// published before any output naming the slot is sent, and a slot is reused only after all its outputs
/// were reported, so readers on the delivery queue always see a live tracker.
final class LaneSlots: @unchecked Sendable {
    // @unchecked: `trackers` entries are written on the poll thread before they can be read on the delivery
    // queue (ordered by librdkafka's own queue locks); `free` is touched on the poll thread only.
    private let trackers: UnsafeMutablePointer<LaneAcknowledgements?>
    private var free: [Int]
    private let checkpointsPerLane: Int
    let count: Int

    init(count: Int, checkpointsPerLane: Int) {
        self.count = count
        self.checkpointsPerLane = checkpointsPerLane
        trackers = .allocate(capacity: count)
        trackers.initialize(repeating: nil, count: count)
        free = Array((0..<count).reversed())
    }

    deinit {
        trackers.deinitialize(count: count)
        trackers.deallocate()
    }

    /// Takes a free slot and its (drained) tracker; nil when every slot is in use.
    func take() -> (slot: Int, tracker: LaneAcknowledgements)? {
        guard let slot = free.popLast() else { return nil }
        if let tracker = trackers[slot] {
            tracker.reset()
            return (slot, tracker)
        }
        let tracker = LaneAcknowledgements(capacity: checkpointsPerLane)
        trackers[slot] = tracker
        return (slot, tracker)
    }

    /// Gives a slot back for reuse; only when its tracker is drained and has no output outstanding.
    func giveBack(_ slot: Int) {
        free.append(slot)
    }

    /// The tracker of `slot`, for the delivery queue.
    @inline(__always)
    func tracker(_ slot: Int) -> LaneAcknowledgements? {
        slot < count ? trackers[slot] : nil
    }

    /// Most slots a delivery context can name.
    static let maxCount = 1 << 16

    /// Packs a lane output's delivery context: its output topic's index (``RuntimeCounters``) in bits 48–62, the
    /// slot in bits 32–47 and the checkpoint number in bits 0–31. Bit 63 stays clear: set, it marks a side output
    /// (``ProducerRecordWriter``), which carries its output index in the same bits.
    @inline(__always)
    static func context(slot: Int, checkpoint: Int, output: Int) -> UInt64 {
        (UInt64(truncatingIfNeeded: output) & 0x7FFF) << 48 | (UInt64(truncatingIfNeeded: slot) & 0xFFFF) << 32
            | UInt64(truncatingIfNeeded: checkpoint) & 0xFFFF_FFFF
    }

    /// Unpacks a lane output's delivery context.
    @inline(__always)
    static func unpack(_ context: UInt64) -> (slot: Int, checkpoint: Int) {
        (Int((context >> 32) & 0xFFFF), Int(context & 0xFFFF_FFFF))
    }

    /// The output topic's index in any delivery context, lane or side.
    @inline(__always)
    static func output(of context: UInt64) -> Int {
        Int((context >> 48) & 0x7FFF)
    }
}
