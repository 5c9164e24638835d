import Synchronization

/// Tracks, for one lane, which batches still have outputs waiting for the broker's acknowledgement.
///
/// Each batch a lane processes is a checkpoint in a ring. While the lane writes the batch it holds one
/// count on the checkpoint; every output adds one; every delivery report removes one. A checkpoint at zero
/// is complete, and the offsets of a run of complete checkpoints from the oldest may be committed.
/// The lane writes; the producer's delivery queue only decrements — no lock between them.
final class LaneAcknowledgements: @unchecked Sendable {
    // @unchecked: `pending` counters are atomics shared with the delivery queue; `positions`,
    // `oldest` and `next` are touched only on the owning lane's serial queue.
    let capacity: Int
    private let mask: Int
    private let pending: UnsafeMutablePointer<Atomic<Int>>
    private let positions: UnsafeMutablePointer<Int64>
    /// Outputs sent and not yet reported, over all checkpoints.
    let outstandingOutputs = Atomic<Int>(0)
    private(set) var oldest = 0
    private(set) var next = 0

    init(capacity requested: Int) {
        var capacity = 1
        while capacity < max(requested, 2) { capacity <<= 1 }
        self.capacity = capacity
        mask = capacity - 1
        pending = .allocate(capacity: capacity)
        for index in 0..<capacity { (pending + index).initialize(to: Atomic(0)) }
        positions = .allocate(capacity: capacity)
        positions.initialize(repeating: 0, count: capacity)
    }

    deinit {
        pending.deinitialize(count: capacity)
        pending.deallocate()
        positions.deallocate()
    }

    /// Whether another checkpoint can be opened without overwriting one still in flight.
    var hasRoom: Bool { next - oldest < capacity }

    /// Whether every opened checkpoint is complete and collected.
    var isDrained: Bool { oldest == next }

    /// Opens the next checkpoint (the lane holds one count on it) and returns its number.
    func open() -> Int {
        precondition(hasRoom, "lane checkpoint ring overrun")
        let checkpoint = next
        pending[checkpoint & mask].store(1, ordering: .relaxed)
        next += 1
        return checkpoint
    }

    /// Counts one more output of `checkpoint`.
    @inline(__always)
    func addOutput(_ checkpoint: Int) {
        pending[checkpoint & mask].add(1, ordering: .relaxed)
        outstandingOutputs.add(1, ordering: .relaxed)
    }

    /// Takes back an output that was counted but never sent.
    func cancelOutput(_ checkpoint: Int) {
        pending[checkpoint & mask].subtract(1, ordering: .releasing)
        outstandingOutputs.subtract(1, ordering: .relaxed)
    }

    /// Closes `checkpoint`: its position (the next offset to read after the batch) becomes committable
    /// once its outputs are acknowledged.
    func close(_ checkpoint: Int, position: Int64) {
        positions[checkpoint & mask] = position
        pending[checkpoint & mask].subtract(1, ordering: .releasing)
    }

    /// Called on the delivery queue for each delivery report of `checkpoint`.
    @inline(__always)
    func acknowledge(_ checkpoint: Int) {
        pending[checkpoint & mask].subtract(1, ordering: .releasing)
        outstandingOutputs.subtract(1, ordering: .relaxed)
    }

    /// Collects complete checkpoints from the oldest; returns the newest committable position, if any advanced.
    func collectCompleted() -> Int64? {
        var position: Int64? = nil
        while oldest < next, pending[oldest & mask].load(ordering: .acquiring) == 0 {
            position = positions[oldest & mask]
            oldest += 1
        }
        return position
    }

    /// Forgets all checkpoints; only valid when drained.
    func reset() {
        oldest = 0
        next = 0
    }
}
