import Foundation
import SluiceCore
import Testing

/// Writer output read back by `JSONSerialization` (and by the decoder) gives the values written.
@Suite struct JSONWriterTests {
    static func parsed(_ writer: JSONWriter) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
    }

    static func text(_ writer: JSONWriter) -> String { String(decoding: writer.bytes, as: UTF8.self) }

    @Test func stringsRoundTripThroughJSONSerialization() {
        var generator = SeededGenerator(seed: 0x57_2140)
        let writer = JSONWriter(capacity: 16)
        var samples = [
            "", "plain", "quote\" backslash\\ slash/", "\u{0}\u{1}\u{8}\u{9}\u{A}\u{B}\u{C}\u{D}\u{1F}\u{7F}",
            "é中😀\u{2028}\u{FFFF}\u{10FFFF}", String(repeating: "long ", count: 500),
        ]
        func randomScalar() -> Unicode.Scalar {
            switch Int.random(in: 0...3, using: &generator) {
            case 0: return Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &generator))
            case 1: return Unicode.Scalar(UInt32.random(in: 0x80...0xD7FF, using: &generator))!
            case 2: return Unicode.Scalar(UInt32.random(in: 0xE000...0x10FFFF, using: &generator)) ?? "x"
            default: return Unicode.Scalar(UInt8.random(in: 0...0x20, using: &generator))
            }
        }
        for _ in 0..<2000 {
            var sample = ""
            for _ in 0..<Int.random(in: 0...40, using: &generator) { sample.unicodeScalars.append(randomScalar()) }
            samples.append(sample)
        }
        for sample in samples {
            writer.reset()
            writer.string(sample)
            #expect(Self.parsed(writer) as? String == sample, "\(sample.debugDescription) -> \(Self.text(writer))")
        }
    }

    @Test func controlCharactersUseShortOrUnicodeEscapes() {
        let writer = JSONWriter()
        writer.string("\u{8}\u{9}\u{A}\u{C}\u{D}\u{0}\u{1F}\"\\/é")
        #expect(Self.text(writer) == #""\b\t\n\f\r\u0000\u001f\"\\/é""#)
    }

    @Test func invalidUTF8BytesBecomeReplacementCharacters() {
        let writer = JSONWriter()
        let bytes: [UInt8] = [0x61, 0xC0, 0xAF, 0x62, 0xED, 0xA0, 0x80, 0xE2, 0x82, 0xAC, 0xF0, 0x9F, 0x98]
        bytes.withUnsafeBytes { writer.string(utf8: $0) }
        #expect(Self.parsed(writer) as? String == "a\u{FFFD}\u{FFFD}b\u{FFFD}\u{FFFD}\u{FFFD}€\u{FFFD}\u{FFFD}\u{FFFD}")
    }

    @Test func doublesAreShortestAndReadBackExactly() {
        var generator = SeededGenerator(seed: 0xD0_0B1E_2)
        let writer = JSONWriter()
        var values: [Double] = [
            0, -0.0, 0.1, 123.45, 1e-5, 1e16, .leastNonzeroMagnitude, .greatestFiniteMagnitude, -.leastNormalMagnitude,
            0.30000000000000004, 100, -1,
        ]
        for _ in 0..<3000 { values.append(Double(bitPattern: UInt64.random(in: 0...UInt64.max, using: &generator))) }
        for value in values where value.isFinite {
            writer.reset()
            writer.double(value)
            #expect(Self.text(writer) == value.description, "\(value)")
            #expect(Double(Self.text(writer))?.bitPattern == value.bitPattern, "\(Self.text(writer))")
            // Valid JSON for Foundation too (whose own reading of long decimals is not exact on Linux).
            #expect(Self.parsed(writer) is NSNumber, "\(Self.text(writer))")
            // The decoder, too, reads back the very same bits (sign of zero included).
            let wrapped = Array("{\"v\":".utf8) + writer.bytes + [UInt8(ascii: "}")]
            let decoded = try? decodeSnapshots(wrapped, paths: [try! FieldPath(parsing: "v")]).get()
            #expect(decoded?.first?.double?.bitPattern == value.bitPattern, "\(Self.text(writer))")
        }
        for special in [Double.nan, .infinity, -.infinity] {
            writer.reset()
            writer.double(special)
            #expect(Self.text(writer) == "null")
        }
    }

    @Test func theStandardLibraryFormatsDoublesWithoutMakingStrings() {
        // JSONWriter.double relies on Double.write(to:) handing its digits to _writeASCII.
        struct CountingSink: TextOutputStream {
            var asciiCalls = 0
            var stringCalls = 0
            mutating func write(_ string: String) { stringCalls += 1 }
            mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { asciiCalls += 1 }
        }
        var sink = CountingSink()
        for value in [0.30000000000000004, 1.7976931348623157e308, .leastNonzeroMagnitude, 12.5] {
            value.write(to: &sink)
        }
        #expect(sink.asciiCalls == 4)
        #expect(sink.stringCalls == 0)
    }

    @Test func integersCoverTheWholeRange() {
        var generator = SeededGenerator(seed: 0x1_2345)
        let writer = JSONWriter()
        var values: [Int64] = [0, 1, -1, 9, 10, -10, .max, .min, .max - 1, .min + 1]
        for _ in 0..<2000 {
            values.append(
                Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0...63, using: &generator))
        }
        for value in values {
            writer.reset()
            writer.int64(value)
            #expect(Self.text(writer) == String(value))
        }
    }

    @Test func structurePlacesCommasAndColons() throws {
        let writer = JSONWriter()
        writer.beginObject()
        writer.key("score"); writer.double(0.8125)
        writer.key("model"); writer.string("fraud-v3")
        writer.key("flags"); writer.beginArray(); writer.bool(true); writer.bool(false); writer.null();
        writer.endArray()
        writer.key("empty"); writer.beginObject(); writer.endObject()
        writer.key("nested"); writer.beginArray(); writer.beginArray(); writer.endArray(); writer.beginObject()
        writer.key("k"); writer.int64(-3); writer.endObject(); writer.endArray()
        "{\"a\":[1,2]}".utf8CString.withUnsafeBytes { raw in
            writer.key("raw")
            writer.rawValue(UnsafeRawBufferPointer(rebasing: raw.dropLast()))
        }
        writer.endObject()
        #expect(
            Self.text(writer)
                == #"{"score":0.8125,"model":"fraud-v3","flags":[true,false,null],"empty":{},"nested":[[],{"k":-3}],"raw":{"a":[1,2]}}"#
        )
        let object = try #require(Self.parsed(writer) as? [String: Any])
        #expect(object["model"] as? String == "fraud-v3")

        writer.reset()
        writer.beginArray(); writer.string("again"); writer.endArray()
        #expect(Self.text(writer) == #"["again"]"#)
    }
}
