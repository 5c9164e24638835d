import SluiceCore
import Testing

@Suite struct FieldPathTests {
    @Test func dottedTextSplitsIntoKeys() throws {
        #expect(try FieldPath(parsing: "amount").components == ["amount"])
        #expect(try FieldPath(parsing: "payload.amount").components == ["payload", "amount"])
        #expect(try FieldPath(parsing: "a.b.c").components == ["a", "b", "c"])
        #expect(try FieldPath(parsing: "é.中文").components == ["é", "中文"])
    }

    @Test func backslashEscapesDotsAndBackslashesInKeys() throws {
        #expect(try FieldPath(parsing: #"x\.y"#).components == ["x.y"])
        #expect(try FieldPath(parsing: #"a\\b.c"#).components == [#"a\b"#, "c"])
        #expect(try FieldPath(parsing: #"a\..b"#).components == ["a.", "b"])
        #expect(try FieldPath(components: ["x.y", #"a\b"#]).description == #"x\.y.a\\b"#)
        for text in ["a", "a.b", #"x\.y"#, #"a\\b.c\.d"#, #"\.\\"#] {
            #expect(try FieldPath(parsing: FieldPath(parsing: text).description).description == text)
        }
    }

    @Test func emptyKeysAndBadEscapesAreRejectedWithTheirOffset() {
        func failure(_ text: String) -> FieldPathError? {
            do { _ = try FieldPath(parsing: text) } catch { return error }
            return nil
        }
        #expect(failure("")?.reason == .empty)
        #expect(failure("a..b")?.reason == .emptyComponent)
        #expect(failure("a..b")?.offset == 2)
        #expect(failure(".a")?.offset == 0)
        #expect(failure("a.")?.reason == .emptyComponent)
        #expect(failure("a.")?.offset == 2)
        #expect(failure(#"a\b"#)?.reason == .invalidEscape)
        #expect(failure(#"a\b"#)?.offset == 1)
        #expect(failure(#"ab\"#)?.reason == .danglingEscape)
        #expect(failure("a..b")?.description.contains("empty key at byte 2") == true)
        #expect(throws: FieldPathError.self) { try FieldPath(components: []) }
        #expect(throws: FieldPathError.self) { try FieldPath(components: ["a", ""]) }
    }
}
