import Foundation
import SluiceModels

/// The committed fixtures made by scripts/fixtures/make_model_fixtures.py: model files, input rows and
/// the libraries' own predictions. Read from the source tree next to this file.
enum Fixtures {
    static let directory: String = {
        let file = URL(fileURLWithPath: #filePath)
        return file.deletingLastPathComponent().appendingPathComponent("Fixtures").path
    }()

    static func path(_ name: String) -> String { directory + "/" + name }

    struct Entry: Sendable {
        let name: String
        let model: String
        let format: String
        let data: String
        let expected: String
        let outputs: Int
        let sha256: String
        let library: String
        let libraryVersion: String
    }

    static let manifest: [Entry] = {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path("manifest.json")))
        let root = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return (root["fixtures"] as! [[String: Any]]).map { entry in
            Entry(
                name: entry["name"] as! String, model: entry["model"] as! String, format: entry["format"] as! String,
                data: entry["data"] as! String, expected: entry["expected"] as! String,
                outputs: (entry["outputs"] as! NSNumber).intValue, sha256: entry["sha256"] as! String,
                library: entry["library"] as! String, libraryVersion: entry["library_version"] as! String)
        }
    }()

    static func entry(_ name: String) -> Entry {
        manifest.first { $0.name == name }!
    }

    /// Input rows: header of feature names, then values; an empty field is NaN.
    struct Rows: Sendable {
        let names: [String]
        let values: [Double]
        let count: Int
        var width: Int { names.count }
    }

    static func rows(_ file: String) throws -> Rows {
        let lines = try String(contentsOfFile: path(file), encoding: .utf8).split(separator: "\n")
        let names = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        var values: [Double] = []
        values.reserveCapacity((lines.count - 1) * names.count)
        for line in lines.dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            precondition(fields.count == names.count, "ragged row in \(file)")
            for field in fields {
                values.append(field.isEmpty ? .nan : Double(field)!)
            }
        }
        return Rows(names: names, values: values, count: lines.count - 1)
    }

    /// Expected predictions, row-major, `outputs` per row.
    static func expected(_ file: String) throws -> [Double] {
        let text = try String(contentsOfFile: path(file), encoding: .utf8)
        return text.split(separator: "\n").flatMap { line in
            line.split(separator: ",").map { Double($0)! }
        }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }
}
