import Foundation
import SluiceCore

/// A seeded generator (SplitMix64), so that every random corpus is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A decoded value copied out of ``DecodedFields``, so that it outlives the payload.
enum Snapshot: Equatable, CustomStringConvertible {
    case absent
    case null
    case bool(Bool)
    case number(double: Double, int64: Int64?, isIntegerLiteral: Bool, literal: String)
    case string([UInt8])
    case object([UInt8])
    case array([UInt8])

    init(_ value: DecodedValue) {
        switch value {
        case .absent: self = .absent
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number):
            self = .number(
                double: number.double, int64: number.int64, isIntegerLiteral: number.isIntegerLiteral,
                literal: String(decoding: number.literal, as: UTF8.self))
        case .string(let bytes): self = .string(Array(bytes))
        case .object(let bytes): self = .object(Array(bytes))
        case .array(let bytes): self = .array(Array(bytes))
        }
    }

    static func string(_ text: String) -> Snapshot { .string(Array(text.utf8)) }

    var description: String {
        switch self {
        case .absent: return "absent"
        case .null: return "null"
        case .bool(let flag): return "bool(\(flag))"
        case .number(let double, let int64, let isInteger, let literal):
            return
                "number(\(literal): double \(double), int64 \(int64.map(String.init) ?? "nil"), integer \(isInteger))"
        case .string(let bytes): return "string(\(String(decoding: bytes, as: UTF8.self).debugDescription))"
        case .object(let bytes): return "object(\(String(decoding: bytes, as: UTF8.self)))"
        case .array(let bytes): return "array(\(String(decoding: bytes, as: UTF8.self)))"
        }
    }

    /// The double of a number, else nil.
    var double: Double? {
        if case .number(let double, _, _, _) = self { return double }
        return nil
    }
}

/// Decodes `bytes` with a fresh decoder for `paths` and copies the results out.
func decodeSnapshots(
    _ bytes: [UInt8], paths: [FieldPath], limits: EventDecoder.Limits = EventDecoder.Limits()
) -> Result<[Snapshot], DecodeError> {
    let decoder = EventDecoder(paths: paths, limits: limits)
    return decodeSnapshots(bytes, decoder: decoder, fields: decoder.makeFields())
}

/// Decodes `bytes` with `decoder` into `fields` and copies the results out.
func decodeSnapshots(_ bytes: [UInt8], decoder: EventDecoder, fields: DecodedFields) -> Result<[Snapshot], DecodeError>
{
    bytes.withUnsafeBytes { buffer in
        do throws(DecodeError) {
            try decoder.decode(buffer, into: fields)
            return .success((0..<fields.count).map { Snapshot(fields[$0]) })
        } catch {
            return .failure(error)
        }
    }
}

/// Decodes text with paths written as text.
func decodeSnapshots(_ text: String, paths: [String]) -> Result<[Snapshot], DecodeError> {
    decodeSnapshots(Array(text.utf8), paths: paths.map { try! FieldPath(parsing: $0) })
}

/// The error of decoding `bytes` (no paths requested), or nil when it decodes.
func decodeError(_ bytes: [UInt8], paths: [FieldPath] = [], limits: EventDecoder.Limits = EventDecoder.Limits())
    -> DecodeError?
{
    if case .failure(let error) = decodeSnapshots(bytes, paths: paths, limits: limits) { return error }
    return nil
}

func decodeError(_ text: String, paths: [String] = []) -> DecodeError? {
    decodeError(Array(text.utf8), paths: paths.map { try! FieldPath(parsing: $0) })
}

/// The independent reference: Foundation's `JSONSerialization` and a plain walk down the keys.
enum Reference {
    /// The parsed document when `JSONSerialization` accepts it as a top-level object, else nil.
    static func object(_ bytes: [UInt8]) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [])) as? [String: Any]
    }

    /// What `path` holds in `document`, walking the keys one object at a time.
    static func value(at path: FieldPath, in document: [String: Any]) -> Any? {
        var current: Any = document
        for component in path.components {
            guard let object = current as? [String: Any], let next = object[component] else { return nil }
            current = next
        }
        return current
    }

    static func isBool(_ number: NSNumber) -> Bool {
        // JSONSerialization makes true and false the only char-typed numbers.
        String(cString: number.objCType) == "c"
    }
}
