import Foundation
import Synchronization
import Testing

@testable import SluiceKafka

/// What one group member processed, and what it committed inside its revoke handler.
private final class MemberLedger: Sendable {
    private struct State {
        var processed: [KafkaTopicPartition: [Int64]] = [:]
        var committedAtRevoke: [KafkaTopicPartition: Int64] = [:]
        var assignedAfterRevoke: [KafkaTopicPartition] = []
        var revokeCount = 0
        var revokeCommitError: String? = nil
    }
    private let state = Mutex(State())

    func record(_ partition: KafkaTopicPartition, offset: Int64) {
        state.withLock { $0.processed[partition, default: []].append(offset) }
    }

    /// The next offset to read per partition, from what was processed.
    var positions: [KafkaTopicPartition: Int64] {
        state.withLock { $0.processed.compactMapValues { $0.max().map { $0 + 1 } } }
    }

    var processed: [KafkaTopicPartition: [Int64]] { state.withLock { $0.processed } }
    var committedAtRevoke: [KafkaTopicPartition: Int64] { state.withLock { $0.committedAtRevoke } }
    var revokeCount: Int { state.withLock { $0.revokeCount } }
    var revokeCommitError: String? { state.withLock { $0.revokeCommitError } }
    var assignedCount: Int { state.withLock { $0.assignedAfterRevoke.count } }

    func assigned(_ partitions: [KafkaTopicPartition]) {
        state.withLock { $0.assignedAfterRevoke += partitions }
    }

    func revoked(_ partitions: [KafkaTopicPartition], committing consumer: KafkaConsumer) {
        let positions = self.positions.filter { partitions.contains($0.key) }
        do {
            try consumer.commit(positions, rebalanceRetry: .seconds(10))
        } catch {
            state.withLock { $0.revokeCommitError = "\(error)" }
        }
        state.withLock { state in
            state.revokeCount += 1
            state.committedAtRevoke.merge(positions) { _, new in new }
        }
    }
}

@Suite(.serialized) struct ConsumerGroupTests {
    /// Cooperative rebalancing (Sluice's default). With the eager protocol, librdkafka 2.0.2's mock cluster
    /// refuses every commit while a new member's join is pending (REBALANCE_IN_PROGRESS), unlike Apache Kafka,
    /// which accepts commits of the current generation then; the eager protocol is covered by the leave case below.
    @Test func revokeCommitsInsideTheCallbackAndTheNewOwnerStartsRightAfter() throws {
        let rebalanceProtocol = KafkaRebalanceProtocol.cooperative
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("split")
        let group = uniqueName("group")
        try cluster.createTopic(topic, partitions: 4)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) { _ in }
        let handle = try producer.topic(topic)
        let perPartition = 250
        for index in 0..<(4 * perPartition) {
            try producer.send(to: handle, partition: Int32(index % 4), key: nil, value: Array("\(index)".utf8))
        }
        try producer.flush()

        var configuration = consumerConfiguration(cluster, group: group)
        configuration.rebalanceProtocol = rebalanceProtocol
        // The mock cluster waits session timeout − 1 s for members to rejoin (always the whole wait) and then moves
        // the generation on. A 19 s window and quick heartbeats keep a busy machine (CI runs every suite at once)
        // from missing it, which would fail the revoke's commit with ILLEGAL_GENERATION for reasons that have
        // nothing to do with the revoke protocol under test (a 9 s window was missed once in CI).
        configuration.sessionTimeout = .seconds(20)
        let first = MemberLedger()
        let second = MemberLedger()
        let firstConsumer = try KafkaConsumer(
            configuration: configuration,
            rebalanceHandler: KafkaRebalanceHandler(
                onAssign: { _, _ in [:] },
                onRevoke: { consumer, partitions, _ in first.revoked(partitions, committing: consumer) }),
            logger: quietLogger)
        try firstConsumer.subscribe(topics: [topic])

        // The first member reads part of every partition, a few messages per poll, storing as it goes.
        func pollOnce(_ consumer: KafkaConsumer, into ledger: MemberLedger) {
            let result = consumer.poll(maxMessages: 5, timeout: .milliseconds(20))
            for batch in result.batches {
                for message in batch { ledger.record(batch.topicPartition, offset: message.offset) }
            }
        }
        #expect(
            waitUntil(timeout: .seconds(60)) {
                pollOnce(firstConsumer, into: first); return first.processed.values.map(\.count).reduce(0, +) >= 200
            })
        #expect(first.revokeCount == 0)

        // The second member joins; the first keeps polling, so its revoke handler runs inside its poll.
        let secondConsumer = try KafkaConsumer(
            configuration: configuration,
            rebalanceHandler: KafkaRebalanceHandler(
                onAssign: { _, partitions in
                    second.assigned(partitions); return [:]
                },
                onRevoke: { consumer, partitions, _ in second.revoked(partitions, committing: consumer) }),
            logger: quietLogger)
        try secondConsumer.subscribe(topics: [topic])
        // On a busy machine the first member may read everything before the group hands partitions over, so once
        // the second member holds some, more messages arrive on every partition for whoever owns it.
        let extra = 50
        var producedExtra = false
        let done = waitUntil(timeout: .seconds(150)) {
            pollOnce(firstConsumer, into: first)
            pollOnce(secondConsumer, into: second)
            if !producedExtra, second.assignedCount > 0 {
                producedExtra = true
                for index in 0..<(4 * extra) {
                    try? producer.send(
                        to: handle, partition: Int32(index % 4), key: nil, value: Array("x\(index)".utf8))
                }
                try? producer.flush()
            }
            let total = (Array(first.processed.values) + Array(second.processed.values)).map(\.count).reduce(0, +)
            return total >= 4 * (perPartition + extra) && !second.processed.isEmpty
        }
        #expect(done)
        #expect(first.revokeCount >= 1)
        #expect(first.revokeCommitError == nil)

        // Nothing lost, nothing read twice.
        for partition in Int32(0)..<4 {
            let key = KafkaTopicPartition(topic: topic, partition: partition)
            let offsets = (first.processed[key] ?? []) + (second.processed[key] ?? [])
            #expect(offsets.sorted() == Array(0..<Int64(perPartition + extra)), "partition \(partition)")
        }
        // The second member starts every partition it took exactly where the first member's revoke committed.
        #expect(!second.processed.isEmpty)
        for (partition, offsets) in second.processed {
            let committed = first.committedAtRevoke[partition] ?? 0
            #expect(offsets.min() == committed, "\(partition): second began at \(offsets.min() ?? -1)")
        }
        // And the broker holds what the revoke handler committed.
        let onBroker = try secondConsumer.committedPositions(Array(first.committedAtRevoke.keys))
        for (partition, position) in first.committedAtRevoke {
            #expect(onBroker[partition] ?? 0 >= position)
        }
        firstConsumer.close()
        secondConsumer.close()
    }

    /// Eager rebalancing, where every member gives up everything: the member that leaves commits inside its
    /// revoke (run by close()), and the member that stays reads each partition on from exactly there.
    @Test func leavingMemberCommitsInsideItsRevokeAndTheRemainingMemberStartsRightAfter() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("leave")
        let group = uniqueName("group")
        try cluster.createTopic(topic, partitions: 4)
        var configuration = consumerConfiguration(cluster, group: group)
        configuration.rebalanceProtocol = .eager
        let leaving = MemberLedger()
        let staying = MemberLedger()
        func member(_ ledger: MemberLedger) throws -> KafkaConsumer {
            let consumer = try KafkaConsumer(
                configuration: configuration,
                rebalanceHandler: KafkaRebalanceHandler(
                    onAssign: { _, _ in [:] },
                    onRevoke: { consumer, partitions, _ in ledger.revoked(partitions, committing: consumer) }),
                logger: quietLogger)
            try consumer.subscribe(topics: [topic])
            return consumer
        }
        // Members also commit after every poll, as the runtime does. The mock refuses commits while the group
        // re-forms (see the cooperative test above), so the staying member finishes its own partitions first.
        func pollOnce(_ consumer: KafkaConsumer, into ledger: MemberLedger, max: Int) {
            for batch in consumer.poll(maxMessages: max, timeout: .milliseconds(20)).batches {
                for message in batch { ledger.record(batch.topicPartition, offset: message.offset) }
                try? consumer.commit([batch.topicPartition: batch.lastOffset! + 1])
            }
        }
        let leavingConsumer = try member(leaving)
        let stayingConsumer = try member(staying)
        // Both members settle on two partitions each before anything is produced.
        #expect(
            waitUntil(timeout: .seconds(30)) {
                pollOnce(leavingConsumer, into: leaving, max: 1)
                pollOnce(stayingConsumer, into: staying, max: 1)
                return (try? leavingConsumer.assignment().count) == 2 && (try? stayingConsumer.assignment().count) == 2
            })
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) { _ in }
        let handle = try producer.topic(topic)
        for index in 0..<400 {
            try producer.send(to: handle, partition: Int32(index % 4), key: nil, value: Array("\(index)".utf8))
        }
        try producer.flush()
        // The leaving member reads part of its partitions, then leaves; its revoke runs inside close().
        #expect(
            waitUntil {
                pollOnce(leavingConsumer, into: leaving, max: 7)
                return leaving.processed.values.map(\.count).reduce(0, +) >= 60
            })
        #expect(
            waitUntil {
                pollOnce(stayingConsumer, into: staying, max: 50)
                return staying.processed.values.map(\.count).reduce(0, +) >= 200
            })
        let revokesBeforeLeaving = leaving.revokeCount
        leavingConsumer.close()
        #expect(leaving.revokeCount == revokesBeforeLeaving + 1)
        #expect(leaving.revokeCommitError == nil)
        #expect(
            waitUntil(timeout: .seconds(30)) {
                pollOnce(stayingConsumer, into: staying, max: 50)
                let read = Array(leaving.processed) + Array(staying.processed)
                return Set(read.flatMap { partition, offsets in offsets.map { "\(partition)@\($0)" } }).count >= 400
            })
        for partition in Int32(0)..<4 {
            let key = KafkaTopicPartition(topic: topic, partition: partition)
            let offsets = (leaving.processed[key] ?? []) + (staying.processed[key] ?? [])
            #expect(offsets.sorted() == Array(0..<100), "partition \(partition)")
        }
        // For each partition the leaving member gave up, the staying one read on from where that commit said.
        #expect(!leaving.committedAtRevoke.isEmpty)
        for (partition, position) in leaving.committedAtRevoke {
            #expect(staying.processed[partition]?.min() == position, "\(partition)")
        }
        stayingConsumer.close()
    }

    @Test func pausedPartitionDeliversNothingUntilResumed() throws {
        let cluster = try EmbeddedKafkaCluster(logger: quietLogger)
        let topic = uniqueName("pause")
        try cluster.createTopic(topic, partitions: 2)
        let producer = try KafkaProducer(configuration: producerConfiguration(cluster), logger: quietLogger) { _ in }
        let handle = try producer.topic(topic)
        let consumer = try KafkaConsumer(
            configuration: consumerConfiguration(cluster, group: uniqueName("g")),
            logger: quietLogger)
        try consumer.subscribe(topics: [topic])
        #expect(
            waitUntil {
                _ = consumer.poll(timeout: .milliseconds(50)); return (try? consumer.assignment().count) == 2
            })
        let paused = KafkaTopicPartition(topic: topic, partition: 0)
        try consumer.pause([paused])
        for index in 0..<40 {
            try producer.send(to: handle, partition: Int32(index % 2), key: nil, value: Array("\(index)".utf8))
        }
        try producer.flush()
        let whilePaused = consume(consumer, count: 40, timeout: .seconds(3))
        #expect(whilePaused.count == 20)
        #expect(whilePaused.allSatisfy { $0.partition == 1 })
        try consumer.resume([paused])
        let afterResume = consume(consumer, count: 20, timeout: .seconds(10))
        #expect(afterResume.map(\.partition) == Array(repeating: 0, count: 20))
        #expect(afterResume.map(\.offset) == Array(0..<20))
        consumer.close()
    }
}
