/// The state of one window definition in one partition: per key, its items (panes, sessions or buffered
/// events) and its close time in a `SlotTable`, and pools for the sketches that do not fit in a word.
///
/// Item layout, in 64-bit words:
/// - tumbling and hopping pane: `[start, accumulators…]`, sorted by start;
/// - session: `[start, end, accumulators…]`, sorted by start, disjoint;
/// - sliding: the event's raw record `[time, inputs…]`, sorted by time, equal times in arrival order.
final class WindowState {
    enum Shape {
        /// Tumbling windows are hopping windows whose advance is their size.
        case panes(size: Int64, advance: Int64)
        case sliding(size: Int64)
        case session(gap: Int64)
    }

    let index: Int
    let name: String
    let shape: Shape
    let lateness: Int64
    let emitsOnClose: Bool
    let maxEventsPerKey: Int
    let plan: AccumulatorPlan
    /// Words before the accumulators in a pane or session.
    let headerWords: Int
    let items: SlotTable
    /// Index of the first output of this window in the engine's output buffer.
    let outputBase: Int

    /// The plan compiled to flat arrays, read on every event without reference counting.
    private let operations: UnsafeMutablePointer<Operation>
    private let operationCount: Int
    private let outputOperations: UnsafeMutablePointer<OutputOperation>
    private let outputCount: Int
    let hasSketches: Bool

    // Sketch pools; `@exclusivity(unchecked)` for the reason given on `SlotTable`.
    @exclusivity(unchecked) var hyperLogLogs: [HyperLogLog] = []
    @exclusivity(unchecked) private var freeHyperLogLogs: [Int32] = []
    @exclusivity(unchecked) var quantileSketches: [DDSketch] = []
    @exclusivity(unchecked) private var freeQuantileSketches: [Int32] = []

    /// Accumulators for reads and emissions that merge several panes or fold buffered events.
    let scratch: UnsafeMutablePointer<UInt64>
    /// The current event reduced to this window's raw record.
    let raw: UnsafeMutablePointer<UInt64>

    @exclusivity(unchecked) private(set) var liveKeys = 0
    /// Keys whose state in this window was dropped because the keyspace was full.
    @exclusivity(unchecked) var evictedKeys = 0
    @exclusivity(unchecked) var lateEvents = 0
    @exclusivity(unchecked) var closedWindowCount = 0
    @exclusivity(unchecked) var truncatedEvents = 0

    enum Code: UInt8 {
        case eventCount, valueCount, sum, minimum, maximum, moments, first, last, countIf, distinct, quantiles
    }

    struct Operation {
        var code: Code
        var offset: Int
        var raw: Int
        var bit: Int
    }

    enum OutputCode: UInt8 {
        case integer, sum, mean, variance, standardDeviation, timed, distinct, quantile
    }

    struct OutputOperation {
        var code: OutputCode
        var offset: Int
        var secondOffset: Int
        var isSample: Bool
        var q: Double
    }

    init(index: Int, definition: WindowDefinition, plan: AccumulatorPlan, outputBase: Int, rows: KeyRows, column: Int) {
        self.index = index
        name = definition.name
        lateness = definition.allowedLateness
        emitsOnClose = definition.emitsOnClose
        maxEventsPerKey = definition.maxEventsPerKey
        self.plan = plan
        self.outputBase = outputBase
        switch definition.kind {
        case .tumbling(let size):
            shape = .panes(size: size, advance: size)
            headerWords = 1
        case .hopping(let size, let advance):
            shape = .panes(size: size, advance: advance)
            headerWords = 1
        case .sliding(let size):
            shape = .sliding(size: size)
            headerWords = 0
        case .session(let gap):
            shape = .session(gap: gap)
            headerWords = 2
        }
        if case .sliding = shape {
            items = SlotTable(stride: plan.rawWords, rows: rows, column: column)
        } else {
            items = SlotTable(stride: headerWords + plan.words, rows: rows, column: column)
        }
        operationCount = plan.kinds.count
        operations = .allocate(capacity: max(operationCount, 1))
        var sketches = false
        for (position, kind) in plan.kinds.enumerated() {
            let offset = plan.offsets[position]
            let operation: Operation
            switch kind {
            case .eventCount: operation = Operation(code: .eventCount, offset: offset, raw: 0, bit: 0)
            case .valueCount(let raw): operation = Operation(code: .valueCount, offset: offset, raw: raw, bit: 0)
            case .sum(let raw): operation = Operation(code: .sum, offset: offset, raw: raw, bit: 0)
            case .minimum(let raw): operation = Operation(code: .minimum, offset: offset, raw: raw, bit: 0)
            case .maximum(let raw): operation = Operation(code: .maximum, offset: offset, raw: raw, bit: 0)
            case .moments(let raw): operation = Operation(code: .moments, offset: offset, raw: raw, bit: 0)
            case .first(let raw): operation = Operation(code: .first, offset: offset, raw: raw, bit: 0)
            case .last(let raw): operation = Operation(code: .last, offset: offset, raw: raw, bit: 0)
            case .countIf(let raw, let bit): operation = Operation(code: .countIf, offset: offset, raw: raw, bit: bit)
            case .distinct(let raw, _):
                operation = Operation(code: .distinct, offset: offset, raw: raw, bit: 0)
                sketches = true
            case .quantiles(let raw, _, _):
                operation = Operation(code: .quantiles, offset: offset, raw: raw, bit: 0)
                sketches = true
            }
            (operations + position).initialize(to: operation)
        }
        hasSketches = sketches
        outputCount = plan.outputs.count
        outputOperations = .allocate(capacity: max(outputCount, 1))
        for (position, rule) in plan.outputs.enumerated() {
            let offsets = plan.offsets
            let operation: OutputOperation
            switch rule {
            case .count(let a), .integer(let a):
                operation = OutputOperation(code: .integer, offset: offsets[a], secondOffset: 0, isSample: false, q: 0)
            case .sum(let a), .extreme(let a):
                operation = OutputOperation(code: .sum, offset: offsets[a], secondOffset: 0, isSample: false, q: 0)
            case .mean(let count, let sum):
                operation = OutputOperation(
                    code: .mean, offset: offsets[count], secondOffset: offsets[sum], isSample: false, q: 0)
            case .variance(let a, let sample, let root):
                operation = OutputOperation(
                    code: root ? .standardDeviation : .variance, offset: offsets[a], secondOffset: 0, isSample: sample,
                    q: 0)
            case .timed(let a):
                operation = OutputOperation(code: .timed, offset: offsets[a], secondOffset: 0, isSample: false, q: 0)
            case .distinct(let a):
                operation = OutputOperation(code: .distinct, offset: offsets[a], secondOffset: 0, isSample: false, q: 0)
            case .quantile(let a, let q):
                operation = OutputOperation(code: .quantile, offset: offsets[a], secondOffset: 0, isSample: false, q: q)
            }
            (outputOperations + position).initialize(to: operation)
        }
        scratch = .allocate(capacity: max(plan.words, 1))
        raw = .allocate(capacity: plan.rawWords)
        raw.initialize(repeating: 0, count: plan.rawWords)
        initialize(scratch)
    }

    deinit {
        scratch.deallocate()
        raw.deallocate()
        operations.deallocate()
        outputOperations.deallocate()
    }

    var approximateBytes: Int {
        var bytes = items.approximateBytes
        bytes += hyperLogLogs.capacity * MemoryLayout<HyperLogLog>.stride
        for sketch in hyperLogLogs { bytes += sketch.approximateBytes }
        bytes += quantileSketches.capacity * MemoryLayout<DDSketch>.stride
        for sketch in quantileSketches { bytes += sketch.approximateBytes }
        return bytes
    }

    // MARK: - Raw records

    /// Reduces the event to this window's raw record in `raw`.
    @inline(__always)
    func loadRaw(time: Int64, values: [Double], predicates: [Bool], hashes: [UInt64]) {
        raw[0] = UInt64(bitPattern: time)
        var word = 1
        for column in plan.valueColumns {
            raw[word] = values[column].bitPattern
            word += 1
        }
        for column in plan.hashColumns {
            raw[word] = hashes[column]
            word += 1
        }
        if !plan.predicateColumns.isEmpty {
            var mask: UInt64 = 0
            for (bit, column) in plan.predicateColumns.enumerated() where predicates[column] {
                mask |= 1 << UInt64(bit)
            }
            raw[word] = mask
        }
    }

    // MARK: - Accumulators

    /// Sets empty accumulators, taking fresh sketches from the pools.
    func initialize(_ accumulators: UnsafeMutablePointer<UInt64>) {
        for position in 0..<operationCount {
            let operation = operations[position]
            let slot = accumulators + operation.offset
            switch operation.code {
            case .distinct:
                guard case .distinct(_, let precision) = plan.kinds[position] else { preconditionFailure() }
                slot[0] = UInt64(allocateHyperLogLog(HyperLogLog(precision: precision)))
            case .quantiles:
                guard case .quantiles(_, let alpha, let maxBins) = plan.kinds[position] else { preconditionFailure() }
                slot[0] = UInt64(allocateQuantileSketch(DDSketch(relativeAccuracy: alpha, maxBins: maxBins)))
            default:
                setEmpty(slot, operation.code)
            }
        }
    }

    @inline(__always)
    private func setEmpty(_ slot: UnsafeMutablePointer<UInt64>, _ code: Code) {
        switch code {
        case .eventCount, .valueCount, .countIf:
            slot[0] = 0
        case .sum:
            slot[0] = Double(0).bitPattern
        case .minimum, .maximum:
            slot[0] = Double.nan.bitPattern
        case .moments:
            slot[0] = Double(0).bitPattern
            slot[1] = Double(0).bitPattern
            slot[2] = Double(0).bitPattern
        case .first:
            slot[0] = UInt64(bitPattern: .max)
            slot[1] = Double.nan.bitPattern
        case .last:
            slot[0] = UInt64(bitPattern: .min)
            slot[1] = Double.nan.bitPattern
        case .distinct:
            hyperLogLogs[Int(slot[0])].clear()
        case .quantiles:
            quantileSketches[Int(slot[0])].clear()
        }
    }

    /// Empties the scratch accumulators, keeping their sketches and the sketches' storage.
    @inline(__always)
    func resetScratch() {
        for position in 0..<operationCount {
            let operation = operations[position]
            setEmpty(scratch + operation.offset, operation.code)
        }
    }

    /// Returns the sketches of an item's accumulators to the pools.
    func release(_ accumulators: UnsafeMutablePointer<UInt64>) {
        guard hasSketches else { return }
        for position in 0..<operationCount {
            let operation = operations[position]
            let word = accumulators[operation.offset]
            switch operation.code {
            case .distinct:
                hyperLogLogs[Int(word)].removeAll()
                freeHyperLogLogs.append(Int32(word))
            case .quantiles:
                quantileSketches[Int(word)].removeAll()
                freeQuantileSketches.append(Int32(word))
            default:
                break
            }
        }
    }

    /// Adds the raw record `record` to the accumulators.
    @inline(__always)
    func add(_ accumulators: UnsafeMutablePointer<UInt64>, record: UnsafePointer<UInt64>) {
        let time = Int64(bitPattern: record[0])
        for position in 0..<operationCount {
            let operation = operations[position]
            let slot = accumulators + operation.offset
            switch operation.code {
            case .eventCount:
                slot[0] &+= 1
            case .valueCount:
                if !Double(bitPattern: record[operation.raw]).isNaN { slot[0] &+= 1 }
            case .sum:
                let value = Double(bitPattern: record[operation.raw])
                if !value.isNaN { slot[0] = (Double(bitPattern: slot[0]) + value).bitPattern }
            case .minimum:
                let value = Double(bitPattern: record[operation.raw])
                let current = Double(bitPattern: slot[0])
                if !value.isNaN && (current.isNaN || value < current) { slot[0] = value.bitPattern }
            case .maximum:
                let value = Double(bitPattern: record[operation.raw])
                let current = Double(bitPattern: slot[0])
                if !value.isNaN && (current.isNaN || value > current) { slot[0] = value.bitPattern }
            case .moments:
                let value = Double(bitPattern: record[operation.raw])
                if !value.isNaN {
                    let n = Double(bitPattern: slot[0]) + 1
                    var mean = Double(bitPattern: slot[1])
                    let delta = value - mean
                    mean += delta / n
                    slot[0] = n.bitPattern
                    slot[1] = mean.bitPattern
                    slot[2] = (Double(bitPattern: slot[2]) + delta * (value - mean)).bitPattern
                }
            case .first:
                let value = Double(bitPattern: record[operation.raw])
                if !value.isNaN && time < Int64(bitPattern: slot[0]) {
                    slot[0] = UInt64(bitPattern: time)
                    slot[1] = value.bitPattern
                }
            case .last:
                let value = Double(bitPattern: record[operation.raw])
                if !value.isNaN && time >= Int64(bitPattern: slot[0]) {
                    slot[0] = UInt64(bitPattern: time)
                    slot[1] = value.bitPattern
                }
            case .countIf:
                if record[operation.raw] >> UInt64(operation.bit) & 1 == 1 { slot[0] &+= 1 }
            case .distinct:
                hyperLogLogs[Int(slot[0])].insert(hash: record[operation.raw])
            case .quantiles:
                quantileSketches[Int(slot[0])].add(Double(bitPattern: record[operation.raw]))
            }
        }
    }

    /// Adds the raw records `first...last` of a contiguous run (`stride` words apart) to the accumulators,
    /// accumulator by accumulator: one dispatch per accumulator instead of one per record, and the same
    /// order of additions per accumulator as record-by-record `add`, so the results are identical.
    func addRun(_ accumulators: UnsafeMutablePointer<UInt64>, records: UnsafePointer<UInt64>, count: Int, stride: Int) {
        guard count > 0 else { return }
        for position in 0..<operationCount {
            let operation = operations[position]
            let slot = accumulators + operation.offset
            let raw = operation.raw
            switch operation.code {
            case .eventCount:
                slot[0] &+= UInt64(count)
            case .valueCount:
                var n = slot[0]
                for index in 0..<count where !Double(bitPattern: records[index * stride + raw]).isNaN { n &+= 1 }
                slot[0] = n
            case .sum:
                var sum = Double(bitPattern: slot[0])
                for index in 0..<count {
                    let value = Double(bitPattern: records[index * stride + raw])
                    if !value.isNaN { sum += value }
                }
                slot[0] = sum.bitPattern
            case .minimum:
                var current = Double(bitPattern: slot[0])
                for index in 0..<count {
                    let value = Double(bitPattern: records[index * stride + raw])
                    if !value.isNaN && (current.isNaN || value < current) { current = value }
                }
                slot[0] = current.bitPattern
            case .maximum:
                var current = Double(bitPattern: slot[0])
                for index in 0..<count {
                    let value = Double(bitPattern: records[index * stride + raw])
                    if !value.isNaN && (current.isNaN || value > current) { current = value }
                }
                slot[0] = current.bitPattern
            case .countIf:
                var n = slot[0]
                for index in 0..<count where records[index * stride + raw] >> UInt64(operation.bit) & 1 == 1 { n &+= 1 }
                slot[0] = n
            case .moments, .first, .last, .distinct, .quantiles:
                for index in 0..<count { addOne(operation, slot, records + index * stride) }
            }
        }
    }

    @inline(__always)
    private func addOne(_ operation: Operation, _ slot: UnsafeMutablePointer<UInt64>, _ record: UnsafePointer<UInt64>) {
        let time = Int64(bitPattern: record[0])
        switch operation.code {
        case .moments:
            let value = Double(bitPattern: record[operation.raw])
            if !value.isNaN {
                let n = Double(bitPattern: slot[0]) + 1
                var mean = Double(bitPattern: slot[1])
                let delta = value - mean
                mean += delta / n
                slot[0] = n.bitPattern
                slot[1] = mean.bitPattern
                slot[2] = (Double(bitPattern: slot[2]) + delta * (value - mean)).bitPattern
            }
        case .first:
            let value = Double(bitPattern: record[operation.raw])
            if !value.isNaN && time < Int64(bitPattern: slot[0]) {
                slot[0] = UInt64(bitPattern: time)
                slot[1] = value.bitPattern
            }
        case .last:
            let value = Double(bitPattern: record[operation.raw])
            if !value.isNaN && time >= Int64(bitPattern: slot[0]) {
                slot[0] = UInt64(bitPattern: time)
                slot[1] = value.bitPattern
            }
        case .distinct:
            hyperLogLogs[Int(slot[0])].insert(hash: record[operation.raw])
        case .quantiles:
            quantileSketches[Int(slot[0])].add(Double(bitPattern: record[operation.raw]))
        case .eventCount, .valueCount, .sum, .minimum, .maximum, .countIf:
            break
        }
    }

    /// Folds `source` into `target`; `source` must hold only later event times than `target`
    /// (panes and sessions are merged in time order, so ties between them cannot occur).
    @inline(__always)
    func merge(into target: UnsafeMutablePointer<UInt64>, from source: UnsafePointer<UInt64>) {
        for position in 0..<operationCount {
            let operation = operations[position]
            let slot = target + operation.offset
            let other = source + operation.offset
            switch operation.code {
            case .eventCount, .valueCount, .countIf:
                slot[0] &+= other[0]
            case .sum:
                slot[0] = (Double(bitPattern: slot[0]) + Double(bitPattern: other[0])).bitPattern
            case .minimum:
                let value = Double(bitPattern: other[0])
                let current = Double(bitPattern: slot[0])
                if !value.isNaN && (current.isNaN || value < current) { slot[0] = other[0] }
            case .maximum:
                let value = Double(bitPattern: other[0])
                let current = Double(bitPattern: slot[0])
                if !value.isNaN && (current.isNaN || value > current) { slot[0] = other[0] }
            case .moments:
                // Chan, Golub and LeVeque's pairwise update.
                let nb = Double(bitPattern: other[0])
                if nb == 0 { break }
                let na = Double(bitPattern: slot[0])
                if na == 0 {
                    slot[0] = other[0]
                    slot[1] = other[1]
                    slot[2] = other[2]
                    break
                }
                let n = na + nb
                let meanA = Double(bitPattern: slot[1])
                let delta = Double(bitPattern: other[1]) - meanA
                slot[0] = n.bitPattern
                slot[1] = (meanA + delta * nb / n).bitPattern
                slot[2] =
                    (Double(bitPattern: slot[2]) + Double(bitPattern: other[2]) + delta * delta * na * nb / n)
                    .bitPattern
            case .first:
                if Int64(bitPattern: other[0]) < Int64(bitPattern: slot[0]) {
                    slot[0] = other[0]
                    slot[1] = other[1]
                }
            case .last:
                if Int64(bitPattern: other[0]) >= Int64(bitPattern: slot[0]) && !Double(bitPattern: other[1]).isNaN {
                    slot[0] = other[0]
                    slot[1] = other[1]
                }
            case .distinct:
                let sketch = hyperLogLogs[Int(other[0])]
                hyperLogLogs[Int(slot[0])].merge(sketch)
            case .quantiles:
                let sketch = quantileSketches[Int(other[0])]
                quantileSketches[Int(slot[0])].merge(sketch)
            }
        }
    }

    /// Writes the window's aggregate values from `accumulators` to `output`.
    @inline(__always)
    func computeOutputs(_ accumulators: UnsafePointer<UInt64>, into output: UnsafeMutablePointer<Double>) {
        for position in 0..<outputCount {
            let operation = outputOperations[position]
            let slot = accumulators + operation.offset
            switch operation.code {
            case .integer:
                output[position] = Double(slot[0])
            case .sum:
                output[position] = Double(bitPattern: slot[0])
            case .mean:
                let n = slot[0]
                output[position] = n == 0 ? .nan : Double(bitPattern: accumulators[operation.secondOffset]) / Double(n)
            case .variance, .standardDeviation:
                let n = Double(bitPattern: slot[0])
                let m2 = Double(bitPattern: slot[2])
                let variance = operation.isSample ? (n < 2 ? .nan : m2 / (n - 1)) : (n < 1 ? .nan : m2 / n)
                output[position] = operation.code == .standardDeviation ? variance.squareRoot() : variance
            case .timed:
                output[position] = Double(bitPattern: slot[1])
            case .distinct:
                output[position] = hyperLogLogs[Int(slot[0])].estimate()
            case .quantile:
                output[position] = quantileSketches[Int(slot[0])].quantile(operation.q)
            }
        }
    }

    func writeMissing(into output: UnsafeMutablePointer<Double>) {
        for position in 0..<outputCount { output[position] = .nan }
    }

    // MARK: - Sketch pools

    func allocateHyperLogLog(_ sketch: HyperLogLog) -> Int {
        if let free = freeHyperLogLogs.popLast() {
            hyperLogLogs[Int(free)] = sketch
            return Int(free)
        }
        hyperLogLogs.append(sketch)
        return hyperLogLogs.count - 1
    }

    func allocateQuantileSketch(_ sketch: DDSketch) -> Int {
        if let free = freeQuantileSketches.popLast() {
            quantileSketches[Int(free)] = sketch
            return Int(free)
        }
        quantileSketches.append(sketch)
        return quantileSketches.count - 1
    }

    // MARK: - Slots

    /// When the slot next needs closing: for windows that emit on close and for sessions, the end of its
    /// next window; for the others, when its newest item leaves every window — older items are pruned by
    /// the key's own events (`pruneExpired`), so a slot only surfaces once it has gone quiet.
    /// `Int64.max` when it holds nothing.
    func nextCloseTime(_ slot: Int) -> Int64 {
        let count = items.count(slot)
        guard count > 0 else { return .max }
        switch shape {
        case .panes(let size, let advance):
            if emitsOnClose {
                return max(items.mark(slot) &+ advance, items.time(slot, 0) + advance)
            }
            return items.time(slot, count - 1) + size
        case .sliding(let size):
            return items.time(slot, count - 1) + size
        case .session:
            return Int64(bitPattern: items.item(slot, 0)[1])
        }
    }

    /// Whether expired items are pruned by the key's own events rather than closed one by one.
    var prunesOnAccept: Bool {
        switch shape {
        case .panes: !emitsOnClose
        case .sliding: true
        case .session: false
        }
    }

    /// Drops everything the slot holds, without emitting (key eviction or replacement by restore); returns whether
    /// it held anything.
    @discardableResult
    func evict(_ slot: Int) -> Bool {
        let count = items.count(slot)
        if count > 0 {
            if hasSketches, headerWords > 0 {
                for position in 0..<count { release(items.item(slot, position) + headerWords) }
            }
            items.removeAll(slot)
            liveKeys -= 1
        }
        items.setCloseTime(slot, .max)
        items.setMark(slot, .min)
        return count > 0
    }

    /// Forgets per-slot bookkeeping when the keyspace frees the slot.
    func slotFreed(_ slot: Int) {
        precondition(items.count(slot) == 0, "freeing a slot that still holds items")
        items.removeAll(slot)
        items.setCloseTime(slot, .max)
        items.setMark(slot, .min)
    }

    func noteFirstItem() { liveKeys += 1 }
    func noteEmptied() { liveKeys -= 1 }
}

/// Floor division for event times, which may be negative.
@inline(__always)
func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
    let quotient = a / b
    return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
}

extension DDSketch {
    /// Empties the sketch but keeps its storage, for scratch sketches reused on every read.
    mutating func clear() {
        positive.clear()
        negative.clear()
        zeroCount = 0
    }
}

extension DDSketchStore {
    mutating func clear() {
        counts.removeAll(keepingCapacity: true)
        offset = 0
        total = 0
        hasCollapsed = false
    }
}
