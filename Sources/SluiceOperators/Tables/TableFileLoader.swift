public import Foundation
public import SluiceCore

/// Loads a table from a CSV file (a header row naming columns; an empty cell is null) or a JSON Lines file (one
/// object per line; blank lines are skipped). A row that is not valid refuses the whole file, naming its line;
/// so does a file with more rows or bytes than the table's limits.
public enum TableFileLoader {
    /// What a load did.
    public struct Report: Sendable {
        /// Lines that became rows, and how many of them repeated an earlier key (the later row wins).
        public var rows = 0
        public var repeatedKeys = 0
        public var seconds = 0.0
    }

    /// Reads `path` into a new snapshot of `table`, replacing what it held.
    public static func load(_ path: String, into table: ReferenceTable) throws(TableError) -> Report {
        let started = ContinuousClock.now
        let layout = table.layout
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path), options: .mappedIfSafe)
        } catch {
            throw TableError("table '\(layout.name)': cannot read '\(path)': \(error.localizedDescription)")
        }
        let isCSV = path.lowercased().hasSuffix(".csv")
        let reader = try TableRowReader(layout: layout, byColumnName: isCSV)
        let changes = TableChanges(layout: layout)
        var report = Report()
        let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
        let outcome: TableError? = data.withUnsafeBytes { bytes -> TableError? in
            var header: [Int?]?
            var lineNumber = 0
            var start = 0
            let json = JSONWriter(capacity: 1024)
            while start < bytes.count {
                var end = start
                while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
                lineNumber += 1
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                let line = UnsafeRawBufferPointer(rebasing: bytes[start..<lineEnd])
                start = end + 1
                func failure(_ message: String) -> TableError {
                    TableError("table '\(layout.name)': \(path) line \(lineNumber): \(message)")
                }
                if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
                var problem: String?
                if isCSV {
                    let cells: [[UInt8]]
                    switch CSVRecord.fields(line) {
                    case .success(let parsed): cells = parsed
                    case .failure(let error): return failure(error.description)
                    }
                    guard let columns = header else {
                        header = csvHeader(cells, layout: layout)
                        if let missing = layout.columns.first(where: { column in
                            column.isRequired && !cells.contains(Array(column.name.utf8))
                        }) {
                            return failure("the header has no column '\(missing.name)', which is required")
                        }
                        continue
                    }
                    guard cells.count == columns.count else {
                        return failure("the row has \(cells.count) fields but the header has \(columns.count)")
                    }
                    csvRowAsJSON(cells, columns: columns, layout: layout, into: json)
                    problem = json.withBytes { reader.put($0, into: changes, wallClock: wallClock) }
                } else {
                    problem = reader.put(line, into: changes, wallClock: wallClock)
                }
                if let problem { return failure(problem) }
                report.rows += 1
                if changes.count > layout.maxRows {
                    return failure("the table has more than its max_rows \(layout.maxRows) rows")
                }
                if changes.pendingBytes > layout.maxBytes {
                    return failure("the table takes more than its max_bytes \(layout.maxBytes) bytes")
                }
            }
            return nil
        }
        if let outcome { throw outcome }
        try table.apply(changes, replacing: true)
        if let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date {
            table.noteFreshness(
                newestRecord: Int64(modified.timeIntervalSince1970 * 1000),
                published: Int64(Date().timeIntervalSince1970 * 1000))
        }
        report.repeatedKeys = report.rows - table.snapshot().rowCount
        report.seconds = (ContinuousClock.now - started) / .seconds(1)
        return report
    }

    /// For each header cell, the column it fills (nil for cells the table does not declare).
    private static func csvHeader(_ cells: [[UInt8]], layout: TableLayout) -> [Int?] {
        cells.map { cell in layout.columns.firstIndex { Array($0.name.utf8) == cell } }
    }

    /// One CSV row as a JSON object keyed by column name: string columns as strings; other columns as written
    /// when the cell is a JSON number or `true`/`false`, otherwise as a string, which validation then refuses
    /// with the column's name and type (or parses, for ISO 8601 timestamps). Empty cells are left out (null).
    private static func csvRowAsJSON(_ cells: [[UInt8]], columns: [Int?], layout: TableLayout, into json: JSONWriter) {
        json.reset()
        json.beginObject()
        for (position, cell) in cells.enumerated() {
            guard let column = columns[position], !cell.isEmpty else { continue }
            json.key(layout.columns[column].name)
            cell.withUnsafeBytes { bytes in
                if !layout.isString[column], isBareJSONScalar(cell) {
                    json.rawValue(bytes)
                } else {
                    json.string(utf8: bytes)
                }
            }
        }
        json.endObject()
    }

    /// Whether `cell` is a JSON number, `true` or `false`.
    private static func isBareJSONScalar(_ cell: [UInt8]) -> Bool {
        if cell == Array("true".utf8) || cell == Array("false".utf8) { return true }
        var index = 0
        if cell[index] == UInt8(ascii: "-") { index += 1 }
        func digits() -> Int {
            let begin = index
            while index < cell.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(cell[index]) { index += 1 }
            return index - begin
        }
        guard digits() > 0 else { return false }
        if index < cell.count, cell[index] == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return false }
        }
        if index < cell.count, cell[index] == UInt8(ascii: "e") || cell[index] == UInt8(ascii: "E") {
            index += 1
            if index < cell.count, cell[index] == UInt8(ascii: "+") || cell[index] == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return false }
        }
        return index == cell.count
    }
}
