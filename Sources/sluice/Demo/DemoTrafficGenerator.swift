import Foundation
import SluiceKafka
import Synchronization

/// The demo's traffic: synthetic card transactions produced at a steady rate, one in a thousand malformed (so the
/// dead-letter topic has something to show), each fraud label sent two seconds after its transaction, and from
/// `shiftAfter` on a shifted distribution for drift monitoring to notice.
///
/// Event time advances 10 ms per transaction whatever the rate — the density the models were trained at — so
/// per-card windows see the same traffic as in training and the only drift is the one injected.
final class DemoTrafficGenerator: Sendable {
    private let producer: KafkaProducer
    private let events: KafkaTopic
    private let labels: KafkaTopic?
    private let rate: Int
    private let duration: Duration
    private let shiftAfter: Duration
    private let stopped = Atomic<Bool>(false)
    private let sentCount = Atomic<Int>(0)
    private let malformedCount = Atomic<Int>(0)
    private let labelCount = Atomic<Int>(0)
    private let shiftedAt = Atomic<Int>(-1)

    /// Malformed payloads, taken in turn: each is dead-lettered for a different reason.
    static let malformed = [
        #"{"event_id": 1, "card_id": "card-1", "amount": "#,
        #"{"event_id": 2, "card_id": "card-2", "amount": "twelve", "mcc": "5411", "country": "US", "ts": 1700000000000}"#,
        #"{"event_id": 3, "amount": 10.5, "mcc": "5411", "country": "US", "ts": 1700000000000}"#,
        #"{"event_id": 4, "card_id": "card-4", "amount": -3, "mcc": "5411", "country": "US", "ts": 1700000000000}"#,
    ]

    init(bootstrap: String, topic: String, labelsTopic: String?, rate: Int, duration: Duration, shiftAfter: Duration)
        throws
    {
        let producer = try KafkaProducer(
            configuration: KafkaProducerConfiguration(bootstrapServers: [bootstrap]),
            logger: cliLogger(label: "sluice.demo.generator")
        ) { _ in }
        self.producer = producer
        events = try producer.topic(topic)
        labels = try labelsTopic.map { try producer.topic($0) }
        self.rate = rate
        self.duration = duration
        self.shiftAfter = shiftAfter
    }

    /// Transactions produced so far, malformed ones included.
    var sent: Int { sentCount.load(ordering: .relaxed) }
    /// Malformed events produced so far.
    var malformedSent: Int { malformedCount.load(ordering: .relaxed) }
    /// Fraud labels produced so far.
    var labelsSent: Int { labelCount.load(ordering: .relaxed) }
    /// The number of the first shifted transaction, once the shift has begun.
    var shiftStartedAt: Int? {
        let value = shiftedAt.load(ordering: .relaxed)
        return value < 0 ? nil : value
    }

    /// Ends `run` early (Ctrl-C).
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Produces for the whole duration on the calling thread, calling `everySecond` once a second.
    func run(everySecond: () -> Void) {
        var generator = SyntheticTransactions(seed: 2026)
        var pendingLabels: [(due: ContinuousClock.Instant, body: String)] = []
        var nextLabel = 0
        let start = ContinuousClock.now
        var lastReport = start
        var sent = 0
        while !stopped.load(ordering: .relaxed) {
            let now = ContinuousClock.now
            let elapsed = now - start
            if elapsed >= duration { break }
            if generator.shiftAt == nil, elapsed >= shiftAfter {
                generator.shiftAt = generator.sequence
                shiftedAt.store(generator.sequence, ordering: .relaxed)
            }
            let due = Int(elapsed / .seconds(1) * Double(rate))
            while sent < due {
                sent += 1
                do {
                    if sent % 1000 == 500 {
                        let body = Self.malformed[(sent / 1000) % Self.malformed.count]
                        try producer.send(to: events, key: nil, value: Array(body.utf8))
                        malformedCount.add(1, ordering: .relaxed)
                    } else {
                        let transaction = generator.next(millisecondsApart: 10)
                        let body = SyntheticTransactions.json(transaction)
                        try producer.send(
                            to: events, key: Array("card-\(transaction.card)".utf8), value: Array(body.utf8))
                        if labels != nil {
                            pendingLabels.append((now + .seconds(2), SyntheticTransactions.labelJSON(transaction)))
                        }
                    }
                } catch {
                    printError("sluice demo: producing failed: \(error)")
                    stop()
                    break
                }
            }
            sentCount.store(sent, ordering: .relaxed)
            if let labels {
                while nextLabel < pendingLabels.count, pendingLabels[nextLabel].due <= now {
                    try? producer.send(to: labels, key: nil, value: Array(pendingLabels[nextLabel].body.utf8))
                    nextLabel += 1
                }
                if nextLabel > 100_000 {
                    pendingLabels.removeFirst(nextLabel)
                    labelCount.add(nextLabel, ordering: .relaxed)
                    nextLabel = 0
                }
            }
            if now - lastReport >= .seconds(1) {
                lastReport = now
                everySecond()
            }
            Thread.sleep(forTimeInterval: 0.001)
        }
        labelCount.add(nextLabel, ordering: .relaxed)
        do {
            try producer.close(timeout: .seconds(30))
        } catch {
            printError("sluice demo: not every transaction reached the cluster: \(error)")
        }
    }
}
