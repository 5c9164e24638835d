internal import CRDKafka
import Logging

/// Owns one `rd_kafka_t` and the object its callbacks reach; destroys the handle when the last
/// owner (a client, or a topic handle made from it) goes away.
final class RDKafkaHandle: @unchecked Sendable {
    // @unchecked: `pointer` is immutable and librdkafka's handle API is thread-safe; the callback
    // target is only read by librdkafka's callbacks.
    let pointer: OpaquePointer
    /// Kept alive until after `rd_kafka_destroy`, which may still call callbacks.
    private let callbackTarget: AnyObject

    /// Creates a handle of `type`, wiring `callbackTarget` as the opaque every callback receives.
    init(
        _ type: rd_kafka_type_t, properties: [(name: String, value: String)], callbackTarget: AnyObject,
        configure: (OpaquePointer) -> Void
    ) throws(KafkaError) {
        let conf = try RDKafkaClient.makeConfiguration(properties)
        RDKafkaClient.installLogging(conf)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbackTarget).toOpaque())
        configure(conf)
        pointer = try RDKafkaClient.makeHandle(type, conf: conf)
        self.callbackTarget = callbackTarget
    }

    deinit {
        rd_kafka_destroy(pointer)
    }
}
