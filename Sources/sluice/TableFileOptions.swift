import ArgumentParser
import SluiceCore

/// `--table NAME=FILE`: loads a topic table from a file for an offline run, so `sluice replay` and
/// `sluice features` join exactly what the table's topic holds (dumped as JSON Lines, one row per line).
struct TableFileOptions: ParsableArguments {
    @Option(
        name: .customLong("table"),
        help: ArgumentHelp(
            "Load table NAME from FILE (CSV or JSON Lines) instead of its topic; repeat for each topic table.",
            valueName: "NAME=FILE"))
    var tables: [String] = []

    /// The files by table name; fails naming any entry that is not NAME=FILE.
    func files() throws -> [String: String] {
        var files: [String: String] = [:]
        for entry in tables {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError("--table takes NAME=FILE, found '\(entry)'")
            }
            files[String(parts[0])] = String(parts[1])
        }
        return files
    }

    /// Fails when a table of `topology` that is read from a topic has no file: offline there is no topic.
    func checkCovers(_ topology: Topology) throws {
        let files = try files()
        for table in topology.tables {
            guard case .topic(let topic) = table.origin, files[table.name] == nil else { continue }
            throw ValidationError(
                "table '\(table.name)' is read from topic '\(topic)'; offline, give its rows with "
                    + "--table \(table.name)=FILE (JSON Lines, e.g. the topic's values dumped one per line)")
        }
    }
}
