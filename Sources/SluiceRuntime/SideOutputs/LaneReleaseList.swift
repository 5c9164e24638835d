import Synchronization

/// Batches an idle-priority thread is done with, waiting for a lane to drop them.
///
/// A ``ScoredBatch``'s buffers come from the lane's malloc arena, and glibc frees a large block under that arena's
/// lock. Were the shadow's idle-class thread to drop the last reference, it would take the lane's arena lock, and
/// if preempted while holding it — which under load can last tens of milliseconds for an idle-class thread — the
/// lane's next allocation would wait for it (priority inversion). So the shadow pushes each finished batch here,
/// without allocating or locking, and the lane's next submission takes the whole list and drops the references
/// on its own thread.
///
/// One list serves every shadow of a pipeline: a batch is pushed once, by the last shadow done with it (see
/// ``finish(_:)``). Any thread may push or drain; each drain takes a disjoint part of the list, and no node is
/// ever taken twice.
final class LaneReleaseList: Sendable {
    /// The address of the newest batch (retained once for the list), 0 when empty; each batch's
    /// ``ScoredBatch/releaseLink`` holds the one pushed before it.
    private let newest = Atomic<UInt>(0)

    /// Batches dropped by ``drain()`` so far.
    let released = Atomic<Int>(0)

    init() {}

    deinit {
        drain()
    }

    /// One shadow is done with `batch` (scored or skipped it); the last one pushes it.
    func finish(_ batch: ScoredBatch) {
        if batch.shadowsHolding.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { push(batch) }
    }

    /// Keeps `batch` alive until the next ``drain()``; neither allocates nor takes a lock. A batch is on at most
    /// one list at a time: its link is a single field.
    func push(_ batch: ScoredBatch) {
        let node = UInt(bitPattern: Unmanaged.passRetained(batch).toOpaque())
        var expected = newest.load(ordering: .relaxed)
        while true {
            batch.releaseLink.store(expected, ordering: .relaxed)
            let (exchanged, found) = newest.compareExchange(
                expected: expected, desired: node, successOrdering: .releasing, failureOrdering: .relaxed)
            if exchanged { return }
            expected = found
        }
    }

    /// Drops every batch pushed so far, on the calling thread; returns how many.
    @discardableResult
    func drain() -> Int {
        // Lanes drain on every submission; reading first leaves the shared word unwritten when there is nothing.
        guard newest.load(ordering: .relaxed) != 0 else { return 0 }
        var next = newest.exchange(0, ordering: .acquiring)
        var count = 0
        while let node = UnsafeRawPointer(bitPattern: next) {
            let batch = Unmanaged<ScoredBatch>.fromOpaque(node)
            next = batch.takeUnretainedValue().releaseLink.load(ordering: .relaxed)
            batch.release()
            count += 1
        }
        if count > 0 { released.add(count, ordering: .relaxed) }
        return count
    }
}
