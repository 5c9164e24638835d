/// A streaming change detector: it sees one value at a time and says whether the stream has
/// changed. The detectors reproduce River 0.26.1 (`river.drift`) position for position.
///
/// As in River, a detector that reported drift resets itself at the next update, so a report
/// covers exactly one update.
public protocol ChangeDetector: Sendable {
    /// Feeds one value and updates ``isDriftDetected``.
    mutating func update(_ value: Double)
    /// Whether drift was detected by the last update.
    var isDriftDetected: Bool { get }
    /// Returns the detector to its initial state.
    mutating func reset()
}
