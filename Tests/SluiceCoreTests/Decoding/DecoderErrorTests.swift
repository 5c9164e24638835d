import Foundation
import SluiceCore
import Testing

/// Every class of malformed input is rejected with its kind and the offset of the offending byte.
@Suite struct DecoderErrorTests {
    /// `text` with `«…»` replaced by raw bytes written as hex pairs: `"a«C3 28»"`.
    static func bytes(_ text: String) -> [UInt8] {
        var result: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "«") {
            result += Array(rest[..<open].utf8)
            let close = rest[open...].firstIndex(of: "»")!
            for pair in rest[rest.index(after: open)..<close].split(separator: " ") {
                result.append(UInt8(pair, radix: 16)!)
            }
            rest = rest[rest.index(after: close)...]
        }
        return result + Array(rest.utf8)
    }

    static func expectError(
        _ text: String, _ kind: DecodeError.Kind, at offset: Int, paths: [String] = [],
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let error = decodeError(bytes(text), paths: paths.map { try! FieldPath(parsing: $0) })
        #expect(
            error?.kind == kind, "\(text.debugDescription): \(String(describing: error))",
            sourceLocation: sourceLocation)
        #expect(
            error?.offset == offset, "\(text.debugDescription): \(String(describing: error))",
            sourceLocation: sourceLocation)
        // Whether or not the broken value is requested, the classification is the same.
        let requestedAll = decodeError(
            bytes(text), paths: [try! FieldPath(parsing: "a"), try! FieldPath(parsing: "p.a")])
        #expect(
            requestedAll?.kind == kind && requestedAll?.offset == offset,
            "requested: \(String(describing: requestedAll))", sourceLocation: sourceLocation)
    }

    @Test func emptyAndWhitespaceOnlyPayloadsAreEmpty() {
        Self.expectError("", .empty, at: 0)
        Self.expectError(" \n\t\r ", .empty, at: 5)
    }

    @Test func payloadsThatCannotStartJSONAreNotJSON() {
        Self.expectError("hello", .notJSON, at: 0)
        Self.expectError("  <xml/>", .notJSON, at: 2)
        Self.expectError("}", .notJSON, at: 0)
        Self.expectError("«EF BB BF»{}", .notJSON, at: 0)  // a byte order mark
        Self.expectError("«00»", .notJSON, at: 0)
    }

    @Test func validJSONThatIsNotAnObjectIsNotAnObject() {
        Self.expectError("[1,2]", .notAnObject, at: 0)
        Self.expectError(#" "a string" "#, .notAnObject, at: 1)
        Self.expectError("42", .notAnObject, at: 0)
        Self.expectError("-1.5e3\n", .notAnObject, at: 0)
        Self.expectError("true", .notAnObject, at: 0)
        Self.expectError("null", .notAnObject, at: 0)
        Self.expectError("[]", .notAnObject, at: 0)
    }

    @Test func malformedNonObjectsReportTheirOwnError() {
        Self.expectError("[1,", .truncated, at: 3)
        Self.expectError(#""abc"#, .truncated, at: 4)
        Self.expectError("[1] x", .trailingData, at: 4)
        Self.expectError("01", .invalidNumber, at: 1)
        Self.expectError("tru", .truncated, at: 3)
        Self.expectError("nul!", .invalidSyntax(expected: .nullLiteral), at: 3)
    }

    @Test func syntaxErrorsNameWhatWasExpected() {
        Self.expectError(#"{"a" 1}"#, .invalidSyntax(expected: .colon), at: 5)
        Self.expectError(#"{"a":1 "b":2}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 7)
        Self.expectError(#"{"a":1,}"#, .invalidSyntax(expected: .key), at: 7)
        Self.expectError(#"{,}"#, .invalidSyntax(expected: .keyOrObjectEnd), at: 1)
        Self.expectError(#"{a:1}"#, .invalidSyntax(expected: .keyOrObjectEnd), at: 1)
        Self.expectError(#"{"a":[1,]}"#, .invalidSyntax(expected: .value), at: 8)
        Self.expectError(#"{"a":[,1]}"#, .invalidSyntax(expected: .valueOrArrayEnd), at: 6)
        Self.expectError(#"{"a":[1 2]}"#, .invalidSyntax(expected: .commaOrArrayEnd), at: 8)
        Self.expectError(#"{"a":{"b":1,}}"#, .invalidSyntax(expected: .key), at: 12)
        Self.expectError(#"{"a":{"b" 1}}"#, .invalidSyntax(expected: .colon), at: 10)
        Self.expectError(#"{"a":{"b":1]}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 11)
        Self.expectError(#"{"a":{1:1}}"#, .invalidSyntax(expected: .keyOrObjectEnd), at: 6)
        Self.expectError(#"{"a":tru}"#, .invalidSyntax(expected: .trueLiteral), at: 8)
        Self.expectError(#"{"a":fals}"#, .invalidSyntax(expected: .falseLiteral), at: 9)
        Self.expectError(#"{"a":nulL}"#, .invalidSyntax(expected: .nullLiteral), at: 8)
        Self.expectError(#"{"a":True}"#, .invalidSyntax(expected: .value), at: 5)
        Self.expectError(#"{"a":'x'}"#, .invalidSyntax(expected: .value), at: 5)
        Self.expectError(#"{"a":NaN}"#, .invalidSyntax(expected: .value), at: 5)
        Self.expectError(#"{"a":.5}"#, .invalidSyntax(expected: .value), at: 5)
        Self.expectError(#"{"a":+1}"#, .invalidSyntax(expected: .value), at: 5)
        Self.expectError(#"{"a":truex}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 9)
        Self.expectError(#"{"a":1x}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 6)
        Self.expectError(#"{"a":1.5.2}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 8)
        Self.expectError(#"{"a":[1,2]]}"#, .invalidSyntax(expected: .commaOrObjectEnd), at: 10)
        Self.expectError("{\"a\":1\u{0}}", .invalidSyntax(expected: .commaOrObjectEnd), at: 6)
    }

    @Test func trailingDataAfterTheObjectIsRejected() {
        Self.expectError(#"{"a":1}}"#, .trailingData, at: 7)
        Self.expectError("{\"a\":1} \n x", .trailingData, at: 10)
        Self.expectError(#"{}{}"#, .trailingData, at: 2)
        Self.expectError("{}«00»", .trailingData, at: 2)
    }

    @Test func numberSyntaxErrorsAreInvalidNumber() {
        Self.expectError(#"{"a":01}"#, .invalidNumber, at: 6)
        Self.expectError(#"{"a":-01}"#, .invalidNumber, at: 7)
        Self.expectError(#"{"a":-}"#, .invalidNumber, at: 6)
        Self.expectError(#"{"a":-x}"#, .invalidNumber, at: 6)
        Self.expectError(#"{"a":1.}"#, .invalidNumber, at: 7)
        Self.expectError(#"{"a":1.e5}"#, .invalidNumber, at: 7)
        Self.expectError(#"{"a":1e}"#, .invalidNumber, at: 7)
        Self.expectError(#"{"a":1e+}"#, .invalidNumber, at: 8)
        Self.expectError(#"{"a":[00]}"#, .invalidNumber, at: 7)
    }

    @Test func numbersBeyondTheDoubleRangeAreOutOfRange() {
        Self.expectError(#"{"a":1e309}"#, .numberOutOfRange, at: 5)
        Self.expectError(#"{"a":-1e400}"#, .numberOutOfRange, at: 5)
        Self.expectError(#"{"a":1.7976931348623159e308}"#, .numberOutOfRange, at: 5)
        Self.expectError(#"{"a":1e99999999999999999999}"#, .numberOutOfRange, at: 5)
        Self.expectError(#"{"b":[1,{"c":0.1e310}]}"#, .numberOutOfRange, at: 13)
        Self.expectError("{\"a\":1" + String(repeating: "0", count: 309) + "}", .numberOutOfRange, at: 5)
        // The largest Double and everything that rounds to zero are in range.
        for literal in [
            "1.7976931348623157e308", "1" + String(repeating: "0", count: 308), "1e-99999", "0e99999",
            "0.0000000001e310",
        ] {
            #expect(decodeError("{\"a\":\(literal)}") == nil, "\(literal)")
            #expect(decodeError("{\"a\":\(literal)}", paths: ["a"]) == nil, "\(literal)")
        }
    }

    @Test func malformedUTF8InStringsIsInvalidUTF8AtTheLeadByte() {
        let cases: [(String, Int)] = [
            (#"{"a":"«C0 AF»"}"#, 6),  // overlong '/'
            (#"{"a":"«C1 BF»"}"#, 6),  // overlong
            (#"{"a":"x«E0 80 80»"}"#, 7),  // overlong 3-byte
            (#"{"a":"«F0 80 80 80»"}"#, 6),  // overlong 4-byte
            (#"{"a":"«ED A0 80»"}"#, 6),  // U+D800 encoded
            (#"{"a":"«ED BF BF»"}"#, 6),  // U+DFFF encoded
            (#"{"a":"«F4 90 80 80»"}"#, 6),  // above U+10FFFF
            (#"{"a":"«F5 80 80 80»"}"#, 6),
            (#"{"a":"«FF»"}"#, 6),
            (#"{"a":"«FE»"}"#, 6),
            (#"{"a":"«80»"}"#, 6),  // a lone continuation byte
            (#"{"a":"abcdefgh«BF»"}"#, 14),
            (#"{"a":"«C3 41»"}"#, 6),  // lead without continuation
            (#"{"a":"«E2 82»"}"#, 6),  // cut short by the closing quote
            (#"{"a":"«F0 9F 98»x"}"#, 6),
            (#"{"«C3»":1}"#, 2),  // in a key
            (#"{"a":["«E2 28 A1»"]}"#, 7),  // in a skipped array
        ]
        for (text, offset) in cases { Self.expectError(text, .invalidUTF8, at: offset) }
    }

    @Test func validUTF8AtTheEdgesIsAccepted() {
        for sequence in [
            "C2 80", "DF BF", "E0 A0 80", "ED 9F BF", "EE 80 80", "EF BF BF", "F0 90 80 80", "F4 8F BF BF",
        ] {
            let bytes = Self.bytes(#"{"a":"«\#(sequence)»"}"#)
            let result = decodeSnapshots(bytes, paths: [try! FieldPath(parsing: "a")])
            let expected = Self.bytes("«\(sequence)»")
            #expect((try? result.get()) == [.string(expected)], "\(sequence)")
            #expect(Reference.object(bytes) != nil, "the reference accepts \(sequence)")
        }
    }

    @Test func rawControlCharactersInStringsAreRejected() {
        Self.expectError("{\"a\":\"x\ny\"}", .controlCharacterInString, at: 7)
        Self.expectError("{\"a\":\"«00»\"}", .controlCharacterInString, at: 6)
        Self.expectError("{\"a\":\"\t\"}", .controlCharacterInString, at: 6)
        Self.expectError("{\"a\":\"0123456789«1F»\"}", .controlCharacterInString, at: 16)
        Self.expectError("{\"k\u{1}\":1}", .controlCharacterInString, at: 3)
        Self.expectError("{\"b\":[\"\r\"]}", .controlCharacterInString, at: 7)
        // DEL (0x7F) is not a control character for JSON.
        #expect(decodeError("{\"a\":\"\u{7F}\"}", paths: ["a"]) == nil)
    }

    @Test func undefinedEscapesAndLoneSurrogatesAreInvalidEscapes() {
        let cases: [(String, Int)] = [
            (#"{"a":"\x"}"#, 6),
            (#"{"a":"ab\'"}"#, 8),
            (#"{"a":"\U0041"}"#, 6),
            (#"{"a":"\u12G4"}"#, 6),
            (#"{"a":"\u123"}"#, 6),
            (#"{"a":"\ud800"}"#, 6),  // a lone high surrogate
            (#"{"a":"\ud800x"}"#, 6),
            (#"{"a":"\udc00"}"#, 6),  // a lone low surrogate
            (#"{"a":"\udfff\ud800"}"#, 6),  // the halves in the wrong order
            (#"{"a":"\ud800\u0041"}"#, 6),  // high followed by a non-surrogate
            (#"{"a":"\ud800\ud800"}"#, 6),  // high followed by high
            (#"{"a":"\ud800\n"}"#, 6),
            (#"{"a":"\ud800\udbzz"}"#, 12),
            (#"{"\q":1}"#, 2),
            (#"{"b":["\ud83d"]}"#, 7),
        ]
        for (text, offset) in cases { Self.expectError(text, .invalidEscape, at: offset) }
    }

    @Test func nestingBeyondTheLimitIsTooDeep() {
        func nested(_ depth: Int) -> String {
            // The top-level object is depth 1; arrays make up the rest.
            "{\"a\":" + String(repeating: "[", count: depth - 1) + String(repeating: "]", count: depth - 1) + "}"
        }
        #expect(decodeError(nested(64)) == nil)
        #expect(decodeError(nested(64), paths: ["a"]) == nil)
        Self.expectError(nested(65), .tooDeep(limit: 64), at: 5 + 63)
        Self.expectError(nested(10_000), .tooDeep(limit: 64), at: 5 + 63)

        // Through requested objects, too.
        let path = Array(repeating: "a", count: 70).joined(separator: ".")
        func objects(_ depth: Int) -> String {
            String(repeating: "{\"a\":", count: depth) + "1" + String(repeating: "}", count: depth)
        }
        #expect(decodeError(objects(64), paths: [path]) == nil)
        Self.expectError(objects(65), .tooDeep(limit: 64), at: 5 * 64, paths: [path])

        let shallow = EventDecoder.Limits(maxDepth: 1)
        #expect(decodeError(Array(#"{"a":1}"#.utf8), limits: shallow) == nil)
        #expect(decodeError(Array(#"{"a":[]}"#.utf8), limits: shallow)?.kind == .tooDeep(limit: 1))
        #expect(
            decodeError(Array(#"{"a":{}}"#.utf8), paths: [try! FieldPath(parsing: "a.b")], limits: shallow)?.kind
                == .tooDeep(limit: 1))
    }

    @Test func payloadsBeyondTheSizeLimitAreTooLargeBeforeScanning() {
        let limit = 1 << 20
        // Exactly at the limit: accepted.
        let atLimit = Array(("{\"a\":\"" + String(repeating: "x", count: limit - 8) + "\"}").utf8)
        #expect(atLimit.count == limit)
        let decoded = decodeSnapshots(atLimit, paths: [try! FieldPath(parsing: "a")])
        #expect((try? decoded.get())?.first == .string(String(repeating: "x", count: limit - 8)))

        // 10 MB: rejected by size alone, even though it is not even JSON.
        let tenMegabytes = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000)
        let error = decodeError(tenMegabytes)
        #expect(error?.kind == .tooLarge(limit: limit))
        #expect(error?.offset == limit)

        // A valid 10 MB document with a larger limit given by the caller.
        var big = Array(#"{"filler":["#.utf8)
        while big.count < 10_000_000 { big += Array(#""0123456789abcdef0123456789abcdef","#.utf8) }
        big += Array(#""end"],"tail":{"amount":12.5}}"#.utf8)
        #expect(decodeError(big)?.kind == .tooLarge(limit: limit))
        let roomy = EventDecoder.Limits(maxPayloadBytes: 16_000_000)
        let result = decodeSnapshots(big, paths: [try! FieldPath(parsing: "tail.amount")], limits: roomy)
        #expect((try? result.get())?.first?.double == 12.5)
    }

    @Test func everyPrefixOfAValidDocumentIsTruncated() {
        var documents = DecoderCorpusTests.handWritten.map { Array($0.trimmingCharacters(in: .whitespaces).utf8) }
        var random = RandomJSON(seed: 0x7E57_0002)
        for _ in 0..<40 { documents.append(Array(random.write(random.document()).utf8)) }
        for document in documents {
            let paths = Reference.object(document).map { DecoderCorpusTests.paths(for: $0) } ?? []
            let decoder = EventDecoder(paths: paths)
            let fields = decoder.makeFields()
            #expect(decodeError(document, paths: paths) == nil)
            for length in 1..<document.count {
                let prefix = Array(document[..<length])
                guard case .failure(let error) = decodeSnapshots(prefix, decoder: decoder, fields: fields) else {
                    Issue.record("accepted a prefix of \(length) bytes: \(String(decoding: prefix, as: UTF8.self))")
                    continue
                }
                if error.kind != .truncated || error.offset != length {
                    Issue.record("prefix of \(length) bytes: \(error)\n\(String(decoding: prefix, as: UTF8.self))")
                }
                for index in 0..<fields.count where fields.isPresent(at: index) {
                    Issue.record("field \(index) present after a failed decode")
                }
            }
        }
    }

    @Test func cutOffStringsEscapesAndSequencesAreTruncated() {
        Self.expectError(#"{"a":"\u00"#, .truncated, at: 10)
        Self.expectError(#"{"a":"\ud83d\ude0"#, .truncated, at: 17)
        Self.expectError(#"{"a":"\ud83d"#, .truncated, at: 12)
        Self.expectError(#"{"a":"\ud83d\"#, .truncated, at: 13)
        Self.expectError(#"{"a":"\"#, .truncated, at: 7)
        Self.expectError(#"{"a":"«F0 9F 98»"#, .truncated, at: 9)
        Self.expectError(#"{"a":-"#, .truncated, at: 6)
        Self.expectError(#"{"a":1.5e-"#, .truncated, at: 10)
        Self.expectError(#"{"a":1.5"#, .truncated, at: 8)
        Self.expectError(#"{"a":fa"#, .truncated, at: 7)
        Self.expectError(#"{"a":[{"#, .truncated, at: 7)
        Self.expectError(#"{"a" "#, .truncated, at: 5)
    }

    @Test func errorsInsideARequestedValueNameTheField() {
        let decoder = try! EventDecoder(paths: ["amount", "payload.card", "payload"])
        func error(_ text: String) -> DecodeError? {
            decodeError(Array(text.utf8), paths: decoder.paths)
        }
        #expect(error(#"{"amount":01}"#)?.field == decoder.paths[0])
        #expect(error(#"{"payload":{"card":"\x"}}"#)?.field == decoder.paths[1])
        #expect(error(#"{"payload":{"other":"\x"}}"#)?.field == decoder.paths[2])
        #expect(error(#"{"payload":{"card":"ok"},"amount":1,"other":"\x"}"#)?.field == nil)
        #expect(error(#"{"amount":1 "#)?.field == nil)
        #expect(error(#"{"payload":[1,}"#)?.field == decoder.paths[2])

        let described = error(#"{"payload":{"card":"\x"}}"#)!
        #expect(described.description.contains("payload.card"))
        #expect(described.description.contains("byte 20"))
        #expect(described.code == "invalid_escape")
        let syntax = decodeError(#"{"a":1 "b":2}"#)!
        #expect(syntax.description.contains("',' or '}'"))
        #expect(syntax.description.contains("byte 7"))
    }

    @Test func errorKindsHaveStableCodes() {
        let codes: [(DecodeError.Kind, String)] = [
            (.empty, "empty"), (.notJSON, "not_json"), (.notAnObject, "not_an_object"), (.truncated, "truncated"),
            (.invalidSyntax(expected: .colon), "invalid_syntax"), (.invalidUTF8, "invalid_utf8"),
            (.controlCharacterInString, "control_character_in_string"), (.invalidEscape, "invalid_escape"),
            (.invalidNumber, "invalid_number"), (.numberOutOfRange, "number_out_of_range"),
            (.tooDeep(limit: 3), "too_deep"), (.tooLarge(limit: 3), "too_large"), (.trailingData, "trailing_data"),
        ]
        for (kind, code) in codes {
            let error = DecodeError(kind: kind, offset: 12)
            #expect(error.code == code)
            #expect(!error.description.isEmpty)
        }
    }
}
