/// One drift alert: a statistic of one feature or score crossed its threshold for enough windows
/// (state `firing`), or came back under it (state `resolved`). Written to the alerts topic as the
/// compact JSON of ``encodeJSON(into:)``.
public struct DriftAlert: Sendable, Hashable {
    /// How far past its thresholds the statistic is; `critical` ranks above `warning`.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        case warning
        case critical

        public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs == .warning && rhs == .critical }
    }

    /// `firing` when the alert is raised (or repeated, or escalated); `resolved` when it clears.
    public enum State: String, Sendable, Hashable, Codable {
        case firing
        case resolved
    }

    /// Whether the subject is an input feature or a model's score distribution.
    public enum Subject: String, Sendable, Hashable, Codable {
        case feature
        case score
    }

    /// Name of the topology that runs the monitor.
    public var topology: String
    /// The model: the one whose feature vector holds the feature, or whose score drifted.
    public var model: String
    public var subject: Subject
    /// Feature name; for a score, `"score"`.
    public var feature: String
    public var statistic: DriftStatistic
    /// The statistic's value in the window that raised or resolved the alert.
    public var value: Double
    /// The threshold of `severity` that `value` is compared with.
    public var threshold: Double
    /// Event time of the window's first event, ms since the Unix epoch.
    public var windowStartMs: Int64
    /// Event time of the window's last event, ms since the Unix epoch.
    public var windowEndMs: Int64
    /// Events in the window.
    public var eventCount: Int
    /// Reference profile name.
    public var referenceName: String
    /// Reference profile fingerprint (``ReferenceProfile/fingerprint``).
    public var referenceFingerprint: String
    public var severity: Severity
    public var state: State

    public init(
        topology: String, model: String, subject: Subject, feature: String, statistic: DriftStatistic,
        value: Double, threshold: Double, windowStartMs: Int64, windowEndMs: Int64, eventCount: Int,
        referenceName: String, referenceFingerprint: String, severity: Severity, state: State
    ) {
        self.topology = topology
        self.model = model
        self.subject = subject
        self.feature = feature
        self.statistic = statistic
        self.value = value
        self.threshold = threshold
        self.windowStartMs = windowStartMs
        self.windowEndMs = windowEndMs
        self.eventCount = eventCount
        self.referenceName = referenceName
        self.referenceFingerprint = referenceFingerprint
        self.severity = severity
        self.state = state
    }
}

extension DriftAlert {
    /// Appends the alert as one compact JSON object (no trailing newline) to `buffer`; call
    /// `buffer.removeAll(keepingCapacity: true)` first to reuse one buffer for every alert.
    ///
    /// Members, in this order: `type` ("drift_alert"), `state`, `severity`, `topology`, `model`,
    /// `subject`, `feature`, `statistic`, `value`, `threshold`, `window_start_ms`, `window_end_ms`,
    /// `event_count`, `reference` (`{"name", "fingerprint"}`). A non-finite number is written as `null`.
    public func encodeJSON(into buffer: inout [UInt8]) {
        var w = JSONWriter(buffer: buffer)
        buffer = []  // hand the storage to the writer without a copy
        w.raw("{\"type\":\"drift_alert\",\"state\":")
        w.string(state.rawValue)
        w.raw(",\"severity\":")
        w.string(severity.rawValue)
        w.raw(",\"topology\":")
        w.string(topology)
        w.raw(",\"model\":")
        w.string(model)
        w.raw(",\"subject\":")
        w.string(subject.rawValue)
        w.raw(",\"feature\":")
        w.string(feature)
        w.raw(",\"statistic\":")
        w.string(statistic.rawValue)
        w.raw(",\"value\":")
        w.number(value)
        w.raw(",\"threshold\":")
        w.number(threshold)
        w.raw(",\"window_start_ms\":")
        w.integer(windowStartMs)
        w.raw(",\"window_end_ms\":")
        w.integer(windowEndMs)
        w.raw(",\"event_count\":")
        w.integer(Int64(eventCount))
        w.raw(",\"reference\":{\"name\":")
        w.string(referenceName)
        w.raw(",\"fingerprint\":")
        w.string(referenceFingerprint)
        w.raw("}}")
        buffer = w.buffer
    }
}

/// Appends JSON tokens to a byte buffer.
struct JSONWriter {
    var buffer: [UInt8]

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { buffer.append(contentsOf: $0) }
    }

    /// A JSON string literal: `"` and `\` escaped, control characters as `\n`-style or `\u00XX`
    /// escapes; everything else (valid UTF-8 by construction of `String`) copied as is.
    mutating func string(_ s: String) {
        buffer.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { bytes in
            for b in bytes {
                switch b {
                case UInt8(ascii: "\""): escape(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): escape(UInt8(ascii: "\\"))
                case 0x0A: escape(UInt8(ascii: "n"))
                case 0x0D: escape(UInt8(ascii: "r"))
                case 0x09: escape(UInt8(ascii: "t"))
                case 0x08: escape(UInt8(ascii: "b"))
                case 0x0C: escape(UInt8(ascii: "f"))
                case 0..<0x20, 0x7F:
                    escape(UInt8(ascii: "u"))
                    buffer.append(UInt8(ascii: "0"))
                    buffer.append(UInt8(ascii: "0"))
                    buffer.append(Self.hexDigits[Int(b >> 4)])
                    buffer.append(Self.hexDigits[Int(b & 0xF)])
                default: buffer.append(b)
                }
            }
        }
        buffer.append(UInt8(ascii: "\""))
    }

    @inline(__always)
    private mutating func escape(_ c: UInt8) {
        buffer.append(UInt8(ascii: "\\"))
        buffer.append(c)
    }

    /// A number in Swift's shortest round-trip form (valid JSON for every finite double), or `null`.
    mutating func number(_ x: Double) {
        guard x.isFinite else {
            raw("null")
            return
        }
        var text = x.description
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }

    mutating func integer(_ x: Int64) {
        var text = String(x)
        text.withUTF8 { buffer.append(contentsOf: $0) }
    }
}
