import Dispatch
import Foundation
import SluiceCore
import Synchronization
import Testing

@testable import SluiceRuntime

@Suite struct LaneReleaseListTests {
    private static func batch(events: Int) -> ScoredBatch {
        let builder = ScoredBatchBuilder(inputCount: 3, idsAreIntegers: true)
        for _ in 0..<events { builder.appendForTest() }
        return builder.take()
    }

    /// A batch pushed on an idle-priority thread stays alive, whoever else lets go of it, until a drain on
    /// another thread drops it there.
    @Test func aPushedBatchLivesUntilTheNextDrain() {
        let list = LaneReleaseList()
        let worker = ShadowWorker(name: "test.release", priority: .idle)
        weak var watched: ScoredBatch?
        do {
            let batch = Self.batch(events: 12)
            watched = batch
            worker.async { list.push(batch) }
        }
        worker.sync {}  // the worker's closure, and its reference, are gone
        #expect(watched != nil, "the list keeps the batch")
        #expect(watched?.count == 12)
        #expect(list.drain() == 1)
        #expect(watched == nil, "the drain dropped the last reference")
        #expect(list.drain() == 0)
        worker.stop()
    }

    /// One pusher and three drainers at once: every batch is dropped exactly once, none is left alive.
    @Test func concurrentDrainsDropEveryBatchOnce() {
        let list = LaneReleaseList()
        let total = 20_000
        let watched = Mutex<[Weak]>([])
        let pushing = Atomic<Bool>(true)
        let drained = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            if thread == 0 {
                var own: [Weak] = []
                for index in 0..<total {
                    let batch = Self.batch(events: 1 + index % 5)
                    own.append(Weak(batch))
                    list.push(batch)
                }
                watched.withLock { $0 = own }
                pushing.store(false, ordering: .releasing)
            } else {
                while pushing.load(ordering: .acquiring) {
                    drained.add(list.drain(), ordering: .relaxed)
                }
            }
        }
        drained.add(list.drain(), ordering: .relaxed)
        #expect(drained.load(ordering: .relaxed) == total)
        #expect(watched.withLock { $0.count } == total)
        #expect(watched.withLock { $0.allSatisfy { $0.batch == nil } })
    }

    /// Whatever is still listed is dropped with the list.
    @Test func theListDropsWhatItHoldsWhenItGoes() {
        weak var watched: ScoredBatch?
        do {
            let list = LaneReleaseList()
            let batch = Self.batch(events: 3)
            watched = batch
            list.push(batch)
        }
        #expect(watched == nil)
    }

    /// A pipeline with `shadows` LightGBM shadows on idle-priority threads, started with a counting writer.
    private static func pipeline(shadows: Int) throws -> (TopologyPipeline, SideOutputs, CountingWriter) {
        let fixtures = ScoringPipelineTests.fixtures
        let model = fixtures.appendingPathComponent("lgbm_binary.txt").path
        let entries = (0..<shadows).map { "{ name: challenger\($0), path: \(model) }" }.joined(separator: ", ")
        let text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: fixtures)
            .replacingOccurrences(of: "models:\n", with: "models:\n  shadows: [ \(entries) ]\n")
            .replacingOccurrences(of: "  predictions: scores", with: "  predictions: scores\n  shadow: shadow-scores")
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/release.yaml"))
        let writer = CountingWriter()
        try pipeline.startSideOutputs(writer: writer, inline: false)
        let side = try #require(pipeline.sideOutputs)
        #expect(side.shadows.count == shadows)
        return (pipeline, side, writer)
    }

    /// Submits a batch of `events` made-up events as a lane does; returns a weak reference to it.
    private static func submit(events: Int, to side: SideOutputs, inputCount: Int) -> Weak {
        let builder = ScoredBatchBuilder(inputCount: inputCount, idsAreIntegers: true)
        for _ in 0..<events { builder.appendForTest() }
        let batch = builder.take()
        side.submit(batch)
        return Weak(batch)
    }

    /// Until every shadow scored `events` and is done with every batch (a shadow finishes a batch before it
    /// counts the batch's events out of `pending`).
    private static func waitUntilScored(_ events: Int, by side: SideOutputs) -> Bool {
        let deadline = ContinuousClock.now + .seconds(60)
        func done() -> Bool {
            side.shadows.allSatisfy {
                $0.scored.load(ordering: .relaxed) >= events && $0.pending.load(ordering: .relaxed) == 0
            }
        }
        while !done(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
        return done()
    }

    /// Whether `condition` holds within 10 s (an idle-priority thread may be slow to finish under load).
    private static func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
        return condition()
    }

    /// A real shadow (LightGBM, on its idle-priority thread) scores a batch and leaves it to the list: it is
    /// still alive after scoring, and the lane's next submission drops it.
    @Test func theShadowLeavesItsLastReferenceToTheNextSubmission() throws {
        let (pipeline, side, writer) = try Self.pipeline(shadows: 1)
        let inputCount = pipeline.featureInputNames.count
        let first = Self.submit(events: 20, to: side, inputCount: inputCount)
        #expect(Self.waitUntilScored(20, by: side))
        Thread.sleep(forTimeInterval: 0.02)  // past the end of the worker's closure, which held a reference too
        #expect(first.batch != nil, "the shadow's thread did not drop the batch")
        #expect(side.release.released.load(ordering: .relaxed) == 0)
        let second = Self.submit(events: 5, to: side, inputCount: inputCount)
        // The list's reference is gone now; the worker's closure may still be letting go of its own.
        #expect(Self.eventually { first.batch == nil }, "the next submission dropped it")
        #expect(side.release.released.load(ordering: .relaxed) == 1)
        #expect(Self.waitUntilScored(25, by: side))
        #expect(writer.count.load(ordering: .relaxed) == 25)
        _ = second
    }

    /// Three shadows share one list and two lanes submit at once: each batch is pushed once, by the last shadow
    /// done with it, and every batch is dropped exactly once.
    @Test func severalShadowsAndLanesDropEachBatchOnce() throws {
        let (pipeline, side, writer) = try Self.pipeline(shadows: 3)
        let inputCount = pipeline.featureInputNames.count
        let perLane = 300
        let watched = Mutex<[Weak]>([])
        DispatchQueue.concurrentPerform(iterations: 2) { _ in
            var own: [Weak] = []
            for index in 0..<perLane {
                own.append(Self.submit(events: 1 + index % 4, to: side, inputCount: inputCount))
            }
            watched.withLock { $0 += own }
        }
        let events = (0..<perLane).reduce(0) { $0 + 1 + $1 % 4 } * 2
        #expect(Self.waitUntilScored(events, by: side))
        #expect(side.shadows.allSatisfy { $0.skipped.load(ordering: .relaxed) == 0 })
        side.release.drain()
        #expect(side.release.released.load(ordering: .relaxed) == 2 * perLane)
        #expect(Self.eventually { watched.withLock { $0.allSatisfy { $0.batch == nil } } })
        #expect(writer.count.load(ordering: .relaxed) == 3 * events)
    }

    final class CountingWriter: RecordWriter {
        let count = Atomic<Int>(0)
        func write(sink: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
            count.add(1, ordering: .relaxed)
        }
    }

    final class Weak: @unchecked Sendable {
        weak var batch: ScoredBatch?
        init(_ batch: ScoredBatch) { self.batch = batch }
    }
}

extension ScoredBatchBuilder {
    /// Appends an event with made-up values.
    fileprivate func appendForTest() {
        let id: [UInt8] = Array("7".utf8)
        id.withUnsafeBytes { id in
            append(
                score: 0.5, decision: 1, eventTime: 1, id: id, key: nil, modelName: "m", modelVersion: "1"
            ) {
                inputs in
                for index in inputs.indices { inputs[index] = Double(index) }
            }
        }
    }
}
