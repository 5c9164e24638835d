import Foundation
import Synchronization
import Testing

@testable import SluiceRuntime

@Suite struct LowPriorityWorkerTests {
    /// Items run in order on the worker's own thread, `sync` returns the item's value after everything before it,
    /// and the thread is in Linux's idle scheduling class.
    @Test func runsItemsInOrderAtIdlePriority() {
        let worker = LowPriorityWorker(name: "test.worker")
        let seen = Mutex<[Int]>([])
        for index in 0..<1000 { worker.async { seen.withLock { $0.append(index) } } }
        let policy = worker.sync { () -> Int in
            // Field 41 of this thread's stat is its scheduling policy.
            let stat = (try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8)) ?? ""
            let fields = stat[(stat.lastIndex(of: ")").map { stat.index($0, offsetBy: 2) } ?? stat.startIndex)...]
                .split(separator: " ")
            return fields.count > 38 ? Int(fields[38]) ?? -1 : -1
        }
        #expect(seen.withLock { $0 } == Array(0..<1000))
        let lowered = worker.isLowered.load(ordering: .relaxed)
        #expect(lowered)
        #expect(policy == 5)
        worker.stop()
    }
}
