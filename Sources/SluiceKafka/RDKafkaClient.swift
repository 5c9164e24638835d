internal import CRDKafka
#if canImport(Glibc)
    import Glibc
#endif
import Logging

/// Creation of librdkafka handles from Sluice's configuration values.
enum RDKafkaClient {
    /// Builds a `rd_kafka_conf_t` from properties; an unknown or invalid one fails with librdkafka's text.
    /// The caller owns the result until it hands it to `rd_kafka_new`.
    static func makeConfiguration(_ properties: [(name: String, value: String)]) throws(KafkaError) -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(.configuration, message: "librdkafka could not allocate a configuration")
        }
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties {
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let text = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                throw KafkaError(.configuration, message: "property '\(name)' = '\(value)': \(text)")
            }
        }
        return conf
    }

    /// Creates a client handle, taking ownership of `conf` (destroyed on failure too).
    static func makeHandle(_ type: rd_kafka_type_t, conf: OpaquePointer) throws(KafkaError) -> OpaquePointer {
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            let text = String(decoding: errorText.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw KafkaError(.client, message: text)
        }
        return handle
    }

    /// Makes every thread the client starts move itself to `SCHED_IDLE` (Linux's idle scheduling class, which any
    /// thread may enter without privileges), through librdkafka's on_thread_start interceptor.
    static func lowerThreadPriority(_ conf: OpaquePointer) {
        rd_kafka_conf_interceptor_add_on_new(conf, "sluice-idle-priority", addThreadStartInterceptor, nil)
    }

    /// Routes librdkafka's log lines and client errors to `logger` instead of stderr.
    /// librdkafka calls these from its own internal threads.
    static func installLogging(_ conf: OpaquePointer) {
        rd_kafka_conf_set_log_cb(conf, forwardLogLine)
        rd_kafka_conf_set_error_cb(conf, forwardClientError)
    }
}

/// The object every librdkafka callback of one client reaches through `rd_kafka_opaque`.
protocol RDKafkaCallbackTarget: AnyObject {
    var logger: Logger { get }
}

/// Called by librdkafka's internal threads for each log line.
private func forwardLogLine(
    _ handle: OpaquePointer?, _ level: Int32, _ facility: UnsafePointer<CChar>?,
    _ text: UnsafePointer<CChar>?
) {
    guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
    let target = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue()
    guard let target = target as? any RDKafkaCallbackTarget else { return }
    let facilityName = facility.map { String(cString: $0) } ?? "-"
    let line = text.map { String(cString: $0) } ?? ""
    // Syslog levels: 0-3 are errors, 4 warnings, 5-6 informational, 7 debug.
    let swiftLevel: Logger.Level =
        switch level {
        case ...3: .error
        case 4: .warning
        case 5...6: .info
        default: .debug
        }
    target.logger.log(level: swiftLevel, "librdkafka \(facilityName): \(line)")
}

/// Called by librdkafka's internal threads for client-level errors (broker down, all brokers down, fatal).
private func forwardClientError(
    _ handle: OpaquePointer?, _ code: Int32, _ reason: UnsafePointer<CChar>?,
    _ opaque: UnsafeMutableRawPointer?
) {
    guard let opaque else { return }
    let target = Unmanaged<AnyObject>.fromOpaque(opaque).takeUnretainedValue()
    guard let target = target as? any RDKafkaCallbackTarget else { return }
    let errorCode = KafkaErrorCode(rawValue: code)
    let text = reason.map { String(cString: $0) } ?? errorCode.description
    // Transport errors are routine while brokers restart; librdkafka retries them itself.
    let level: Logger.Level = errorCode == .fatal ? .error : .info
    target.logger.log(level: level, "librdkafka client error [\(errorCode.name)]: \(text)")
}

/// librdkafka's on_new interceptor: registers the thread-start interceptor on the new client.
private func addThreadStartInterceptor(
    _ client: OpaquePointer?, _ conf: OpaquePointer?, _ opaque: UnsafeMutableRawPointer?,
    _ errorText: UnsafeMutablePointer<CChar>?, _ errorTextSize: Int
) -> rd_kafka_resp_err_t {
    rd_kafka_interceptor_add_on_thread_start(client, "sluice-idle-priority", moveThreadToIdleClass, nil)
}

/// librdkafka's on_thread_start interceptor: runs on the new thread, which moves itself to SCHED_IDLE (5 in
/// Linux's sched.h).
private func moveThreadToIdleClass(
    _ client: OpaquePointer?, _ type: rd_kafka_thread_type_t, _ name: UnsafePointer<CChar>?,
    _ opaque: UnsafeMutableRawPointer?
) -> rd_kafka_resp_err_t {
    #if os(Linux)
        var parameters = sched_param()
        parameters.sched_priority = 0
        _ = pthread_setschedparam(pthread_self(), 5, &parameters)
    #endif
    return RD_KAFKA_RESP_ERR_NO_ERROR
}
