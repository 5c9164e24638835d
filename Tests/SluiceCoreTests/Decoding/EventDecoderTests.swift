import SluiceCore
import Testing

/// The decoder's contract beyond plain values: duplicate keys, repeated paths, paths through
/// non-objects, borrowed views, and reuse of one set of fields across events.
@Suite struct EventDecoderTests {
    static func values(_ text: String, _ paths: [String]) -> [Snapshot] {
        switch decodeSnapshots(text, paths: paths) {
        case .success(let values): return values
        case .failure(let error):
            Issue.record("\(error)")
            return []
        }
    }

    @Test func theLastOfDuplicateKeysWins() {
        #expect(Self.values(#"{"a":1,"a":"two"}"#, ["a"]) == [.string("two")])
        #expect(
            Self.values(#"{"p":{"x":1},"p":{"y":2}}"#, ["p.x", "p.y"]).map(\.description) == [
                "absent", Snapshot.number(double: 2, int64: 2, isIntegerLiteral: true, literal: "2").description,
            ])
        #expect(Self.values(#"{"p":{"x":1},"p":5}"#, ["p.x"]) == [.absent])
        #expect(Self.values(#"{"p":5,"p":{"x":true}}"#, ["p.x"]) == [.bool(true)])
        #expect(Self.values(#"{"p":{"q":{"r":1}},"p":{"q":null}}"#, ["p.q.r", "p.q"]) == [.absent, .null])
    }

    @Test func aPathListedTwiceFillsBothIndices() {
        #expect(
            Self.values(#"{"a":{"b":"x"}}"#, ["a.b", "a", "a.b"]) == [
                .string("x"), .object(Array(#"{"b":"x"}"#.utf8)), .string("x"),
            ])
    }

    @Test func pathsThroughNonObjectsAreAbsent() {
        #expect(
            Self.values(#"{"a":1,"b":[{"c":1}],"d":"x","e":null}"#, ["a.x", "b.c", "d.x", "e.x", "zz"]) == [
                .absent, .absent, .absent, .absent, .absent,
            ])
    }

    @Test func compositesAreReportedWithTheirRawText() {
        #expect(
            Self.values(#"{"o": {"k" : [1, 2]} ,"l":[ {} ]}"#, ["o", "l", "o.k"]) == [
                .object(Array(#"{"k" : [1, 2]}"#.utf8)), .array(Array("[ {} ]".utf8)), .array(Array("[1, 2]".utf8)),
            ])
    }

    @Test func keysAreMatchedAfterUnescaping() {
        #expect(
            Self.values(#"{"\u0061mount":1.5,"x\/y":true,"\ud83d\ude00":null}"#, ["amount", "x/y", "😀"]) == [
                .number(double: 1.5, int64: nil, isIntegerLiteral: false, literal: "1.5"), .bool(true), .null,
            ])
        // A key that differs only after the eighth byte, or only in length, is another key.
        #expect(
            Self.values(
                #"{"long_key_name_exceeding_eighT":1,"long_key_name_exceeding_eight":"x","long_key":2}"#,
                ["long_key_name_exceeding_eight", "long_key_na"]) == [.string("x"), .absent])
    }

    @Test func keysInAnyOrderAreFound() {
        let decoder = try! EventDecoder(paths: ["a", "b", "c", "d"])
        let fields = decoder.makeFields()
        let orders = [
            #"{"a":1,"b":2,"c":3,"d":4}"#, #"{"d":4,"c":3,"b":2,"a":1}"#, #"{"c":3,"a":1,"d":4,"b":2}"#,
            #"{"b":2,"x":0,"d":4,"a":1,"c":3}"#,
        ]
        for text in orders {
            let result = decodeSnapshots(Array(text.utf8), decoder: decoder, fields: fields)
            #expect((try? result.get())?.map(\.double) == [1, 2, 3, 4], "\(text)")
        }
    }

    @Test func stringsWithoutEscapesPointIntoThePayload() throws {
        let decoder = try EventDecoder(paths: ["plain", "escaped"])
        let fields = decoder.makeFields()
        let bytes = Array(#"{"plain":"card-001234","escaped":"a\nb\u00e9"}"#.utf8)
        try bytes.withUnsafeBytes { buffer in
            try decoder.decode(buffer, into: fields)
            let plain = fields.stringBytes(at: 0)!
            #expect(plain.baseAddress == buffer.baseAddress! + 10)
            #expect(Array(plain) == Array("card-001234".utf8))
            let escaped = fields.stringBytes(at: 1)!
            #expect(!(buffer.baseAddress!..<buffer.baseAddress! + buffer.count).contains(escaped.baseAddress!))
            #expect(fields.string(at: 1) == "a\nbé")
        }
    }

    @Test func oneSetOfFieldsServesEventsOfAnySize() {
        let decoder = try! EventDecoder(paths: ["s", "n"])
        let fields = decoder.makeFields()
        var generator = SeededGenerator(seed: 42)
        for round in 0..<200 {
            let length = Int.random(in: 0...(round % 10 == 0 ? 5000 : 50), using: &generator)
            let text = String(repeating: "\\u00e9", count: length)
            let expected = String(repeating: "é", count: length)
            let result = decodeSnapshots(
                Array("{\"s\":\"\(text)\",\"n\":\(round)}".utf8), decoder: decoder, fields: fields)
            #expect(
                (try? result.get()) == [
                    .string(expected),
                    .number(double: Double(round), int64: Int64(round), isIntegerLiteral: true, literal: String(round)),
                ])
        }
    }

    @Test func readersAgreeWithTheValue() throws {
        let decoder = try EventDecoder(paths: ["d", "i", "s", "t", "z", "m", "o"])
        let fields = decoder.makeFields()
        let bytes = Array(#"{"d":2.5,"i":-7,"s":"x","t":true,"z":null,"o":{}}"#.utf8)
        try bytes.withUnsafeBytes { buffer in try decoder.decode(buffer, into: fields) }
        #expect(fields.double(at: 0) == 2.5 && fields.int64(at: 0) == nil)
        #expect(fields.double(at: 1) == -7 && fields.int64(at: 1) == -7)
        #expect(fields.string(at: 2) == "x" && fields.double(at: 2) == nil)
        #expect(fields.bool(at: 3) == true && fields.kind(at: 3) == .bool)
        #expect(fields.kind(at: 4) == .null && fields.isPresent(at: 4) && fields.bool(at: 4) == nil)
        #expect(fields.kind(at: 5) == .absent && !fields.isPresent(at: 5))
        #expect(fields.kind(at: 6) == .object && fields[6].kind == .object)
        #expect(decoder.index(of: try FieldPath(parsing: "s")) == 2)
    }

    @Test func aDecoderWithoutPathsStillValidates() {
        let decoder = EventDecoder(paths: [FieldPath]())
        let fields = decoder.makeFields()
        #expect(fields.count == 0)
        #expect(
            (try? decodeSnapshots(Array(#"{"a":[1,{"b":"c"}]}"#.utf8), decoder: decoder, fields: fields).get()) == [])
        #expect(decodeError(#"{"a":[1,{"b":"c"]}"#)?.kind == .invalidSyntax(expected: .commaOrObjectEnd))
    }
}

@Suite struct EventDecoderMisuseTests {
    @Test func fieldsFromAnotherDecoderAreRefused() async {
        await #expect(processExitsWith: .failure) {
            let first = try! EventDecoder(paths: ["a"])
            let second = try! EventDecoder(paths: ["a"])
            let fields = first.makeFields()
            _ = try? Array("{}".utf8).withUnsafeBytes { try second.decode($0, into: fields) }
        }
    }
}
