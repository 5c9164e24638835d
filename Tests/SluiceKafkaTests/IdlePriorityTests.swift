import Foundation
import Logging
import Testing

@testable import SluiceKafka

/// This process's librdkafka threads (named `rdk:...`) by thread id, with their scheduling policy, from /proc.
private func librdkafkaThreadPolicies() -> [String: Int] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    var policies: [String: Int] = [:]
    for task in tasks {
        guard let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
            let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")"),
            stat[stat.index(after: open)..<close].hasPrefix("rdk:")
        else { continue }
        // Fields after the name start at field 3 (state); the policy is field 41.
        let fields = stat[stat.index(close, offsetBy: 2)...].split(separator: " ")
        if fields.count > 38, let policy = Int(fields[38]) { policies[task] = policy }
    }
    return policies
}

@Suite struct IdlePriorityTests {
    /// A producer made with `runsAtIdlePriority` moves its librdkafka threads (main and brokers) to SCHED_IDLE (5).
    /// Other suites may start clients meanwhile, so only threads that appeared during the test are looked at.
    @Test func idleProducerThreadsRunInTheIdleClass() throws {
        let before = Set(librdkafkaThreadPolicies().keys)
        var settings = KafkaProducerConfiguration(bootstrapServers: ["127.0.0.1:1"])
        settings.runsAtIdlePriority = true
        let idle = try KafkaProducer(configuration: settings, logger: Logger(label: "test")) { _ in }
        func newIdleThreads() -> Int {
            librdkafkaThreadPolicies().filter { !before.contains($0.key) && $0.value == 5 }.count
        }
        let deadline = ContinuousClock.now + .seconds(5)
        while newIdleThreads() < 2, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.01) }
        #expect(newIdleThreads() >= 2)
        withExtendedLifetime(idle) {}
    }
}
