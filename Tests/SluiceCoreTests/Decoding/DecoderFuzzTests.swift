import Foundation
import SluiceCore
import Testing

/// Random damage to valid documents: the decoder never crashes or hangs, accepts exactly what
/// `JSONSerialization` accepts as an object (minus the documented leniencies of the latter), and when
/// both accept, reads the same values.
@Suite(.timeLimit(.minutes(2))) struct DecoderFuzzTests {
    static let interestingBytes: [UInt8] =
        Array(#"{}[]",:\/-+.0123456789eEtrufalsn x"#.utf8)
        + [0x00, 0x09, 0x0A, 0x1F, 0x7F, 0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xED, 0xF0, 0xF4, 0xF5, 0xFF]

    struct Tally {
        var bothAccepted = 0
        var bothRejected = 0
        var trailingCommas = 0
        var overwrittenOutOfRange = 0
    }

    /// Compares the decoder's verdict with the reference's for `bytes`, requesting `paths`.
    static func compare(
        _ bytes: [UInt8], paths: [FieldPath], tally: inout Tally, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let reference = Reference.object(bytes)
        let result = decodeSnapshots(bytes, paths: paths)
        let text = String(decoding: bytes, as: UTF8.self).debugDescription
        switch (result, reference) {
        case (.success(let snapshots), let document?):
            tally.bothAccepted += 1
            for (path, snapshot) in zip(paths, snapshots) {
                if let problem = mismatch(snapshot, Reference.value(at: path, in: document)) {
                    Issue.record("path \(path): \(problem)\n\(text)", sourceLocation: sourceLocation)
                }
            }
        case (.success, nil):
            Issue.record("decoder accepted what JSONSerialization rejects: \(text)", sourceLocation: sourceLocation)
        case (.failure(let error), nil):
            tally.bothRejected += 1
            if error.offset < 0 || error.offset > bytes.count {
                Issue.record("offset \(error.offset) outside the payload: \(error)", sourceLocation: sourceLocation)
            }
        case (.failure(let error), _?):
            if isTrailingComma(bytes, error) {
                // JSONSerialization accepts `[1,]` and `{"a":1,}`; RFC 8259 does not.
                tally.trailingCommas += 1
            } else if isOutOfRange(bytes, error) {
                // JSONSerialization (Linux) lets a later duplicate key replace an out-of-range number
                // before it notices; the decoder rejects such a number wherever it is.
                tally.overwrittenOutOfRange += 1
            } else {
                Issue.record(
                    "decoder rejected what JSONSerialization accepts: \(error)\n\(text)",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// Whether `error` points at a `}` or `]` whose previous non-whitespace byte is a comma.
    static func isTrailingComma(_ bytes: [UInt8], _ error: DecodeError) -> Bool {
        guard case .invalidSyntax(let expected) = error.kind, expected == .key || expected == .value,
            error.offset < bytes.count,
            bytes[error.offset] == UInt8(ascii: "}") || bytes[error.offset] == UInt8(ascii: "]")
        else { return false }
        var i = error.offset - 1
        while i >= 0 && [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i -= 1 }
        return i >= 0 && bytes[i] == UInt8(ascii: ",")
    }

    /// Whether `error` is a number out of range and the literal at its offset is indeed infinite for
    /// Swift's `Double(String)`.
    static func isOutOfRange(_ bytes: [UInt8], _ error: DecodeError) -> Bool {
        guard error.kind == .numberOutOfRange else { return false }
        let literal = bytes[error.offset...].prefix { "+-.0123456789eE".utf8.contains($0) }
        return Double(String(decoding: literal, as: UTF8.self))?.isInfinite == true
    }

    @Test func mutatedDocumentsAreJudgedLikeJSONSerialization() {
        var random = RandomJSON(seed: 0xF022_0003)
        var tally = Tally()
        for _ in 0..<600 {
            let model = random.document()
            let original = Array(random.write(model).utf8)
            let paths = Array(Set(model.memberPaths.map { try! FieldPath(components: $0) }).prefix(8))
            for _ in 0..<10 {
                var bytes = original
                for _ in 0..<random.int(1...3) { mutate(&bytes, random: &random) }
                Self.compare(bytes, paths: paths, tally: &tally)
            }
        }
        // The mix must exercise both verdicts, or the comparison proves little.
        #expect(tally.bothAccepted > 300, "\(tally)")
        #expect(tally.bothRejected > 3000, "\(tally)")
    }

    @Test func tokenSoupIsJudgedLikeJSONSerialization() {
        // Whole members, valid and broken, joined by mostly valid separators; and loose tokens.
        let members = [
            #""a":1"#, #""b":[1,2]"#, #""a":{"a":true}"#, #""b":"x""#, #""a":{"b":null,"a":-0.5e-3}"#, #""a":[]"#,
            #""b":{}"#, #""a":"\u00e9\ud83d\ude00""#, #""a":-9223372036854775809"#,
            #""a":"#, #""a"1"#, #"1:2"#, #""a":01"#, #""a":[1,]"#, #""a":{"a":1,}"#, #""a":"\x""#, #""a":1e400"#,
            #""a":-"#, #""a":tru"#, #""a":"\ud800""#, #""a":[[]"#, #""a":{"a"}"#, "\"a\":\"\u{1}\"",
        ]
        let tokens = ["{", "}", "[", "]", ",", ":", #""a""#, "1", "-", "0", "2.5", "e", ".", "true", "null", " ", "\\"]
        var random = RandomJSON(seed: 0x50_0900)
        var tally = Tally()
        let paths = [try! FieldPath(parsing: "a"), try! FieldPath(parsing: "a.a"), try! FieldPath(parsing: "b")]
        for _ in 0..<5000 {
            var text = "{"
            for index in 0..<random.int(0...4) {
                if index > 0 { text += random.chance(0.95) ? "," : tokens.randomElement(using: &random.generator)! }
                text +=
                    random.chance(0.7)
                    ? members[random.int(0...8)] : members.randomElement(using: &random.generator)!
                if random.chance(0.05) { text += tokens.randomElement(using: &random.generator)! }
            }
            text += random.chance(0.95) ? "}" : tokens.randomElement(using: &random.generator)!
            Self.compare(Array(text.utf8), paths: paths, tally: &tally)
        }
        #expect(tally.bothAccepted > 1000, "\(tally)")
        #expect(tally.bothRejected > 1000, "\(tally)")
        #expect(tally.trailingCommas > 0, "\(tally)")
    }

    /// Where the decoder and `JSONSerialization` knowingly disagree: each case pins both sides.
    @Test func documentedDifferencesFromJSONSerialization() {
        let differences: [(text: String, kind: DecodeError.Kind)] = [
            (#"{"a":[1,]}"#, .invalidSyntax(expected: .value)),  // trailing comma in an array
            (#"{"a":1,}"#, .invalidSyntax(expected: .key)),  // trailing comma in an object
            ("\u{FEFF}{}", .notJSON),  // a byte order mark
            (#"{"a":1e400,"a":1}"#, .numberOutOfRange),  // out of range, then replaced by a duplicate key
            (
                "{\"a\":" + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}",
                .tooDeep(limit: 64)
            ),  // JSONSerialization allows 512 levels
        ]
        for (text, kind) in differences {
            #expect(Reference.object(Array(text.utf8)) != nil, "JSONSerialization accepts \(text)")
            #expect(decodeError(text)?.kind == kind, "\(text)")
        }
    }

    @Test func randomBytesNeverCrashTheDecoder() {
        var generator = SeededGenerator(seed: 0xB17E5)
        let decoder = try! EventDecoder(paths: ["a", "b.c"])
        let fields = decoder.makeFields()
        var rejected = 0
        for _ in 0..<5000 {
            var bytes = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            if Bool.random(using: &generator) { bytes.insert(UInt8(ascii: "{"), at: 0) }
            if case .failure = decodeSnapshots(bytes, decoder: decoder, fields: fields) { rejected += 1 }
        }
        #expect(rejected > 4900)
    }

    /// One random edit: replace, insert, delete, duplicate a slice, or cut the tail.
    func mutate(_ bytes: inout [UInt8], random: inout RandomJSON) {
        guard !bytes.isEmpty else {
            bytes.append(Self.interestingBytes.randomElement(using: &random.generator)!)
            return
        }
        let position = random.int(0...(bytes.count - 1))
        let byte =
            random.chance(0.8)
            ? Self.interestingBytes.randomElement(using: &random.generator)!
            : UInt8.random(in: 0...255, using: &random.generator)
        switch random.int(0...5) {
        case 0, 1: bytes[position] = byte
        case 2: bytes.insert(byte, at: position)
        case 3: bytes.remove(at: position)
        case 4:
            let end = min(bytes.count, position + random.int(1...8))
            bytes.insert(contentsOf: bytes[position..<end], at: random.int(0...bytes.count))
        default: bytes.removeLast(random.int(0...min(3, bytes.count - 1)))
        }
    }
}
