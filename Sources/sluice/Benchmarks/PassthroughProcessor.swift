import SluiceCore

/// The empty operator chain: every event goes to the output unchanged, key and value. The runtime's own
/// cost (lanes, delivery tracking, offsets) is what passthrough measures.
struct PassthroughProcessorFactory: EventProcessorFactory {
    let outputTopic: String

    var sinks: [SinkDescriptor] { [SinkDescriptor(name: "output", topic: outputTopic)] }

    func makeProcessor(topic: String, partition: Int32) throws -> any EventProcessor {
        PassthroughProcessor()
    }
}

final class PassthroughProcessor: EventProcessor {
    func process(_ record: InputRecord, emitter: any OutputEmitter) throws {
        guard let value = record.value else { return }
        try emitter.emit(to: 0, key: record.key, value: value)
    }
}
