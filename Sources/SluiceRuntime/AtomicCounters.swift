public import Synchronization

/// A fixed number of `Int` counters, each an `Atomic`, indexed from 0: per stage, per window or per output topic.
/// Lanes and side queues add with relaxed atomics (no lock, no allocation); the telemetry sampler loads them.
public final class AtomicCounters: @unchecked Sendable {
    // @unchecked: `storage` is allocated in init, never reallocated, freed in deinit, and only ever accessed through
    // atomic operations.
    /// How many counters there are.
    public let count: Int
    private let storage: UnsafeMutablePointer<Atomic<Int>>

    /// `count` counters, all 0.
    public init(count: Int) {
        self.count = count
        storage = .allocate(capacity: max(count, 1))
        for index in 0..<count { (storage + index).initialize(to: Atomic(0)) }
    }

    deinit {
        storage.deinitialize(count: count)
        storage.deallocate()
    }

    /// Adds `amount` (which may be negative) to counter `index`.
    @inline(__always)
    public func add(_ amount: Int, at index: Int) {
        storage[index].wrappingAdd(amount, ordering: .relaxed)
    }

    /// Counter `index` now.
    @inline(__always)
    public func load(_ index: Int) -> Int {
        storage[index].load(ordering: .relaxed)
    }

    /// Every counter now, in index order (each read on its own: not one consistent moment).
    public var values: [Int] { (0..<count).map(load) }
}
