public import CoreMetrics
public import Synchronization

/// One gauge series: a value that goes up and down. ``set(_:)-(Double)`` is one relaxed atomic store;
/// ``add(_:)`` a compare-and-swap loop (uncontended: one exchange).
public final class MetricGauge: Sendable {
    /// The value as `Double` bits (0 is +0.0).
    @usableFromInline let bits = Atomic<UInt64>(0)
    let prefix: [UInt8]
    let labels: [LabelPair]

    init(prefix: [UInt8], labels: [LabelPair]) {
        self.prefix = prefix
        self.labels = labels
    }

    /// Sets the value.
    @inlinable
    public func set(_ value: Double) {
        bits.store(value.bitPattern, ordering: .relaxed)
    }

    /// Sets the value.
    @inlinable
    public func set(_ value: Int) {
        bits.store(Double(value).bitPattern, ordering: .relaxed)
    }

    /// Adds `delta` (negative to subtract).
    public func add(_ delta: Double) {
        var current = bits.load(ordering: .relaxed)
        while true {
            let next = (Double(bitPattern: current) + delta).bitPattern
            let (exchanged, original) = bits.compareExchange(expected: current, desired: next, ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// The current value.
    public var value: Double {
        Double(bitPattern: bits.load(ordering: .relaxed))
    }

    func render(into bytes: inout [UInt8]) {
        PrometheusText.appendSample(prefix: prefix, value: value, to: &bytes)
    }
}

extension MetricGauge: RecorderHandler, MeterHandler {
    public func record(_ value: Int64) {
        set(Double(value))
    }

    public func record(_ value: Double) {
        set(value)
    }

    public func set(_ value: Int64) {
        set(Double(value))
    }

    public func increment(by amount: Double) {
        add(amount)
    }

    public func decrement(by amount: Double) {
        add(-amount)
    }
}
