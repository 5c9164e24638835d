import Foundation
import SluiceCore

/// One line of an envelope replay file: the Kafka record around an event. Parsed with Foundation (replay
/// is offline; the streaming path never sees envelopes).
struct ReplayEnvelope {
    var key: [UInt8]?
    var value: [UInt8]?
    var timestamp: Int64?
    var partition: Int32

    init(_ line: [UInt8], lineNumber: Int) throws {
        guard let object = try? JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed]),
            let fields = object as? [String: Any]
        else {
            throw ReplayError(
                "line \(lineNumber): an envelope must be a JSON object with 'value' (and optionally "
                    + "'key', 'timestamp', 'partition')")
        }
        func bytes(_ name: String) throws -> [UInt8]? {
            switch fields[name] {
            case nil, is NSNull: return nil
            case let text as String: return Array(text.utf8)
            case let nested?:
                guard JSONSerialization.isValidJSONObject(nested) else {
                    throw ReplayError("line \(lineNumber): '\(name)' must be a string, an object or null")
                }
                return Array(try JSONSerialization.data(withJSONObject: nested, options: [.withoutEscapingSlashes]))
            }
        }
        key = try bytes("key")
        value = try bytes("value")
        timestamp = (fields["timestamp"] as? NSNumber)?.int64Value
        partition = (fields["partition"] as? NSNumber)?.int32Value ?? 0
    }

    func withRecord(source: SourcePosition, _ body: (InputRecord) throws -> Void) throws {
        try withOptional(key) { key in
            try withOptional(value) { value in
                try body(InputRecord(key: key, value: value, timestamp: timestamp, source: source))
            }
        }
    }

    private func withOptional(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> Void) throws {
        guard let bytes else { return try body(nil) }
        try bytes.withUnsafeBytes { try body($0) }
    }
}
