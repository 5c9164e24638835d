import Dispatch
import Foundation
import Logging
import SluiceCore
import Synchronization

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// POSTs drift alerts to a webhook (a retraining job, Alertmanager) from a bounded queue, one at a time, with
/// retries. Enqueueing never blocks: when the queue is full, the alert is counted as dropped (it is still on the
/// alerts topic). Failures are counted and logged, never raised.
final class WebhookSender: Sendable {
    let specification: WebhookSpecification
    let delivered = Atomic<Int>(0)
    let failed = Atomic<Int>(0)
    let dropped = Atomic<Int>(0)
    private let waiting = Mutex<[[UInt8]]>([])
    private let queue = DispatchQueue(label: "sluice.webhook", qos: .utility)
    private let isSending = Atomic<Bool>(false)
    private let logger: Logger

    init(specification: WebhookSpecification, logger: Logger) {
        self.specification = specification
        self.logger = logger
    }

    /// Queues one alert for delivery; returns at once.
    func enqueue(_ body: [UInt8]) {
        let accepted = waiting.withLock { waiting -> Bool in
            guard waiting.count < specification.queueCapacity else { return false }
            waiting.append(body)
            return true
        }
        guard accepted else {
            dropped.add(1, ordering: .relaxed)
            return
        }
        if !isSending.exchange(true, ordering: .acquiringAndReleasing) {
            queue.async { self.drain() }
        }
    }

    /// Sends what is waiting, oldest first, on the webhook's queue.
    private func drain() {
        while true {
            let next = waiting.withLock { waiting in waiting.isEmpty ? nil : waiting.removeFirst() }
            guard let body = next else {
                isSending.store(false, ordering: .releasing)
                // An alert queued between the empty check and the flag reset is picked up here.
                if waiting.withLock({ !$0.isEmpty }), !isSending.exchange(true, ordering: .acquiringAndReleasing) {
                    continue
                }
                return
            }
            send(body)
        }
    }

    private func send(_ body: [UInt8]) {
        guard let url = URL(string: specification.url) else {
            failed.add(1, ordering: .relaxed)
            return
        }
        var request = URLRequest(url: url)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.httpBody = Data(body)
        request.timeoutInterval = Double(specification.timeoutMilliseconds) / 1000
        for attempt in 1...specification.attempts {
            let status = Mutex<(code: Int?, error: String?)>((nil, nil))
            let done = DispatchSemaphore(value: 0)
            URLSession.shared.dataTask(with: request) { _, response, error in
                status.withLock {
                    $0 = ((response as? HTTPURLResponse)?.statusCode, error.map { "\($0.localizedDescription)" })
                }
                done.signal()
            }.resume()
            done.wait()
            let (code, error) = status.withLock { $0 }
            if let code, (200..<300).contains(code) {
                delivered.add(1, ordering: .relaxed)
                return
            }
            logger.info(
                "webhook attempt \(attempt) of \(specification.attempts) failed: \(error ?? "HTTP \(code ?? 0)")")
            if attempt < specification.attempts { Thread.sleep(forTimeInterval: 0.2 * Double(attempt)) }
        }
        failed.add(1, ordering: .relaxed)
        logger.warning(
            "a drift alert could not be delivered to \(specification.url) after \(specification.attempts) attempts")
    }
}
