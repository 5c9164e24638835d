import Foundation
import Logging
public import SluiceCore
public import SluiceMonitoring

/// Runs an operator chain offline over a file of events, in file order, without Kafka, writing one JSONL
/// file per sink. It drives the same processors as the streaming runtime, so a topology gives the same
/// outputs either way.
public enum ReplayRunner {
    /// How input lines are read.
    public enum InputFormat: String, Sendable, CaseIterable {
        /// Each line is an event's payload, as it would be a Kafka message value.
        case payload
        /// Each line is `{"key": ..., "timestamp": ms, "partition": n, "value": ...}`: the Kafka record around
        /// the payload (value a JSON object, or a string holding the payload text; null for a tombstone).
        case envelope
    }

    /// What a replay did.
    public struct Summary: Sendable {
        public var events: Int
        public var outputsBySink: [String: Int]
    }

    /// Replays `input` through processors from `factory`; outputs go to `outputDirectory/<sink>.jsonl`.
    /// Events are read as partition 0 of the source topic (or the envelope's partition), offset = line index.
    public static func run(
        factory: any EventProcessorFactory, sourceTopic: String, input: String,
        format: InputFormat, outputDirectory: String
    ) throws -> Summary {
        try run(
            factory: factory, sourceTopic: sourceTopic, input: input, format: format, outputDirectory: outputDirectory
        ) { pipeline, writer in try pipeline.startSideOutputs(writer: writer, inline: true) }
    }

    /// Builds a drift reference profile from training events: runs them through the topology's own pipeline
    /// (fields, windows, features, models) and collects the monitored features and every model's scores.
    public static func profile(
        pipeline: TopologyPipeline, input: String, format: InputFormat, name: String,
        scratchDirectory: String
    ) throws -> ReferenceProfile {
        let collector = try ProfileCollector(name: name, pipeline: pipeline)
        _ = try run(
            factory: pipeline, sourceTopic: pipeline.topology.source.topic, input: input, format: format,
            outputDirectory: scratchDirectory
        ) { pipeline, writer in
            try pipeline.startSideOutputs(
                writer: writer, inline: true, shadowBacklog: 0,
                logger: Logger(label: "sluice.profile"), others: [collector], withDrift: false)
        }
        return try collector.build()
    }

    static func run(
        factory: any EventProcessorFactory, sourceTopic: String, input: String, format: InputFormat,
        outputDirectory: String,
        startSideOutputs: (TopologyPipeline, any RecordWriter) throws -> Void
    ) throws -> Summary {
        guard let reader = FileLineReader(path: input) else {
            throw ReplayError("cannot open the input file '\(input)'")
        }
        try FileManager.default.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
        let emitter = try FileEmitter(sinks: factory.sinks, directory: outputDirectory)
        // Shadows and monitoring run inline, skipping nothing, so a replay is deterministic.
        let pipeline = factory as? TopologyPipeline
        let sideWriter = try FileRecordWriter(directory: outputDirectory, sinks: pipeline?.sideSinks ?? [])
        if let pipeline { try startSideOutputs(pipeline, sideWriter) }
        var processors: [Int32: any EventProcessor] = [:]
        var events = 0
        var offsets: [Int32: Int64] = [:]
        let wallClock = Int64(Date().timeIntervalSince1970 * 1000)
        while let line = reader.nextLine() {
            if line.isEmpty || line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let envelope = format == .envelope ? try ReplayEnvelope(line, lineNumber: reader.lineNumber) : nil
            let partition = envelope?.partition ?? 0
            let offset = offsets[partition, default: 0]
            offsets[partition] = offset + 1
            let processor =
                try processors[partition]
                ?? {
                    let made = try factory.makeProcessor(topic: sourceTopic, partition: partition)
                    try made.tick(wallClock: wallClock, emitter: emitter)
                    processors[partition] = made
                    return made
                }()
            let source = SourcePosition(topic: sourceTopic, partition: partition, offset: offset)
            if let envelope {
                try envelope.withRecord(source: source) { try processor.process($0, emitter: emitter) }
            } else {
                try line.withUnsafeBytes { value in
                    try processor.process(
                        InputRecord(key: nil, value: value, timestamp: nil, source: source),
                        emitter: emitter)
                }
            }
            try processor.endBatch(wallClock: wallClock, emitter: emitter)
            events += 1
        }
        for (_, processor) in processors.sorted(by: { $0.key < $1.key }) {
            try processor.prepareToRelease(emitter: emitter)
        }
        try emitter.close()
        let sideCounts = try sideWriter.close()
        return Summary(events: events, outputsBySink: emitter.counts.merging(sideCounts) { $1 })
    }

    /// The file a sink's records go to: `events.jsonl`, `dead-letters.jsonl`, `predictions.jsonl`, ...
    public static func fileName(forSink sink: String) -> String {
        sink.replacingOccurrences(of: "_", with: "-").replacingOccurrences(of: "dead-letter", with: "dead-letters")
            + ".jsonl"
    }
}

/// Why a replay could not run.
public struct ReplayError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Appends each sink's records, one per line, to its file.
private final class FileEmitter: OutputEmitter {
    private let sinks: [SinkDescriptor]
    /// One file per sink; none for the state changelog, which replay keeps in memory.
    private let handles: [FileHandle?]
    private var buffers: [[UInt8]]
    private(set) var countsBySink: [Int]

    init(sinks: [SinkDescriptor], directory: String) throws {
        self.sinks = sinks
        handles = try sinks.map { sink in
            guard sink.name != "changelog" else { return nil }
            let path = (directory as NSString).appendingPathComponent(ReplayRunner.fileName(forSink: sink.name))
            _ = FileManager.default.createFile(atPath: path, contents: nil)
            guard let handle = FileHandle(forWritingAtPath: path) else {
                throw ReplayError("cannot write '\(path)'")
            }
            try handle.truncate(atOffset: 0)
            return handle
        }
        buffers = Array(repeating: [], count: sinks.count)
        countsBySink = Array(repeating: 0, count: sinks.count)
    }

    var counts: [String: Int] {
        Dictionary(uniqueKeysWithValues: zip(sinks.map(\.name), countsBySink).filter { $0.0 != "changelog" })
    }

    func emit(to sink: Int, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, partition: Int32?)
        throws(OutputError)
    {
        guard let value, handles[sink] != nil else { return }
        buffers[sink].append(contentsOf: value)
        buffers[sink].append(UInt8(ascii: "\n"))
        countsBySink[sink] += 1
        if buffers[sink].count > 1 << 20 {
            do {
                try flush(sink)
            } catch {
                throw OutputError(sink: sinks[sink].name, message: "\(error)")
            }
        }
    }

    private func flush(_ sink: Int) throws {
        try handles[sink]?.write(contentsOf: buffers[sink])
        buffers[sink].removeAll(keepingCapacity: true)
    }

    func close() throws {
        for sink in sinks.indices {
            try flush(sink)
            try handles[sink]?.close()
        }
    }
}

/// Reads a file line by line as bytes (without the newline), in 1 MiB chunks.
final class FileLineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var position = 0
    private var isAtEnd = false
    private(set) var lineNumber = 0

    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        self.handle = handle
    }

    deinit {
        try? handle.close()
    }

    func nextLine() -> [UInt8]? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[position..<newline])
                position = newline + 1
                lineNumber += 1
                return line
            }
            if isAtEnd {
                guard position < buffer.count else { return nil }
                let line = Array(buffer[position...])
                position = buffer.count
                lineNumber += 1
                return line
            }
            buffer.removeFirst(position)
            position = 0
            let chunk = (try? handle.read(upToCount: 1 << 20)) ?? nil
            if let chunk, !chunk.isEmpty { buffer.append(contentsOf: chunk) } else { isAtEnd = true }
        }
    }
}
