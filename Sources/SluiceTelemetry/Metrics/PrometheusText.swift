/// Pieces of the Prometheus text exposition format, version 0.0.4: names, label pairs, values, HELP and
/// TYPE lines. Everything here writes UTF-8 bytes into a caller's buffer.
enum PrometheusText {
    /// The `Content-Type` of a rendered registry.
    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// A metric name with every character outside `[a-zA-Z0-9_:]` (and a leading digit) replaced by `_`,
    /// so that names coming through swift-metrics (`http.requests`) still make a valid exposition.
    static func sanitizedMetricName(_ name: String) -> String {
        sanitized(name, allowsColon: true)
    }

    /// A label name with every character outside `[a-zA-Z0-9_]` (and a leading digit) replaced by `_`.
    static func sanitizedLabelName(_ name: String) -> String {
        sanitized(name, allowsColon: false)
    }

    private static func sanitized(_ name: String, allowsColon: Bool) -> String {
        if name.isEmpty { return "_" }
        var bytes = Array(name.utf8)
        var changed = false
        for index in bytes.indices {
            let byte = bytes[index]
            let isLetter = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
            let isDigit = byte >= 0x30 && byte <= 0x39
            let isAllowed = isLetter || (isDigit && index > 0) || (allowsColon && byte == 0x3A)
            if !isAllowed {
                bytes[index] = 0x5F
                changed = true
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : name
    }

    /// `name{a="x",b="y"}` followed by a space (or `name ` without labels), the prefix of a sample line.
    /// `extra` is appended as the last label (a histogram bucket's `le`).
    static func seriesPrefix(name: String, suffix: String = "", labels: [LabelPair], extra: LabelPair? = nil)
        -> [UInt8]
    {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count + 32)
        bytes.append(contentsOf: name.utf8)
        bytes.append(contentsOf: suffix.utf8)
        if !labels.isEmpty || extra != nil {
            bytes.append(UInt8(ascii: "{"))
            var isFirst = true
            for pair in labels + (extra.map { [$0] } ?? []) {
                if !isFirst { bytes.append(UInt8(ascii: ",")) }
                isFirst = false
                bytes.append(contentsOf: pair.name.utf8)
                bytes.append(contentsOf: "=\"".utf8)
                appendEscapedLabelValue(pair.value, to: &bytes)
                bytes.append(UInt8(ascii: "\""))
            }
            bytes.append(UInt8(ascii: "}"))
        }
        bytes.append(UInt8(ascii: " "))
        return bytes
    }

    /// A label value with backslash, double quote and line feed escaped, as the format requires.
    static func appendEscapedLabelValue(_ value: String, to bytes: inout [UInt8]) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
            default: bytes.append(byte)
            }
        }
    }

    /// `# HELP name text` (backslash and line feed escaped) and `# TYPE name type`.
    static func appendHeader(name: String, help: String, type: MetricType, to bytes: inout [UInt8]) {
        if !help.isEmpty {
            bytes.append(contentsOf: "# HELP ".utf8)
            bytes.append(contentsOf: name.utf8)
            bytes.append(UInt8(ascii: " "))
            for byte in help.utf8 {
                switch byte {
                case UInt8(ascii: "\\"): bytes.append(contentsOf: #"\\"#.utf8)
                case UInt8(ascii: "\n"): bytes.append(contentsOf: #"\n"#.utf8)
                default: bytes.append(byte)
                }
            }
            bytes.append(UInt8(ascii: "\n"))
        }
        bytes.append(contentsOf: "# TYPE ".utf8)
        bytes.append(contentsOf: name.utf8)
        bytes.append(UInt8(ascii: " "))
        bytes.append(contentsOf: type.rawValue.utf8)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A whole sample line: the prerendered prefix, the value, a line feed.
    static func appendSample(prefix: [UInt8], value: Double, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: prefix)
        appendValue(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A sample line with an integer value, written without going through `Double`.
    static func appendSample(prefix: [UInt8], value: Int, to bytes: inout [UInt8]) {
        bytes.append(contentsOf: prefix)
        appendInteger(value, to: &bytes)
        bytes.append(UInt8(ascii: "\n"))
    }

    /// A value as the format spells it: integers without a fraction, `+Inf`, `-Inf`, `NaN`, otherwise the
    /// shortest decimal that reads back to the same `Double` (`2.5e-06`, `0.25`).
    static func appendValue(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value > 0 ? "+Inf" : "-Inf").utf8)
        } else if value == value.rounded(), abs(value) < 1e15 {
            appendInteger(Int(value), to: &bytes)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    static func appendInteger(_ value: Int, to bytes: inout [UInt8]) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for the 20 digits of UInt64.max
        let count = withUnsafeMutableBytes(of: &digits) { raw -> Int in
            var index = raw.count
            while magnitude > 0 {
                index -= 1
                raw[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            }
            return raw.count - index
        }
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        withUnsafeBytes(of: &digits) { raw in
            bytes.append(contentsOf: raw[(raw.count - count)...])
        }
    }

    /// How a bucket's upper bound appears in its `le` label.
    static func boundText(_ bound: Double) -> String {
        var bytes: [UInt8] = []
        appendValue(bound, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// One label: its name and its value.
public struct LabelPair: Hashable, Sendable {
    /// The label's name, `[a-zA-Z_][a-zA-Z0-9_]*`.
    public var name: String
    /// The label's value: any UTF-8 text.
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// The four Prometheus metric types this registry writes (`untyped` is for collectors that cannot say).
public enum MetricType: String, Sendable {
    case counter
    case gauge
    case histogram
    case untyped
}
