import Foundation
import SluiceCore
import Testing

/// Valid documents, hand-written and generated: every requested path must read what
/// `JSONSerialization` and a plain walk down the keys read.
@Suite struct DecoderCorpusTests {
    static let handWritten: [String] = [
        #"{}"#,
        #"  {"a":1}  "#,
        #"{"event_id":"e000000001","card_id":"card-001234","amount":123.45,"mcc":"5411","country":"US","ts":1700000000000}"#,
        #"{"payload":{"amount":-0.5,"tags":["x","y"],"meta":{"a":{"b":{"c":true}}}},"amount":null}"#,
        #"{"a":{"b":1},"a":{"c":2}}"#,
        #"{"a":{"b":1},"a":3}"#,
        #"{"a":3,"a":{"b":1}}"#,
        #"{"x.y":1,"x":{"y":2}}"#,
        #"{"\u0061mount":7,"\u00e9":"\ud83d\ude00","tab\tkey":"\t"}"#,
        #"{"s":"\"\\\/\b\f\n\r\t\u0000\u001f\u007f\u0080\u07ff\u0800\uffff\ud800\udc00\udbff\udfff"}"#,
        #"{"s":"é中😀\u2028","k":"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"}"#,
        "{\"ws\"\t:\n[ 1 ,\r2 ] , \"t\" : true ,\"f\":false,\"n\":null}",
        #"{"deep":[[[[[[{"a":[{"b":[]}]}]]]]]],"after":"yes"}"#,
        #"{"n1":0,"n2":-0,"n3":0.0,"n4":-0.0,"n6":1e-400,"n7":0e99999,"n8":1E+2,"n9":-9223372036854775808}"#,
    ]

    @Test func handWrittenDocumentsReadAsJSONSerializationReadsThem() {
        for text in Self.handWritten {
            let bytes = Array(text.utf8)
            guard let document = Reference.object(bytes) else {
                Issue.record("reference rejects hand-written document \(text)")
                continue
            }
            let paths = Self.paths(for: document)
            expectMatchesReference(bytes, document: document, paths: paths)
        }
    }

    @Test func generatedDocumentsReadAsJSONSerializationReadsThem() {
        var random = RandomJSON(seed: 0x5EED_0001)
        var checkedValues = 0
        for _ in 0..<2000 {
            let model = random.document()
            let bytes = Array((random.whitespace() + random.write(model) + random.whitespace()).utf8)
            guard let document = Reference.object(bytes) else {
                Issue.record("reference rejects generated document \(String(decoding: bytes, as: UTF8.self))")
                continue
            }
            var paths = Set(model.memberPaths.map { try! FieldPath(components: $0) })
            for path in Array(paths) {
                paths.insert(try! FieldPath(components: path.components + ["missing"]))
                paths.insert(try! FieldPath(components: path.components + ["a"]))
            }
            paths.insert(try! FieldPath(components: ["not_there"]))
            var requested = Array(paths)
            requested.shuffle(using: &random.generator)
            checkedValues += requested.count
            expectMatchesReference(bytes, document: document, paths: requested)
            // Also with only a few requested, so that most of the document is skipped.
            expectMatchesReference(bytes, document: document, paths: Array(requested.prefix(3)))
        }
        #expect(checkedValues > 20_000)
    }

    /// Every member path of `document` through objects, plus some that do not exist.
    static func paths(for document: [String: Any]) -> [FieldPath] {
        func walk(_ object: [String: Any], prefix: [String]) -> [[String]] {
            var result: [[String]] = []
            for (key, value) in object where !key.isEmpty {
                result.append(prefix + [key])
                if let inner = value as? [String: Any] { result += walk(inner, prefix: prefix + [key]) }
            }
            return result
        }
        let existing = walk(document, prefix: [])
        let missing = existing.map { $0 + ["missing"] } + [["missing"]]
        return (existing + missing).map { try! FieldPath(components: $0) }
    }
}

/// Decodes `bytes` requesting `paths` and checks every value against the reference `document`.
func expectMatchesReference(
    _ bytes: [UInt8], document: [String: Any], paths: [FieldPath], sourceLocation: SourceLocation = #_sourceLocation
) {
    switch decodeSnapshots(bytes, paths: paths) {
    case .success(let snapshots):
        for (path, snapshot) in zip(paths, snapshots) {
            if let problem = mismatch(snapshot, Reference.value(at: path, in: document)) {
                Issue.record(
                    "path \(path): \(problem)\n\(String(decoding: bytes, as: UTF8.self))",
                    sourceLocation: sourceLocation)
            }
        }
    case .failure(let error):
        Issue.record(
            "rejected a valid document: \(error)\n\(String(decoding: bytes, as: UTF8.self))",
            sourceLocation: sourceLocation)
    }
}

/// What differs between a decoded value and the reference's value for the same path, or nil.
func mismatch(_ snapshot: Snapshot, _ expected: Any?) -> String? {
    let agrees: Bool
    switch expected {
    case nil: agrees = snapshot == .absent
    case is NSNull: agrees = snapshot == .null
    case let string as String: agrees = snapshot == .string(string)
    case let number as NSNumber where Reference.isBool(number): agrees = snapshot == .bool(number.boolValue)
    case let number as NSNumber: return numberMismatch(snapshot, number)
    case let object as [String: Any]:
        guard case .object(let raw) = snapshot, let reparsed = try? JSONSerialization.jsonObject(with: Data(raw)) else {
            return "expected an object, got \(snapshot)"
        }
        agrees = Canonical(reparsed) == Canonical(object)
    case let array as [Any]:
        guard case .array(let raw) = snapshot, let reparsed = try? JSONSerialization.jsonObject(with: Data(raw)) else {
            return "expected an array, got \(snapshot)"
        }
        agrees = Canonical(reparsed) == Canonical(array)
    default:
        return "unexpected reference value \(String(describing: expected))"
    }
    return agrees ? nil : "decoded \(snapshot), reference \(String(describing: expected!))"
}

/// A number agrees with the references when its Double has the bits Swift's own `Double(String)` gives
/// the literal, its Int64 is Swift's `Int64(String)` of an integer literal, and both agree with what
/// Foundation read (Foundation reads large negative integers as NSDecimalNumber, whose Double and Int64
/// conversions are not exact: only its decimal value is compared then).
func numberMismatch(_ snapshot: Snapshot, _ number: NSNumber) -> String? {
    guard case .number(let double, let int64, let isIntegerLiteral, let literal) = snapshot else {
        return "expected the number \(number), got \(snapshot)"
    }
    let swiftDouble = Double(literal)!
    if double.bitPattern != swiftDouble.bitPattern {
        return "\(literal): \(double) but Double(String) is \(swiftDouble)"
    }
    let isLiteralInteger = !literal.contains(where: { ".eE".contains($0) })
    if isIntegerLiteral != isLiteralInteger { return "\(literal): isIntegerLiteral is \(isIntegerLiteral)" }
    let expectedInt64 = isLiteralInteger ? Int64(literal) : nil
    if int64 != expectedInt64 {
        return "\(literal): int64 \(String(describing: int64)), expected \(String(describing: expectedInt64))"
    }
    if let decimal = number as? NSDecimalNumber {
        return Decimal(string: literal) == decimal.decimalValue ? nil : "\(literal): Foundation read \(decimal)"
    }
    if double != number.doubleValue { return "\(literal): \(double) but Foundation read \(number.doubleValue)" }
    switch String(cString: number.objCType) {
    case "q", "l", "i", "s":
        if int64 != number.int64Value { return "\(literal): int64 \(String(describing: int64)), Foundation \(number)" }
    case "Q", "L":
        if int64 != nil || !isIntegerLiteral { return "\(literal) is beyond Int64 but decoded \(snapshot)" }
    default:
        break
    }
    return nil
}

/// A JSON value from `JSONSerialization` in a form that compares by value (true is not 1).
indirect enum Canonical: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case object([String: Canonical])
    case array([Canonical])

    init(_ value: Any) {
        switch value {
        case is NSNull: self = .null
        case let number as NSNumber:
            self = Reference.isBool(number) ? .bool(number.boolValue) : .number(number.doubleValue)
        case let string as String: self = .string(string)
        case let object as [String: Any]: self = .object(object.mapValues { Canonical($0) })
        case let array as [Any]: self = .array(array.map { Canonical($0) })
        default: fatalError("not a JSONSerialization value: \(value)")
        }
    }
}
