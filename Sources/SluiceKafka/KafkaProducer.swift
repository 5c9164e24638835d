internal import CRDKafka
import Dispatch
public import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The outcome of one produced message, reported once per message on the producer's delivery queue.
public struct KafkaDeliveryReport: Sendable {
    /// The context the caller gave to ``KafkaProducer/send(to:partition:key:value:headers:timestamp:context:)``.
    public let context: UInt64
    /// The partition the message went to (or was meant for).
    public let partition: Int32
    /// The offset the broker gave the message; -1 if it failed.
    public let offset: Int64
    /// Why the message failed, in librdkafka's words; nil when the broker acknowledged it.
    public let error: KafkaError?
}

/// A handle to one output topic, resolved once so that sending does not look the topic up by name.
public final class KafkaTopic: Sendable {
    /// The topic's name.
    public let name: String
    // `rd_kafka_topic_t` is reference-counted and thread-safe inside librdkafka.
    nonisolated(unsafe) let pointer: OpaquePointer
    private let client: RDKafkaHandle

    init(name: String, client: RDKafkaHandle, properties: [String: String]) throws(KafkaError) {
        var conf: OpaquePointer? = nil
        if !properties.isEmpty {
            conf = rd_kafka_topic_conf_new()
            var errorText = [CChar](repeating: 0, count: 512)
            for (key, value) in properties.sorted(by: { $0.key < $1.key })
            where rd_kafka_topic_conf_set(conf, key, value, &errorText, errorText.count) != RD_KAFKA_CONF_OK {
                rd_kafka_topic_conf_destroy(conf)
                let text = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(.configuration, message: "topic '\(name)' property '\(key)' = '\(value)': \(text)")
            }
        }
        // librdkafka takes over the topic configuration.
        guard let pointer = rd_kafka_topic_new(client.pointer, name, conf) else {
            throw KafkaError(.produce, rdError: rd_kafka_last_error(), context: "topic '\(name)'")
        }
        self.name = name
        self.pointer = pointer
        self.client = client
    }

    deinit {
        rd_kafka_topic_destroy(pointer)
    }
}

/// An idempotent Kafka producer over librdkafka.
///
/// Messages are copied on `send`, so the caller may reuse its buffers at once. Delivery reports are
/// served on the producer's own Dispatch queue — never by a consumer's poll loop — and handed to the
/// `onDelivery` closure with the context the caller attached to each message.
public final class KafkaProducer: Sendable {
    private let client: RDKafkaHandle
    private let deliveryTarget: ProducerCallbackTarget
    private let poller: DeliveryPoller
    private let topics = Mutex<[String: KafkaTopic]>([:])
    /// How many times `send` found the local queue full and waited for deliveries.
    private let queueFullWaits = Atomic<Int>(0)

    /// Creates a producer. `onDelivery` is called once per message, on the producer's delivery queue.
    public init(
        configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "sluice.kafka.producer"),
        onDelivery: @escaping @Sendable (KafkaDeliveryReport) -> Void
    ) throws(KafkaError) {
        let target = ProducerCallbackTarget(logger: logger, onDelivery: onDelivery)
        client = try RDKafkaHandle(
            RD_KAFKA_PRODUCER, properties: configuration.librdkafkaProperties,
            callbackTarget: target
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, reportDelivery)
            if configuration.runsAtIdlePriority { RDKafkaClient.lowerThreadPriority(conf) }
        }
        deliveryTarget = target
        poller = DeliveryPoller(client: client)
    }

    deinit {
        poller.stop()
    }

    /// A handle for sending to `name`; repeated calls return the same handle. `properties` are librdkafka topic
    /// properties (such as `message.timeout.ms`), applied when the handle is first made.
    public func topic(_ name: String, properties: [String: String] = [:]) throws(KafkaError) -> KafkaTopic {
        if let existing = topics.withLock({ $0[name] }) { return existing }
        let created = try KafkaTopic(name: name, client: client, properties: properties)
        return topics.withLock { cache in
            if let existing = cache[name] { return existing }
            cache[name] = created
            return created
        }
    }

    /// Enqueues one message. A full local queue is waited out (deliveries free it), never dropped.
    ///
    /// - Parameters:
    ///   - topic: where to send, from ``topic(_:)``.
    ///   - partition: the partition, or nil to let the partitioner choose by key.
    ///   - key: the key bytes, or nil for no key.
    ///   - value: the value bytes, or nil for a tombstone.
    ///   - headers: record headers.
    ///   - timestamp: the record's timestamp in milliseconds since the epoch, or nil for the send time.
    ///   - context: returned unchanged in this message's ``KafkaDeliveryReport``.
    public func send(
        to topic: KafkaTopic, partition: Int32? = nil, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, headers: [KafkaHeader] = [], timestamp: Int64? = nil,
        context: UInt64 = 0
    ) throws(KafkaError) {
        while true {
            let code = enqueue(
                topic: topic, partition: partition, key: key, value: value, headers: headers,
                timestamp: timestamp, context: context)
            if code.isSuccess { return }
            guard code == .queueFull, poller.isRunning else {
                throw KafkaError(.produce, code: code, message: "topic '\(topic.name)': \(code.description)")
            }
            queueFullWaits.add(1, ordering: .relaxed)
            usleep(200)
        }
    }

    /// Enqueues one message from byte arrays; see ``send(to:partition:key:value:headers:timestamp:context:)``.
    public func send(
        to topic: KafkaTopic, partition: Int32? = nil, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil, context: UInt64 = 0
    ) throws(KafkaError) {
        let result: Result<Void, KafkaError> = withOptionalBytes(key) { keyBytes in
            withOptionalBytes(value) { valueBytes in
                Result { () throws(KafkaError) in
                    try send(
                        to: topic, partition: partition, key: keyBytes, value: valueBytes, headers: headers,
                        timestamp: timestamp, context: context)
                }
            }
        }
        try result.get()
    }

    private func enqueue(
        topic: KafkaTopic, partition: Int32?, key: UnsafeRawBufferPointer?,
        value: UnsafeRawBufferPointer?, headers: [KafkaHeader], timestamp: Int64?,
        context: UInt64
    ) -> KafkaErrorCode {
        var headerList: OpaquePointer? = nil
        if !headers.isEmpty {
            headerList = rd_kafka_headers_new(headers.count)
            for header in headers {
                _ = header.value.withOptionalBytes { bytes in
                    rd_kafka_header_add(headerList, header.name, -1, bytes?.baseAddress, bytes?.count ?? 0)
                }
            }
        }
        return withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 8) { fields in
            var count = 0
            func append(_ type: rd_kafka_vtype_t, _ fill: (inout rd_kafka_vu_t) -> Void) {
                var field = rd_kafka_vu_t()
                field.vtype = type
                fill(&field)
                fields[count] = field
                count += 1
            }
            append(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic.pointer }
            append(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition ?? RD_KAFKA_PARTITION_UA }
            append(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
            append(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = UnsafeMutableRawPointer(bitPattern: UInt(context)) }
            if let value {
                append(RD_KAFKA_VTYPE_VALUE) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value.baseAddress)
                    $0.u.mem.size = value.count
                }
            }
            if let key {
                append(RD_KAFKA_VTYPE_KEY) {
                    $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                    $0.u.mem.size = key.count
                }
            }
            if let timestamp { append(RD_KAFKA_VTYPE_TIMESTAMP) { $0.u.i64 = timestamp } }
            if let headerList { append(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headerList } }
            guard let error = rd_kafka_produceva(client.pointer, fields.baseAddress, count) else {
                return KafkaErrorCode(rawValue: 0)
            }
            // On failure the headers were not taken over by librdkafka.
            if let headerList { rd_kafka_headers_destroy(headerList) }
            let code = KafkaErrorCode(rawValue: rd_kafka_error_code(error).rawValue)
            rd_kafka_error_destroy(error)
            return code
        }
    }

    /// Waits until every enqueued message is delivered or failed, or `timeout` passes.
    public func flush(timeout: Duration = .seconds(30)) throws(KafkaError) {
        let code = rd_kafka_flush(client.pointer, Int32(clamping: timeout.wholeMilliseconds))
        if code != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(
                .timeout, rdError: code,
                context: "flush left \(outstandingMessages) messages undelivered after \(timeout)")
        }
    }

    /// Messages enqueued and not yet delivered or failed (plus other pending librdkafka events).
    public var outstandingMessages: Int {
        Int(rd_kafka_outq_len(client.pointer))
    }

    /// How many times ``send(to:partition:key:value:headers:timestamp:context:)`` waited for a full local queue.
    public var queueFullWaitCount: Int {
        queueFullWaits.load(ordering: .relaxed)
    }

    /// Drops every message not yet delivered (queued and in flight); each gets a delivery report with librdkafka's
    /// purge error. For outputs that must not hold up a shutdown.
    public func purge() {
        rd_kafka_purge(client.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
    }

    /// Flushes what is pending (up to `timeout`) and stops serving delivery reports.
    /// Sending after `close` fails. Safe to call more than once.
    public func close(timeout: Duration = .seconds(30)) throws(KafkaError) {
        defer { poller.stop() }
        try flush(timeout: timeout)
    }
}

/// Serves a producer's delivery reports on a Dispatch queue of its own until stopped.
private final class DeliveryPoller: Sendable {
    private let running = Atomic<Bool>(true)
    private let stopped = DispatchSemaphore(value: 0)

    init(client: RDKafkaHandle) {
        DispatchQueue(label: "sluice.producer.delivery", qos: .userInitiated).async { [self] in
            // `rd_kafka_poll` blocks up to 50 ms, so a stop is noticed within that time.
            while running.load(ordering: .relaxed) {
                rd_kafka_poll(client.pointer, 50)
            }
            stopped.signal()
        }
    }

    var isRunning: Bool { running.load(ordering: .relaxed) }

    /// Stops polling and waits for the loop to end. Safe to call more than once.
    func stop() {
        if running.exchange(false, ordering: .relaxed) {
            stopped.wait()
        }
    }
}

/// What librdkafka's producer callbacks reach through the client's opaque pointer.
private final class ProducerCallbackTarget: RDKafkaCallbackTarget, Sendable {
    let logger: Logger
    let onDelivery: @Sendable (KafkaDeliveryReport) -> Void

    init(logger: Logger, onDelivery: @escaping @Sendable (KafkaDeliveryReport) -> Void) {
        self.logger = logger
        self.onDelivery = onDelivery
    }
}

/// Called by `rd_kafka_poll` on the producer's delivery queue, once per delivered or failed message.
private func reportDelivery(
    _ handle: OpaquePointer?, _ message: UnsafePointer<rd_kafka_message_t>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let message, let opaque else { return }
    let target = Unmanaged<ProducerCallbackTarget>.fromOpaque(opaque).takeUnretainedValue()
    let record = message.pointee
    let context = UInt64(UInt(bitPattern: record._private))
    var error: KafkaError? = nil
    if record.err != RD_KAFKA_RESP_ERR_NO_ERROR {
        let topicName = record.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "?"
        error = KafkaError(.produce, rdError: record.err, context: "delivery to '\(topicName)' [\(record.partition)]")
    }
    target.onDelivery(
        KafkaDeliveryReport(
            context: context, partition: record.partition, offset: error == nil ? record.offset : -1,
            error: error))
}

/// Calls `body` with the bytes of `array`, or with nil when there is no array.
func withOptionalBytes<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let array else { return body(nil) }
    return array.withUnsafeBytes { body($0) }
}

extension Optional where Wrapped == [UInt8] {
    func withOptionalBytes<R>(_ body: (UnsafeRawBufferPointer?) -> R) -> R {
        SluiceKafka.withOptionalBytes(self, body)
    }
}
