/// Lateness, merging, reading and closing for each window shape. `watermark` is always this window's
/// watermark: the partition's event clock minus the window's allowed lateness.
extension WindowState {
    // MARK: - Lateness

    /// Whether an event at `time` is late for this window: every window it could join is closed.
    /// `slot` is the key's slot or -1 when the key holds no state.
    @inline(__always)
    func isLate(slot: Int, time: Int64, watermark: Int64) -> Bool {
        switch shape {
        case .panes(let size, let advance):
            return readEnd(time: time, watermark: watermark, advance: advance) - size > time
        case .sliding:
            // The lookback (t − size, t] ends with t; it is closed once the watermark passes t.
            return time < watermark
        case .session(let gap):
            if time + gap > watermark { return false }
            // The event's own window [t, t + gap) is closed; it can still join an open session it touches.
            guard slot >= 0 else { return true }
            for position in 0..<items.count(slot) {
                let session = items.item(slot, position)
                if Int64(bitPattern: session[1]) > time && Int64(bitPattern: session[0]) < time + gap { return false }
            }
            return true
        }
    }

    /// End of the window read for an event at `time`: the earliest-ending open window containing it,
    /// that is the smallest multiple of `advance` above both `time` and the watermark.
    @inline(__always)
    func readEnd(time: Int64, watermark: Int64, advance: Int64) -> Int64 {
        (floorDivide(max(time, watermark), advance) + 1) * advance
    }

    // MARK: - Accepting an event

    /// Merges the event in `raw` into the slot and writes the window's values as of this event to `output`.
    func accept(slot: Int, time: Int64, watermark: Int64, output: UnsafeMutablePointer<Double>) {
        if prunesOnAccept && items.count(slot) > 0 { pruneExpired(slot: slot, watermark: watermark) }
        if items.count(slot) == 0 { noteFirstItem() }
        switch shape {
        case .panes(let size, let advance):
            acceptPane(slot: slot, time: time, watermark: watermark, size: size, advance: advance, output: output)
        case .sliding(let size):
            acceptSliding(slot: slot, time: time, size: size, output: output)
        case .session(let gap):
            acceptSession(slot: slot, time: time, gap: gap, output: output)
        }
        items.lowerCloseTime(slot, nextCloseTime(slot))
    }

    /// Drops the slot's leading items that no open or future window can contain.
    @inline(__always)
    private func pruneExpired(slot: Int, watermark: Int64) {
        let size: Int64
        switch shape {
        case .panes(let paneSize, _): size = paneSize
        case .sliding(let lookback): size = lookback
        case .session: return
        }
        let count = items.count(slot)
        var expired = 0
        while expired < count && items.time(slot, expired) + size <= watermark {
            if headerWords > 0 { release(items.item(slot, expired) + headerWords) }
            expired += 1
        }
        guard expired > 0 else { return }
        items.remove(slot, 0..<expired)
        if expired == count { noteEmptied() }
    }

    private func acceptPane(
        slot: Int, time: Int64, watermark: Int64, size: Int64, advance: Int64, output: UnsafeMutablePointer<Double>
    ) {
        let paneStart = floorDivide(time, advance) * advance
        // Windows ending at or before the watermark are closed whether or not this key was looked at.
        items.setMark(slot, max(items.mark(slot), floorDivide(watermark, advance) * advance))
        var count = items.count(slot)
        var position = count - 1
        while position >= 0 && Int64(bitPattern: items.item(slot, position)[0]) > paneStart { position -= 1 }
        let pane: UnsafeMutablePointer<UInt64>
        if position >= 0 && Int64(bitPattern: items.item(slot, position)[0]) == paneStart {
            pane = items.item(slot, position)
        } else {
            position += 1
            pane = items.insert(slot, at: position)
            pane[0] = UInt64(bitPattern: paneStart)
            initialize(pane + 1)
            count += 1
        }
        add(pane + 1, record: raw)

        let end = readEnd(time: time, watermark: watermark, advance: advance)
        let start = end - size
        var first = position
        while first > 0 && Int64(bitPattern: items.item(slot, first - 1)[0]) >= start { first -= 1 }
        var last = position
        while last + 1 < count && Int64(bitPattern: items.item(slot, last + 1)[0]) < end { last += 1 }
        if first == last {
            computeOutputs(items.item(slot, position) + 1, into: output)
        } else {
            resetScratch()
            for index in first...last { merge(into: scratch, from: items.item(slot, index) + 1) }
            computeOutputs(scratch, into: output)
        }
    }

    private func acceptSliding(slot: Int, time: Int64, size: Int64, output: UnsafeMutablePointer<Double>) {
        var position = items.count(slot)
        while position > 0 && Int64(bitPattern: items.item(slot, position - 1)[0]) > time { position -= 1 }
        let record = items.insert(slot, at: position)
        record.update(from: raw, count: plan.rawWords)

        // Everything at or before `position` has a time ≤ t; fold back to the first time above t − size.
        let start = time - size
        var first = position
        while first > 0 && Int64(bitPattern: items.item(slot, first - 1)[0]) > start { first -= 1 }
        resetScratch()
        addRun(scratch, records: items.item(slot, first), count: position - first + 1, stride: items.stride)
        computeOutputs(scratch, into: output)

        if items.count(slot) > maxEventsPerKey {
            items.remove(slot, 0..<1)
            truncatedEvents += 1
        }
    }

    private func acceptSession(slot: Int, time: Int64, gap: Int64, output: UnsafeMutablePointer<Double>) {
        let count = items.count(slot)
        // Sessions are sorted and disjoint, so their ends are sorted too: the ones [t, t + gap) overlaps
        // form one run, and it holds at most two sessions.
        var first = 0
        while first < count && Int64(bitPattern: items.item(slot, first)[1]) <= time { first += 1 }
        var past = first
        while past < count && Int64(bitPattern: items.item(slot, past)[0]) < time + gap { past += 1 }
        if first == past {
            let session = items.insert(slot, at: first)
            session[0] = UInt64(bitPattern: time)
            session[1] = UInt64(bitPattern: time + gap)
            initialize(session + 2)
        } else if past - first > 1 {
            let target = items.item(slot, first)
            for index in (first + 1)..<past {
                let other = items.item(slot, index)
                merge(into: target + 2, from: other + 2)
                release(other + 2)
                target[1] = UInt64(bitPattern: max(Int64(bitPattern: target[1]), Int64(bitPattern: other[1])))
            }
            items.remove(slot, (first + 1)..<past)
        }
        let session = items.item(slot, first)
        session[0] = UInt64(bitPattern: min(Int64(bitPattern: session[0]), time))
        session[1] = UInt64(bitPattern: max(Int64(bitPattern: session[1]), time + gap))
        add(session + 2, record: raw)
        computeOutputs(session + 2, into: output)
    }

    // MARK: - Closing

    /// Closes the slot's windows that end at or before `watermark`: emits them when the definition asks
    /// for it, frees items no open window needs, and files the slot's exact next close time. Returns
    /// whether anything was emitted or freed (the heap time may have been an early lower bound).
    @discardableResult
    func close(slot: Int, watermark: Int64, keyspace: Keyspace, into closed: inout ClosedWindows) -> Bool {
        let count = items.count(slot)
        guard count > 0 else {
            items.setCloseTime(slot, .max)
            return false
        }
        let emittedBefore = closedWindowCount
        var expired = 0
        switch shape {
        case .panes(let size, let advance):
            if emitsOnClose {
                emitPanes(
                    slot: slot, watermark: watermark, size: size, advance: advance, keyspace: keyspace, into: &closed)
            }
            items.setMark(slot, max(items.mark(slot), floorDivide(watermark, advance) * advance))
            while expired < count && Int64(bitPattern: items.item(slot, expired)[0]) + size <= watermark {
                release(items.item(slot, expired) + 1)
                expired += 1
            }
        case .sliding(let size):
            while expired < count && Int64(bitPattern: items.item(slot, expired)[0]) + size <= watermark {
                expired += 1
            }
        case .session:
            while expired < count && Int64(bitPattern: items.item(slot, expired)[1]) <= watermark {
                let session = items.item(slot, expired)
                if emitsOnClose {
                    emit(
                        slot: slot, start: Int64(bitPattern: session[0]), end: Int64(bitPattern: session[1]),
                        accumulators: session + 2, keyspace: keyspace, into: &closed)
                }
                release(session + 2)
                expired += 1
            }
        }
        items.remove(slot, 0..<expired)
        if expired == count { noteEmptied() }
        items.setCloseTime(slot, nextCloseTime(slot))
        return expired > 0 || closedWindowCount != emittedBefore
    }

    /// Emits every window of the slot ending after its mark and at or before `watermark` that holds a pane.
    private func emitPanes(
        slot: Int, watermark: Int64, size: Int64, advance: Int64, keyspace: Keyspace, into closed: inout ClosedWindows
    ) {
        let count = items.count(slot)
        var end = max(items.mark(slot) &+ advance, Int64(bitPattern: items.item(slot, 0)[0]) + advance)
        var first = 0
        while end <= watermark {
            let start = end - size
            while first < count && Int64(bitPattern: items.item(slot, first)[0]) < start { first += 1 }
            if first == count { break }
            let firstStart = Int64(bitPattern: items.item(slot, first)[0])
            if firstStart >= end {
                // No pane in [start, end): the next window holding one ends one advance after that pane.
                end = firstStart + advance
                continue
            }
            var past = first + 1
            while past < count && Int64(bitPattern: items.item(slot, past)[0]) < end { past += 1 }
            if past - first == 1 {
                emit(
                    slot: slot, start: start, end: end, accumulators: items.item(slot, first) + 1, keyspace: keyspace,
                    into: &closed)
            } else {
                resetScratch()
                for index in first..<past { merge(into: scratch, from: items.item(slot, index) + 1) }
                emit(slot: slot, start: start, end: end, accumulators: scratch, keyspace: keyspace, into: &closed)
            }
            end += advance
        }
    }

    private func emit(
        slot: Int, start: Int64, end: Int64, accumulators: UnsafePointer<UInt64>, keyspace: Keyspace,
        into closed: inout ClosedWindows
    ) {
        let valueStart = closed.values.count
        let valueCount = plan.outputs.count
        closed.values.append(contentsOf: repeatElement(0, count: valueCount))
        closed.values.withUnsafeMutableBufferPointer { values in
            computeOutputs(accumulators, into: values.baseAddress! + valueStart)
        }
        let keyStart = closed.keyBytes.count
        keyspace.withKey(slot) { key in closed.keyBytes.append(contentsOf: key) }
        closed.entries.append(
            ClosedWindows.Entry(
                window: Int32(index), keyLength: Int32(closed.keyBytes.count - keyStart), keyStart: keyStart,
                valueStart: valueStart, valueCount: valueCount, start: start, end: end))
        closedWindowCount += 1
    }
}
