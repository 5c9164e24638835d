import Dispatch
import Foundation
import Synchronization
import Testing

@testable import SluiceRuntime

@Suite struct ShadowWorkerTests {
    /// Items run in order on the worker's own thread, `sync` returns the item's value after everything before it,
    /// and the thread is in Linux's idle scheduling class.
    @Test func runsItemsInOrderAtIdlePriority() {
        let worker = ShadowWorker(name: "test.worker", priority: .idle)
        let seen = Mutex<[Int]>([])
        for index in 0..<1000 { worker.async { seen.withLock { $0.append(index) } } }
        let policy = worker.sync { Self.schedulingPolicyOfThisThread() }
        #expect(seen.withLock { $0 } == Array(0..<1000))
        let lowered = worker.isLowered.load(ordering: .relaxed)
        #expect(lowered)
        #expect(policy == 5)
        worker.stop()
    }

    /// Four threads submitting at once: every item runs exactly once, and each thread's items in its order.
    @Test func concurrentSubmittersLoseNothingAndKeepTheirOrder() {
        let worker = ShadowWorker(name: "test.worker.concurrent", priority: .idle)
        let seen = Mutex<[Int]>([])
        DispatchQueue.concurrentPerform(iterations: 4) { submitter in
            for index in 0..<25_000 {
                let value = submitter * 1_000_000 + index
                worker.async { seen.withLock { $0.append(value) } }
            }
        }
        let all = worker.sync { seen.withLock { $0 } }
        #expect(all.count == 100_000)
        for submitter in 0..<4 {
            let own = all.filter { $0 / 1_000_000 == submitter }.map { $0 % 1_000_000 }
            #expect(own == Array(0..<25_000), "submitter \(submitter)")
        }
        worker.stop()
    }

    /// At normal priority the thread stays in the default class (policy 0, `SCHED_OTHER`).
    @Test func runsAtNormalPriorityWhenAsked() {
        let worker = ShadowWorker(name: "test.worker.normal", priority: .normal)
        #expect(worker.sync { Self.schedulingPolicyOfThisThread() } == 0)
        let lowered = worker.isLowered.load(ordering: .relaxed)
        #expect(!lowered)
        worker.stop()
    }

    /// Field 41 of the calling thread's `/proc/thread-self/stat`: its scheduling policy.
    private static func schedulingPolicyOfThisThread() -> Int {
        let stat = (try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8)) ?? ""
        let fields = stat[(stat.lastIndex(of: ")").map { stat.index($0, offsetBy: 2) } ?? stat.startIndex)...]
            .split(separator: " ")
        return fields.count > 38 ? Int(fields[38]) ?? -1 : -1
    }
}
