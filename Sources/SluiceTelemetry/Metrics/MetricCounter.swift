public import CoreMetrics
public import Synchronization

/// One counter series: a value that only goes up. Resolve it once (``CounterFamily/labels(_:)``) and keep it;
/// ``increment(by:)`` is then a single relaxed atomic add: no lock, no allocation, no string work.
public final class MetricCounter: Sendable {
    @usableFromInline let count = Atomic<Int>(0)
    /// Floating-point increments (swift-metrics' `FloatingPointCounter`), as `Double` bits; zero for most
    /// counters, which only ever take integers.
    let fraction = Atomic<UInt64>(0)
    /// `name{labels} `, rendered once when the series was created.
    let prefix: [UInt8]
    let labels: [LabelPair]

    init(prefix: [UInt8], labels: [LabelPair]) {
        self.prefix = prefix
        self.labels = labels
    }

    /// Adds `amount` (≥ 0; a negative amount is ignored in release builds: counters never go down).
    @inlinable
    public func increment(by amount: Int = 1) {
        assert(amount >= 0, "a counter only goes up")
        if amount > 0 {
            count.wrappingAdd(amount, ordering: .relaxed)
        }
    }

    /// Adds a fractional `amount` (≥ 0; negative and NaN amounts are ignored). Slower than the integer form:
    /// a compare-and-swap loop on the `Double`'s bits.
    public func increment(by amount: Double) {
        guard amount > 0, amount.isFinite else { return }
        var current = fraction.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + amount).bitPattern
            let (exchanged, original) = fraction.compareExchange(
                expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The current value.
    public var value: Double {
        Double(count.load(ordering: .relaxed)) + Double(bitPattern: fraction.load(ordering: .relaxed))
    }

    func render(into bytes: inout [UInt8]) {
        let whole = count.load(ordering: .relaxed)
        let part = Double(bitPattern: fraction.load(ordering: .relaxed))
        if part == 0 {
            PrometheusText.appendSample(prefix: prefix, value: whole, to: &bytes)
        } else {
            PrometheusText.appendSample(prefix: prefix, value: Double(whole) + part, to: &bytes)
        }
    }
}

extension MetricCounter: CounterHandler, FloatingPointCounterHandler {
    public func increment(by amount: Int64) {
        increment(by: Int(amount))
    }

    /// Back to zero (swift-metrics' `Counter.reset()`).
    public func reset() {
        count.store(0, ordering: .relaxed)
        fraction.store(0, ordering: .relaxed)
    }
}
