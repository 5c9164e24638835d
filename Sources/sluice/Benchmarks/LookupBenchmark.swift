import Foundation
import SluiceCore
import SluiceOperators
import SluiceRuntime

/// The reference tables `sluice bench` joins: a card table keyed like the synthetic events' cards (as many rows
/// as asked, so it also measures loading a large table) and a merchant table keyed by merchant code.
enum LookupBenchmark {
    /// What loading the card table took.
    struct Load {
        var rows: Int
        var seconds: Double
        var tableBytes: Int
        var residentGrowthBytes: Int
    }

    /// Writes both tables as CSV into `directory`; returns their paths.
    static func writeTables(directory: URL, cardRows: Int) throws -> (cards: String, merchants: String) {
        let cards = directory.appendingPathComponent("cards.csv")
        var text = "card_id,home_country,segment,credit_limit\n"
        text.reserveCapacity(cardRows * 40)
        let countries = ["US", "GB", "DE", "FR", "BR", "IN", "NG"]
        for index in 0..<cardRows {
            text += "card-\(String(repeating: "0", count: max(0, 6 - String(index).count)))\(index),"
            text += "\(countries[index % countries.count]),\(index % 5),\(1000 + (index % 97) * 250)\n"
        }
        try text.write(to: cards, atomically: true, encoding: .utf8)
        let merchants = directory.appendingPathComponent("merchants.csv")
        try """
        mcc,risk_tier,category
        5411,1,grocery
        5812,1,restaurants
        5999,2,retail
        4111,1,transport
        5732,2,electronics
        7995,3,gambling
        5311,1,department
        4829,3,money transfer

        """.write(to: merchants, atomically: true, encoding: .utf8)
        return (cards.path, merchants.path)
    }

    /// Loads the card table alone and measures time, the table's own accounting of its bytes and the growth of
    /// the process's resident memory.
    static func measureLoad(topology: Topology) throws -> Load {
        let specification = topology.tables.first { $0.name == "cards" }!
        guard case .file(let path) = specification.origin else { throw BenchmarkError("the card table is not a file") }
        let before = residentBytes()
        let table = ReferenceTable(layout: TableLayout(specification))
        let report = try TableFileLoader.load(path, into: table)
        let snapshot = table.snapshot()
        let load = Load(
            rows: snapshot.rowCount, seconds: report.seconds, tableBytes: snapshot.byteCount,
            residentGrowthBytes: residentBytes() - before)
        withExtendedLifetime(table) {}
        return load
    }

    /// Decode and validate, look the card and the merchant up, compute four features from the rows, and write the
    /// feature inputs of every event.
    static func topology(
        input: String, output: String, deadLetters: String, cards: String, merchants: String, cardRows: Int
    ) throws -> Topology {
        try TopologyLoader.load(
            text: """
                name: bench-lookups
                \(BenchmarkTopologies.source(input: input))
                tables:
                  cards:
                    file: \(cards)
                    key: card_id
                    max_rows: \(max(cardRows, 1))
                    max_bytes: 4GiB
                    columns:
                      card_id: { type: string, required: true }
                      home_country: { type: string }
                      segment: { type: int }
                      credit_limit: { type: double }
                  merchants:
                    file: \(merchants)
                    key: mcc
                    columns:
                      mcc: { type: string, required: true }
                      risk_tier: { type: int }
                      category: { type: string }
                lookups:
                  card: { table: cards, key: card_id }
                  merchant: { table: merchants, key: mcc }
                features:
                  abroad: country != coalesce(card.home_country, country)
                  share_of_limit: amount / coalesce(card.credit_limit, 1000)
                  segment: coalesce(card.segment, -1)
                  merchant_risk: coalesce(merchant.risk_tier, 0)
                sinks:
                  feature_inputs: \(output)
                  dead_letter: \(deadLetters)
                """, file: "bench-lookups.yaml")
    }

    /// Resident memory of this process, from /proc.
    static func residentBytes() -> Int {
        guard let statm = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8),
            let pages = statm.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
        else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
