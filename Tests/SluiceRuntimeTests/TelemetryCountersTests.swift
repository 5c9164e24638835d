import Dispatch
import Foundation
import Testing

@testable import SluiceRuntime

/// The lock-free counters lanes feed telemetry through: the end-to-end latency histogram and the output topic each
/// delivery report is counted against.
@Suite struct TelemetryCountersTests {
    /// Latencies from 0 to 20 s, log-uniform, with some negative ones (clocks apart) and some exactly on a bound.
    static func latencies(count: Int, seed: UInt64) -> [Int] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 11
        }
        let bounds = LatencyHistogram.endToEndUpperBounds.map { Int(($0 * 1e6).rounded()) }
        return (0..<count).map { _ in
            switch next() % 10 {
            case 0: -Int(next() % 5_000)
            case 1: bounds[Int(next() % UInt64(bounds.count))]
            default: Int(pow(10, Double(next() % 1_000_000) / 1_000_000 * 7.3))
            }
        }
    }

    /// The bucket of `microseconds` the way Prometheus defines `le`: the first bound at or above the value, in
    /// seconds, or the +Inf bucket.
    static func referenceBucket(_ microseconds: Int) -> Int {
        let seconds = Double(max(microseconds, 0)) / 1e6
        return LatencyHistogram.endToEndUpperBounds.firstIndex { seconds <= $0 }
            ?? LatencyHistogram.endToEndUpperBounds.count
    }

    @Test func latencyHistogramBucketsLikeABruteForceReference() {
        let histogram = LatencyHistogram()
        let observations = LatencyObservations(for: histogram)
        let values = Self.latencies(count: 20_000, seed: 7)
        for (index, value) in values.enumerated() {
            observations.record(microseconds: value)
            if index % 300 == 299 { histogram.add(observations) }
        }
        histogram.add(observations)
        var expected = [Int](repeating: 0, count: LatencyHistogram.endToEndUpperBounds.count + 1)
        for value in values { expected[Self.referenceBucket(value)] += 1 }
        let snapshot = histogram.snapshot()
        #expect(snapshot.bucketCounts == expected)
        #expect(snapshot.count == values.count)
        #expect(snapshot.sumMicroseconds == values.reduce(0) { $0 + max($1, 0) })
        #expect(expected.filter { $0 > 0 }.count >= 12, "the values cover most buckets")
        histogram.add(observations)
        #expect(histogram.snapshot() == snapshot, "adding emptied observations again adds nothing")
    }

    @Test func concurrentLanesLoseNoObservation() {
        let histogram = LatencyHistogram()
        let lanes = 4
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            let observations = LatencyObservations(for: histogram)
            for (index, value) in Self.latencies(count: 50_000, seed: UInt64(lane)).enumerated() {
                observations.record(microseconds: value)
                if index % 64 == 0 { histogram.add(observations) }
            }
            histogram.add(observations)
        }
        var expected = [Int](repeating: 0, count: LatencyHistogram.endToEndUpperBounds.count + 1)
        var sum = 0
        for lane in 0..<lanes {
            for value in Self.latencies(count: 50_000, seed: UInt64(lane)) {
                expected[Self.referenceBucket(value)] += 1
                sum += max(value, 0)
            }
        }
        #expect(histogram.snapshot() == LatencyHistogram.Snapshot(bucketCounts: expected, sumMicroseconds: sum))
    }

    @Test func deliveryContextsCarryTheOutputTopicBesideSlotAndCheckpoint() {
        for slot in [0, 1, 1023, LaneSlots.maxCount - 1] {
            for checkpoint in [0, 1, 8191, 0xFFFF_FFFF, (1 << 40) + 5] {
                for output in [0, 7, RuntimeCounters.maxOutputTopics] {
                    let context = LaneSlots.context(slot: slot, checkpoint: checkpoint, output: output)
                    #expect(!ProducerRecordWriter.isUntracked(context))
                    #expect(LaneSlots.unpack(context) == (slot, checkpoint & 0xFFFF_FFFF))
                    #expect(LaneSlots.output(of: context) == output)
                }
            }
        }
        for output in [0, 3, RuntimeCounters.maxOutputTopics] {
            let context = ProducerRecordWriter.context(output: output)
            #expect(ProducerRecordWriter.isUntracked(context))
            #expect(LaneSlots.output(of: context) == output)
        }
    }

    @Test func deliveriesAreCountedPerOutputTopic() {
        let counters = RuntimeCounters()
        let scores = counters.outputIndex(topic: "scores")
        let letters = counters.outputIndex(topic: "dead-letters")
        #expect(counters.outputIndex(topic: "scores") == scores, "a topic named twice keeps its index")
        for _ in 0..<5 { counters.countDelivered(output: scores) }
        counters.countDelivered(output: letters)
        #expect(counters.deliveredByTopic == ["scores": 5, "dead-letters": 1])
    }
}
