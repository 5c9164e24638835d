import Foundation
import SluiceCore
import Testing

@testable import SluiceOperators

/// The layout of a `merchants` table declared in a topology, as a user would write it.
private func layout(latestBy: String? = nil, maxRows: Int = 1_000_000, maxBytes: Int = 1 << 30) -> TableLayout {
    let text = """
        name: t
        source: { topic: in, schema: { mcc: { type: string } } }
        tables:
          merchants:
            file: m.csv
            key: mcc
            columns:
              mcc: { type: string }
              tier: { type: int }
              label: { type: string }
              ts: { type: timestamp, unit: ms }
            \(latestBy.map { "latest_by: \($0)" } ?? "")
            max_rows: \(maxRows)
            max_bytes: \(maxBytes)
        sinks: { events: out, dead_letter: dl }
        """
    let topology = try! TopologyLoader.load(text: text, file: "t.yaml", requiringModelFiles: false)
    return TableLayout(topology.tables[0])
}

/// The row of `key` in `table` as (tier, label, ts), or nil.
private func row(_ table: ReferenceTable, _ key: String) -> (Double, String?, Double)? {
    let snapshot = table.snapshot()
    return Array(key.utf8).withUnsafeBytes { bytes in
        snapshot.find(bytes).map { row in
            let layout = table.layout
            let (tier, label, ts) = (
                layout.column(named: "tier")!, layout.column(named: "label")!, layout.column(named: "ts")!
            )
            return (
                row.number(layout.storageIndex[tier]),
                row.string(layout.storageIndex[label]).map { String(decoding: $0, as: UTF8.self) },
                row.number(layout.storageIndex[ts])
            )
        }
    }
}

@Suite struct ReferenceTableTests {
    /// Random puts and deletes over several batches, checked against a dictionary after each batch; a
    /// `latest_by` table keeps the most recent row of each key whatever order rows arrive in.
    @Test(arguments: [false, true])
    func randomChangesAgreeWithADictionary(latest: Bool) throws {
        let table = ReferenceTable(layout: layout(latestBy: latest ? "ts" : nil))
        var model: [String: (Double, String?, Double)] = [:]
        var random = SystemRandomNumberGenerator()
        let reader = try TableRowReader(layout: table.layout)
        for _ in 0..<30 {
            let changes = TableChanges(layout: table.layout)
            var batch = model
            for _ in 0..<400 {
                let key = "k\(Int.random(in: 0..<2000, using: &random))"
                if !latest, Int.random(in: 0..<5, using: &random) == 0 {
                    Array(key.utf8).withUnsafeBytes { changes.delete(key: $0) }
                    batch[key] = nil
                    continue
                }
                let tier = Double(Int.random(in: 0..<10, using: &random))
                let label: String? = Bool.random(using: &random) ? "label \(tier)" : nil
                let ts = Double(Int.random(in: 0..<1_000_000, using: &random))
                let json =
                    "{\"mcc\":\"\(key)\",\"tier\":\(Int(tier)),\(label.map { "\"label\":\"\($0)\"," } ?? "")\"ts\":\(Int(ts))}"
                let problem = Array(json.utf8).withUnsafeBytes { reader.put($0, into: changes, wallClock: 0) }
                #expect(problem == nil)
                if latest, let existing = batch[key], existing.2 > ts { continue }
                batch[key] = (tier, label, ts)
            }
            try table.apply(changes)
            model = batch
            #expect(table.snapshot().rowCount == model.count)
            for (key, expected) in model {
                let found = row(table, key)
                #expect(found?.0 == expected.0 && found?.1 == expected.1 && found?.2 == expected.2, "key \(key)")
            }
            for index in 0..<2000 where model["k\(index)"] == nil { #expect(row(table, "k\(index)") == nil) }
        }
    }

    @Test func csvAndJSONLinesFilesLoadTheSameRows() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let csv = directory.appendingPathComponent("m.csv")
        try "mcc,label,tier,ignored\r\n5411,\"Grocery, \"\"fresh\"\"\",1,x\n7995,,3,y\n\n5411,Grocery,2,z\n".write(
            to: csv, atomically: true, encoding: .utf8)
        let jsonl = directory.appendingPathComponent("m.jsonl")
        try "{\"mcc\":\"5411\",\"label\":\"Grocery\",\"tier\":2}\n{\"mcc\":\"7995\",\"tier\":3}\n".write(
            to: jsonl, atomically: true, encoding: .utf8)
        let fromCSV = ReferenceTable(layout: layout())
        let report = try TableFileLoader.load(csv.path, into: fromCSV)
        #expect(report.rows == 3 && report.repeatedKeys == 1)
        let fromJSON = ReferenceTable(layout: layout())
        _ = try TableFileLoader.load(jsonl.path, into: fromJSON)
        for key in ["5411", "7995"] {
            let a = row(fromCSV, key)
            let b = row(fromJSON, key)
            #expect(a != nil && a?.0 == b?.0 && a?.1 == b?.1 && a?.2.isNaN == true && b?.2.isNaN == true)
        }
        #expect(row(fromCSV, "5411")?.1 == "Grocery")
        #expect(row(fromCSV, "7995")?.1 == nil)
    }

    @Test func badRowsAndOversizedFilesAreRefusedWithTheirLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tables-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.csv")
        try "mcc,tier\n5411,1\n7995,high\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect {
            _ = try TableFileLoader.load(bad.path, into: ReferenceTable(layout: layout()))
        } throws: { error in
            "\(error)".contains("bad.csv line 3") && "\(error)".contains("tier")
        }
        let big = directory.appendingPathComponent("big.jsonl")
        try (0..<50).map { "{\"mcc\":\"\($0)\"}" }.joined(separator: "\n").write(
            to: big, atomically: true, encoding: .utf8)
        #expect {
            _ = try TableFileLoader.load(big.path, into: ReferenceTable(layout: layout(maxRows: 10)))
        } throws: { error in
            "\(error)".contains("max_rows 10") && "\(error)".contains("line 11")
        }
        let table = ReferenceTable(layout: layout(maxBytes: 4096))
        #expect(throws: TableError.self) { _ = try TableFileLoader.load(big.path, into: table) }
        #expect(table.snapshot().rowCount == 0)
    }
}
