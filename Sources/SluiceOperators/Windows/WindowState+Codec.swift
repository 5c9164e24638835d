/// The binary form of one key's items in one window, inside the keyspace record written by
/// `WindowEngine.encodeState`. Times are zigzag varints (deltas from the previous item), counts varints,
/// doubles their 8 raw bytes, so that a restored state is bit-for-bit the state that was written.
extension WindowState {
    /// Decoded items waiting to be installed; sketch words index `hyperLogLogs` / `quantileSketches` here.
    struct DecodedItems {
        var count = 0
        var mark: Int64 = .min
        var words: [UInt64] = []
        var hyperLogLogs: [HyperLogLog] = []
        var quantileSketches: [DDSketch] = []
    }

    /// Bound on decoded times; generous next to the accepted event times (±2^53) so arithmetic never overflows.
    private static let timeLimit: Int64 = 1 << 55

    func encode(slot: Int, into writer: inout StateWriter) {
        let count = items.count(slot)
        writer.varint(UInt64(count))
        writer.signed(items.mark(slot))
        var previous: Int64 = 0
        for position in 0..<count {
            let item = items.item(slot, position)
            let start = Int64(bitPattern: item[0])
            writer.signed(start - previous)
            previous = start
            switch shape {
            case .panes:
                encodeAccumulators(item + 1, into: &writer)
            case .session:
                writer.varint(UInt64(Int64(bitPattern: item[1]) - start))
                encodeAccumulators(item + 2, into: &writer)
            case .sliding:
                var word = 1
                for _ in plan.valueColumns {
                    writer.word(item[word])
                    word += 1
                }
                for _ in plan.hashColumns {
                    writer.word(item[word])
                    word += 1
                }
                if !plan.predicateColumns.isEmpty { writer.varint(item[word]) }
            }
        }
    }

    private func encodeAccumulators(_ accumulators: UnsafePointer<UInt64>, into writer: inout StateWriter) {
        for (position, kind) in plan.kinds.enumerated() {
            let slot = accumulators + plan.offsets[position]
            switch kind {
            case .eventCount, .valueCount, .countIf:
                writer.varint(slot[0])
            case .sum, .minimum, .maximum:
                writer.word(slot[0])
            case .moments:
                writer.word(slot[0])
                writer.word(slot[1])
                writer.word(slot[2])
            case .first, .last:
                writer.signed(Int64(bitPattern: slot[0]))
                writer.word(slot[1])
            case .distinct:
                let sketch = hyperLogLogs[Int(slot[0])]
                writer.byte(UInt8(sketch.precision))
                if sketch.isDense {
                    writer.byte(1)
                    writer.bytes.append(contentsOf: sketch.dense)
                } else {
                    writer.byte(0)
                    writer.varint(UInt64(sketch.sparse.count))
                    var previous: UInt32 = 0
                    for entry in sketch.sparse {
                        writer.varint(UInt64((entry >> 8) - previous))
                        writer.byte(UInt8(truncatingIfNeeded: entry))
                        previous = entry >> 8
                    }
                }
            case .quantiles:
                let sketch = quantileSketches[Int(slot[0])]
                writer.varint(sketch.zeroCount)
                for store in [sketch.positive, sketch.negative] {
                    writer.byte(store.hasCollapsed ? 1 : 0)
                    writer.varint(UInt64(store.counts.count))
                    if !store.counts.isEmpty {
                        writer.signed(Int64(store.offset))
                        for count in store.counts { writer.varint(UInt64(count)) }
                    }
                }
            }
        }
    }

    func decode(from reader: inout StateReader) throws(WindowError) -> DecodedItems {
        var decoded = DecodedItems()
        let limit: Int
        if case .sliding = shape { limit = maxEventsPerKey } else { limit = reader.remaining }
        decoded.count = try reader.count(atMost: limit)
        decoded.mark = try reader.signed()
        if decoded.mark != .min {
            var isAligned = true
            if case .panes(_, let advance) = shape { isAligned = decoded.mark % advance == 0 }
            guard isAligned, decoded.mark > -Self.timeLimit, decoded.mark < Self.timeLimit else {
                throw WindowError(.corruptState, "close mark out of range", window: name)
            }
        }
        decoded.words.reserveCapacity(decoded.count * items.stride)
        var previous: Int64 = 0
        var previousEnd: Int64 = .min
        for position in 0..<decoded.count {
            let (start, overflow) = previous.addingReportingOverflow(try reader.signed())
            guard !overflow, start > -Self.timeLimit, start < Self.timeLimit else {
                throw WindowError(.corruptState, "item time out of range", window: name)
            }
            switch shape {
            case .panes(_, let advance):
                guard start % advance == 0, position == 0 || start > previous else {
                    throw WindowError(.corruptState, "panes are misaligned or out of order", window: name)
                }
                decoded.words.append(UInt64(bitPattern: start))
                try decodeAccumulators(from: &reader, into: &decoded)
            case .session(let gap):
                let length = try reader.varint()
                guard length >= UInt64(gap), length < UInt64(Self.timeLimit), start >= previousEnd else {
                    throw WindowError(.corruptState, "sessions overlap or are shorter than the gap", window: name)
                }
                let end = start + Int64(length)
                previousEnd = end
                decoded.words.append(UInt64(bitPattern: start))
                decoded.words.append(UInt64(bitPattern: end))
                try decodeAccumulators(from: &reader, into: &decoded)
            case .sliding:
                guard position == 0 || start >= previous else {
                    throw WindowError(.corruptState, "buffered events are out of order", window: name)
                }
                decoded.words.append(UInt64(bitPattern: start))
                for _ in 0..<(plan.valueColumns.count + plan.hashColumns.count) {
                    decoded.words.append(try reader.word())
                }
                if !plan.predicateColumns.isEmpty {
                    let mask = try reader.varint()
                    guard plan.predicateColumns.count == 64 || mask >> UInt64(plan.predicateColumns.count) == 0 else {
                        throw WindowError(.corruptState, "predicate bits out of range", window: name)
                    }
                    decoded.words.append(mask)
                }
            }
            previous = start
        }
        return decoded
    }

    private func decodeAccumulators(from reader: inout StateReader, into decoded: inout DecodedItems)
        throws(WindowError)
    {
        for kind in plan.kinds {
            switch kind {
            case .eventCount, .valueCount, .countIf:
                decoded.words.append(try reader.varint())
            case .sum, .minimum, .maximum:
                decoded.words.append(try reader.word())
            case .moments:
                for _ in 0..<3 { decoded.words.append(try reader.word()) }
            case .first, .last:
                decoded.words.append(UInt64(bitPattern: try reader.signed()))
                decoded.words.append(try reader.word())
            case .distinct(_, let precision):
                decoded.words.append(UInt64(decoded.hyperLogLogs.count))
                decoded.hyperLogLogs.append(try decodeHyperLogLog(from: &reader, precision: precision))
            case .quantiles(_, let alpha, let maxBins):
                decoded.words.append(UInt64(decoded.quantileSketches.count))
                decoded.quantileSketches.append(
                    try decodeQuantileSketch(from: &reader, relativeAccuracy: alpha, maxBins: maxBins))
            }
        }
    }

    private func decodeHyperLogLog(from reader: inout StateReader, precision: Int) throws(WindowError) -> HyperLogLog {
        guard Int(try reader.byte()) == precision else {
            throw WindowError(.corruptState, "distinct-count precision differs", window: name)
        }
        let registers = 1 << precision
        let maximumRank = 64 - precision + 1
        let form = try reader.byte()
        if form == 1 {
            guard reader.remaining >= registers else { throw StateReader.truncated }
            var dense = [UInt8](repeating: 0, count: registers)
            for index in 0..<registers {
                let rank = try reader.byte()
                guard Int(rank) <= maximumRank else {
                    throw WindowError(.corruptState, "register rank out of range", window: name)
                }
                dense[index] = rank
            }
            return HyperLogLog(precision: precision, sparse: [], dense: dense)
        }
        guard form == 0 else { throw WindowError(.corruptState, "unknown sketch form \(form)", window: name) }
        let count = try reader.count(atMost: min(registers, reader.remaining))
        var sparse: [UInt32] = []
        sparse.reserveCapacity(count)
        var index = -1
        for _ in 0..<count {
            let delta = try reader.varint()
            guard delta <= UInt64(registers), (index < 0 || delta > 0) else {
                throw WindowError(.corruptState, "sparse registers out of order", window: name)
            }
            index = max(index, 0) + Int(delta)
            let rank = try reader.byte()
            guard index < registers, rank >= 1, Int(rank) <= maximumRank else {
                throw WindowError(.corruptState, "sparse register out of range", window: name)
            }
            sparse.append(UInt32(index) << 8 | UInt32(rank))
        }
        return HyperLogLog(precision: precision, sparse: sparse, dense: [])
    }

    private func decodeQuantileSketch(
        from reader: inout StateReader, relativeAccuracy: Double, maxBins: Int
    ) throws(WindowError) -> DDSketch {
        let zeroCount = try reader.varint()
        var stores: [DDSketchStore] = []
        for _ in 0..<2 {
            var store = DDSketchStore()
            let collapsed = try reader.byte()
            guard collapsed <= 1 else { throw WindowError(.corruptState, "bad collapse flag", window: name) }
            store.hasCollapsed = collapsed == 1
            let binCount = try reader.count(atMost: min(maxBins, reader.remaining))
            if binCount > 0 {
                let offset = try reader.signed()
                guard offset > -(1 << 24), offset < 1 << 24 else {
                    throw WindowError(.corruptState, "bin index out of range", window: name)
                }
                store.offset = Int(offset)
                store.counts.reserveCapacity(binCount)
                var total: UInt64 = 0
                for _ in 0..<binCount {
                    let count = try reader.varint()
                    guard count <= UInt64(UInt32.max) else {
                        throw WindowError(.corruptState, "bin count out of range", window: name)
                    }
                    store.counts.append(UInt32(count))
                    total &+= count
                }
                guard store.counts[binCount - 1] > 0 else {
                    throw WindowError(.corruptState, "highest bin is empty", window: name)
                }
                store.total = total
            }
            stores.append(store)
        }
        return DDSketch(
            relativeAccuracy: relativeAccuracy, maxBins: maxBins, positive: stores[0], negative: stores[1],
            zeroCount: zeroCount)
    }

    /// Replaces the slot's items by decoded ones; the slot must be empty.
    func install(slot: Int, _ decoded: DecodedItems) {
        items.setMark(slot, decoded.mark)
        guard decoded.count > 0, let base = items.reset(slot, count: decoded.count) else {
            items.setCloseTime(slot, .max)
            return
        }
        base.initialize(from: decoded.words, count: decoded.count * items.stride)
        if hasSketches && headerWords > 0 {
            for position in 0..<decoded.count {
                let accumulators = base + position * items.stride + headerWords
                for (index, kind) in plan.kinds.enumerated() {
                    let slot = accumulators + plan.offsets[index]
                    switch kind {
                    case .distinct:
                        slot[0] = UInt64(allocateHyperLogLog(decoded.hyperLogLogs[Int(slot[0])]))
                    case .quantiles:
                        slot[0] = UInt64(allocateQuantileSketch(decoded.quantileSketches[Int(slot[0])]))
                    default:
                        break
                    }
                }
            }
        }
        noteFirstItem()
        items.setCloseTime(slot, nextCloseTime(slot))
    }
}
