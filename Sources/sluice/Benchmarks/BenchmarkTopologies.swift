import SluiceCore

/// The topologies `sluice bench` measures, over the synthetic events of ``SyntheticEvents``.
enum BenchmarkTopologies {
    /// The `source` section of every bench topology: the fields of ``SyntheticEvents``, keyed by card, in event
    /// time. Indented for a top-level key of a topology written at the left margin.
    static func source(input: String) -> String {
        """
        source:
          topic: \(input)
          key: card_id
          event_time: ts
          schema:
            event_id: { type: string, required: true, max_length: 64 }
            card_id:  { type: string, required: true, min_length: 1, max_length: 64 }
            amount:   { type: double, required: true, min: 0, max: 1000000 }
            mcc:      { type: string, min_length: 4, max_length: 4 }
            country:  { type: string, enum: [US, GB, DE, FR, BR, IN, NG] }
            ts:       { type: timestamp, unit: ms, required: true, min: 946684800000 }
        """
    }

    /// Decode and validate every field of the synthetic events; valid events are written normalized.
    static func decodeAndValidate(input: String, output: String, deadLetters: String) throws -> Topology {
        try TopologyLoader.load(
            text: """
                name: bench-validate
                \(source(input: input))
                sinks:
                  events: \(output)
                  dead_letter: \(deadLetters)
                """, file: "bench-validate.yaml")
    }

    /// Decode and validate, then three windows keyed by card: tumbling 1 minute, hopping 10 minutes by 1 minute,
    /// sliding 1 hour.
    static func threeWindows(input: String, output: String, deadLetters: String, changelog: String) throws -> Topology {
        try TopologyLoader.load(
            text: """
                name: bench-windows
                \(source(input: input))
                windows:
                  card_1m:  { key: card_id, tumbling: 1m, aggregates: { n: count, total: sum(amount) } }
                  card_10m: { key: card_id, hopping: { size: 10m, advance: 1m },
                              aggregates: { n: count, total: sum(amount), peak: max(amount) } }
                  card_1h:  { key: card_id, sliding: 1h, aggregates: { n: count, avg: mean(amount) } }
                sinks:
                  events: \(output)
                  dead_letter: \(deadLetters)
                  changelog: \(changelog)
                """, file: "bench-windows.yaml")
    }
}
