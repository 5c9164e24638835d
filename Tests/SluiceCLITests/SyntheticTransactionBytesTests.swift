import Foundation
import Testing

@testable import sluice

@Suite struct SyntheticTransactionBytesTests {
    /// The byte writer gives the same event as the `String` one, read back by Foundation's JSON parser (an
    /// independent reader): every field equal, the amount as the same number; and the same key.
    @Test func bytesAreTheSameEventAsTheStringJSON() throws {
        var generator = SyntheticTransactions(seed: 5)
        generator.shiftAt = 5_000
        var bytes: [UInt8] = []
        var key: [UInt8] = []
        for index in 0..<10_000 {
            let transaction = generator.next()
            let withLabel = index % 2 == 0
            bytes.removeAll(keepingCapacity: true)
            key.removeAll(keepingCapacity: true)
            SyntheticTransactions.appendJSON(transaction, withLabel: withLabel, to: &bytes)
            SyntheticTransactions.appendKey(transaction, to: &key)
            let fromBytes = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? NSDictionary)
            let fromString = try #require(
                try JSONSerialization.jsonObject(
                    with: Data(SyntheticTransactions.json(transaction, withLabel: withLabel).utf8)) as? NSDictionary)
            #expect(fromBytes == fromString, "\(String(decoding: bytes, as: UTF8.self))")
            #expect(String(decoding: key, as: UTF8.self) == "card-\(transaction.card)")
            if fromBytes != fromString { break }
        }
    }
}
