import SluiceCore
import Testing

@Suite struct ContentHashTests {
    @Test func matchesTheFIPSVectors() {
        #expect(
            ContentHash.sha256Hex(Array("abc".utf8))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.sha256Hex([UInt8]()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            ContentHash.sha256Hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    /// Expected value from Python: hashlib.sha256(bytes(i % 251 for i in range(1_000_000))).hexdigest()
    @Test func hashesOneMegabyteLikePythonHashlib() {
        let bytes = (0..<1_000_000).map { UInt8($0 % 251) }
        #expect(ContentHash.sha256Hex(bytes) == "2c030d49ec131bfbbb446ad21e7a2f12cdb4f2f4f3fda3ac709dd2e68a4646c7")
        // A non-contiguous collection takes the copying path and must agree.
        #expect(ContentHash.sha256Hex(bytes.lazy.map { $0 }) == ContentHash.sha256Hex(bytes))
    }

    @Test func paddingBoundariesAgreeWithSplitInputs() {
        // Lengths around the 55/56/64-byte padding edges; expected values from Python hashlib.
        let expected: [Int: String] = [
            55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
            56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
            63: "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34",
            64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb",
            65: "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0",
        ]
        for (length, digest) in expected {
            #expect(ContentHash.sha256Hex([UInt8](repeating: UInt8(ascii: "a"), count: length)) == digest)
        }
    }

    @Test func shortFormIsTheFirstTwelveHexCharacters() {
        #expect(ContentHash.shortHex(Array("abc".utf8)) == "ba7816bf8f01")
    }
}
