import SluiceCore
import SluiceOperators

/// One lane's view of the lookup tables: the snapshot of each table it reads (taken again only when the table's
/// generation moved, so an update is visible to the lane's next event) and the rows the current event found.
final class LaneLookups {
    let plan: LookupPlan
    private var snapshots: [TableSnapshot]
    private var generations: [Int]
    /// The current event's row per lookup; nil for a miss.
    private(set) var rows: UnsafeMutableBufferPointer<TableRow?>
    let slots: UnsafeMutableBufferPointer<LookupPlan.Slot>
    private var hitsSinceTick: [Int]
    private var missesSinceTick: [Int]
    private let keyDigits = UnsafeMutableRawBufferPointer.allocate(byteCount: 24, alignment: 1)

    init(plan: LookupPlan) {
        self.plan = plan
        snapshots = plan.lookups.map { $0.table.snapshot() }
        generations = plan.lookups.map { _ in -1 }
        rows = .allocate(capacity: max(plan.lookups.count, 1))
        rows.initialize(repeating: nil)
        slots = .allocate(capacity: max(plan.slots.count, 1))
        _ = slots.initialize(from: plan.slots)
        hitsSinceTick = Array(repeating: 0, count: plan.lookups.count)
        missesSinceTick = Array(repeating: 0, count: plan.lookups.count)
    }

    deinit {
        rows.deallocate()
        slots.deallocate()
        keyDigits.deallocate()
    }

    /// Looks up every table for the event in `fields`. Returns the index of the first lookup that missed and
    /// dead-letters misses, or nil.
    func resolve(_ fields: EventFields) -> Int? {
        var deadLettering: Int?
        for (index, lookup) in plan.lookups.enumerated() {
            let generation = lookup.table.generation.load(ordering: .acquiring)
            if generation != generations[index] {
                generations[index] = generation
                snapshots[index] = lookup.table.snapshot()
            }
            var row: TableRow?
            if fields.isPresent(lookup.keyField) {
                if lookup.keyIsString {
                    row = snapshots[index].find(fields.stringBytes(lookup.keyField))
                } else {
                    row = snapshots[index].find(writeDecimal(fields.integer(lookup.keyField), into: keyDigits))
                }
            }
            rows[index] = row
            if row == nil {
                missesSinceTick[index] += 1
                if deadLettering == nil, lookup.specification.onMiss == .deadLetter { deadLettering = index }
            } else {
                hitsSinceTick[index] += 1
            }
        }
        return deadLettering
    }

    /// Adds the hits and misses since the last call to the pipeline's counters.
    func publishCounts() {
        for (index, lookup) in plan.lookups.enumerated() {
            if hitsSinceTick[index] > 0 { lookup.counters.hits.add(hitsSinceTick[index], ordering: .relaxed) }
            if missesSinceTick[index] > 0 { lookup.counters.misses.add(missesSinceTick[index], ordering: .relaxed) }
            hitsSinceTick[index] = 0
            missesSinceTick[index] = 0
        }
    }
}

/// Feature inputs of a lane with lookups: event fields, window outputs and the rows its lookups found.
struct LaneExpressionInputs: ExpressionInputs {
    var fields: EventFields
    var windowOutputs: UnsafeBufferPointer<Double>
    var rows: UnsafeMutableBufferPointer<TableRow?>
    var slots: UnsafeMutableBufferPointer<LookupPlan.Slot>

    @inline(__always) func number(_ symbol: ExpressionSymbol) -> Double {
        switch symbol.source {
        case .event: return fields.number(symbol.slot)
        case .window: return symbol.slot < windowOutputs.count ? windowOutputs[symbol.slot] : .nan
        case .lookup:
            let slot = slots[symbol.slot]
            guard let row = rows[slot.lookup] else { return .nan }
            if slot.isAge { return Double(fields.eventTime) - row.number(slot.storage) }
            return row.number(slot.storage)
        }
    }

    @inline(__always) func string(_ symbol: ExpressionSymbol) -> UnsafeRawBufferPointer? {
        switch symbol.source {
        case .event: return fields.isPresent(symbol.slot) ? fields.stringBytes(symbol.slot) : nil
        case .window: return nil
        case .lookup:
            let slot = slots[symbol.slot]
            return rows[slot.lookup]?.string(slot.storage)
        }
    }
}
