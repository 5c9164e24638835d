@testable import SluiceOperators

/// A thin helper for hand-written cases: one engine, one reusable event, named outputs.
final class EngineDriver {
    let engine: WindowEngine
    var event: WindowEvent

    init(_ windows: [WindowDefinition], maxKeys: Int = 1_000_000, idleTimeout: Int64? = nil) throws {
        engine = try WindowEngine(
            configuration: WindowEngineConfiguration(windows: windows, maxKeys: maxKeys, idleTimeout: idleTimeout))
        event = engine.makeEvent()
    }

    @discardableResult
    func send(_ key: String, _ time: Int64, x: Double = 1) -> WindowProcessResult {
        event.eventTime = time
        if let index = engine.valueIndex(named: "x") { event.values[index] = x }
        for keyspace in engine.keyspaceNames.indices { event.setKey(key, keyspace: keyspace) }
        return engine.process(event)
    }

    func value(_ name: String) -> Double { engine.output(engine.outputIndex(named: name)!) }

    var closed: [(key: String, start: Int64, end: Int64, values: [Double])] {
        engine.closedWindows.map { (String(decoding: $0.key, as: UTF8.self), $0.start, $0.end, Array($0.values)) }
    }
}

func countAndSum() -> [Aggregate] { [Aggregate("n", .count), Aggregate("s", .sum(input: "x"))] }
