/// Where side outputs (shadow records, drift alerts) go. Unlike lane outputs they are not tied to input
/// offsets: a shadow or the monitor can never hold back the primary path's commits. Thread-safe.
public protocol RecordWriter: Sendable {
    /// Writes one record to the sink with role `sink` (`shadow`, `alerts`).
    func write(sink: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer)
}
