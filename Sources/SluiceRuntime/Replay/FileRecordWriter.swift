import Foundation
import SluiceCore
import Synchronization

/// Writes side outputs of a replay to `<sink>.jsonl` files (`shadow.jsonl`, `alerts.jsonl`).
final class FileRecordWriter: RecordWriter {
    private let files: Mutex<[String: (handle: FileHandle, buffer: [UInt8], count: Int)]>

    init(directory: String, sinks: [SinkDescriptor]) throws {
        var files: [String: (handle: FileHandle, buffer: [UInt8], count: Int)] = [:]
        for sink in sinks {
            let path = (directory as NSString).appendingPathComponent(ReplayRunner.fileName(forSink: sink.name))
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else { throw ReplayError("cannot write '\(path)'") }
            try handle.truncate(atOffset: 0)
            files[sink.name] = (handle, [], 0)
        }
        self.files = Mutex(files)
    }

    func write(sink: String, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer) {
        files.withLock { files in
            guard var file = files[sink] else { return }
            file.buffer.append(contentsOf: value)
            file.buffer.append(UInt8(ascii: "\n"))
            file.count += 1
            if file.buffer.count > 1 << 20 {
                try? file.handle.write(contentsOf: file.buffer)
                file.buffer.removeAll(keepingCapacity: true)
            }
            files[sink] = file
        }
    }

    /// Writes what is buffered, closes the files, and returns the record count per sink.
    func close() throws -> [String: Int] {
        try files.withLock { files in
            var counts: [String: Int] = [:]
            for (sink, file) in files {
                try file.handle.write(contentsOf: file.buffer)
                try file.handle.close()
                counts[sink] = file.count
            }
            return counts
        }
    }
}
