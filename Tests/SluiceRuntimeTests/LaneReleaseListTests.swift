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

    /// A real shadow (LightGBM, on its idle-priority thread) scores a batch and leaves it to the list: it is
    /// still alive after scoring, and the lane's next submission drops it.
    @Test func theShadowLeavesItsLastReferenceToTheNextSubmission() throws {
        let fixtures = ScoringPipelineTests.fixtures
        let text = ScoringPipelineTests.topology(model: "xgb_binary.json", directory: fixtures)
            .replacingOccurrences(
                of: "models:\n",
                with: """
                    models:
                      shadows: [ { name: challenger, path: \(fixtures.appendingPathComponent("lgbm_binary.txt").path) } ]

                    """
            )
            .replacingOccurrences(of: "  predictions: scores", with: "  predictions: scores\n  shadow: shadow-scores")
        let pipeline = try TopologyPipeline(topology: TopologyLoader.load(text: text, file: "/tmp/release.yaml"))
        let writer = CountingWriter()
        try pipeline.startSideOutputs(writer: writer, inline: false)
        let shadow = try #require(pipeline.sideOutputs?.shadows.first)
        let inputCount = pipeline.featureInputNames.count
        func submitBatch(events: Int) -> Weak {
            let builder = ScoredBatchBuilder(inputCount: inputCount, idsAreIntegers: true)
            for _ in 0..<events { builder.appendForTest() }
            let batch = builder.take()
            shadow.submit(batch)
            return Weak(batch)
        }
        /// Until the shadow scored `events` and finished with every batch (it pushes a batch onto the list before
        /// it counts the batch's events out of `pending`).
        func waitUntilScored(_ events: Int) -> Bool {
            let deadline = ContinuousClock.now + .seconds(30)
            func done() -> Bool {
                shadow.scored.load(ordering: .relaxed) >= events && shadow.pending.load(ordering: .relaxed) == 0
            }
            while !done(), ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.001) }
            return done()
        }
        let first = submitBatch(events: 20)
        #expect(waitUntilScored(20))
        Thread.sleep(forTimeInterval: 0.02)  // past the end of the worker's closure, which held a reference too
        #expect(first.batch != nil, "the shadow's thread did not drop the batch")
        #expect(shadow.releasedOnLanes.load(ordering: .relaxed) == 0)
        let second = submitBatch(events: 5)
        #expect(first.batch == nil, "the next submission dropped it")
        #expect(shadow.releasedOnLanes.load(ordering: .relaxed) == 1)
        #expect(waitUntilScored(25))
        #expect(writer.count.load(ordering: .relaxed) == 25)
        _ = second
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
