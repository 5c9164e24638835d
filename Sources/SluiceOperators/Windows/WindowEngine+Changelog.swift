/// One change to write to the compacted window-state changelog topic. The buffers are only valid inside
/// the `flushChanges` callback that receives the record.
public struct ChangelogRecord {
    /// The keyspace (`WindowEngine.keyspaceNames`) the key belongs to; part of the changelog record key.
    public var keyspace: Int
    /// The key's bytes.
    public var key: UnsafeRawBufferPointer
    /// The key's encoded state across the keyspace's windows, or nil for a tombstone: the key no longer
    /// holds any state (its windows expired or it was evicted).
    public var state: UnsafeRawBufferPointer?
}

/// Durability: every key's state encodes to a compact, checksummed record; the changes since the last
/// flush are handed out for a compacted changelog topic; restoring those records and the progress record
/// and then continuing gives exactly the outputs an uninterrupted engine would have given.
///
/// Key state format (version 1): `version u8 · keyspace fingerprint u32le · last-update sequence varint ·
/// per window of the keyspace: item count varint, close mark zigzag, items · CRC-32 u32le` of all before it.
/// The fingerprint covers window names, kinds, sizes and aggregates, so state written for other window
/// definitions is refused (`incompatibleState`) rather than misread; allowed lateness, `emitsOnClose`
/// and `maxKeys` may change between runs.
extension WindowEngine {
    /// The state format version written, and the only one read.
    public static let stateFormatVersion: UInt8 = 1

    /// Hands every change since the last flush to `body`: first tombstones of keys that no longer hold
    /// state, then the encoded state of every changed key. Call it before committing offsets; `body` must
    /// not call back into the engine.
    public func flushChanges(_ body: (ChangelogRecord) throws -> Void) rethrows {
        for keyspace in keyspaces {
            try keyspace.drainChanges(
                tombstone: { key in
                    try body(ChangelogRecord(keyspace: keyspace.index, key: key, state: nil))
                },
                changed: { slot in
                    var buffer = takeEncodeBuffer()
                    buffer.removeAll(keepingCapacity: true)
                    encode(slot: slot, keyspace: keyspace, into: &buffer)
                    defer { returnEncodeBuffer(buffer) }
                    try buffer.withUnsafeBytes { state in
                        try keyspace.withKey(slot) { key in
                            try body(ChangelogRecord(keyspace: keyspace.index, key: key, state: state))
                        }
                    }
                })
        }
    }

    /// Whether there are changes waiting for `flushChanges`.
    public var hasPendingChanges: Bool {
        keyspaces.contains { !$0.dirtySlots.isEmpty || !$0.tombstoneRanges.isEmpty }
    }

    /// Appends the encoded state of `key` in `keyspace` to `buffer`; returns false (appending nothing)
    /// when the key holds no state.
    @discardableResult
    public func encodeState(keyspace index: Int, key: UnsafeRawBufferPointer, into buffer: inout [UInt8]) -> Bool {
        guard keyspaces.indices.contains(index) else { return false }
        let keyspace = keyspaces[index]
        let slot = keyspace.find(hash: KeyHash.hash(key), key: key)
        guard slot >= 0 else { return false }
        encode(slot: slot, keyspace: keyspace, into: &buffer)
        return true
    }

    /// Installs the state of one key from a changelog record, replacing what the key held. Damaged or
    /// foreign bytes throw and change nothing. Restoring does not mark the key as changed.
    public func restore(keyspace index: Int, key: UnsafeRawBufferPointer, state: UnsafeRawBufferPointer)
        throws(WindowError)
    {
        guard keyspaces.indices.contains(index) else {
            throw WindowError(.unknownKeyspace, "keyspace \(index) does not exist; there are \(keyspaces.count)")
        }
        let keyspace = keyspaces[index]
        let body = try Self.checkedBody(state)
        var reader = StateReader(body)
        try Self.checkHeader(&reader, fingerprint: keyspace.fingerprint)
        let lastSequence = try reader.varint()
        var decoded: [WindowState.DecodedItems] = []
        for window in keyspace.windows { decoded.append(try window.decode(from: &reader)) }
        guard reader.isAtEnd else { throw WindowError(.corruptState, "\(reader.remaining) bytes after the state") }

        let hash = KeyHash.hash(key)
        var slot = keyspace.find(hash: hash, key: key)
        if slot >= 0 {
            for window in keyspace.windows { window.evict(slot) }
        }
        if decoded.allSatisfy({ $0.count == 0 }) {
            if slot >= 0 {
                for window in keyspace.windows { window.slotFreed(slot) }
                keyspace.remove(slot, recordsTombstone: false)
            }
            return
        }
        if slot < 0 { slot = keyspace.insert(hash: hash, key: key) }
        keyspace.restoreSequence(slot, sequence: lastSequence)
        sequence = max(sequence, lastSequence)
        for (window, items) in zip(keyspace.windows, decoded) { window.install(slot: slot, items) }
    }

    /// Appends the partition's progress — its event clock and event sequence — to `buffer`. Write it with
    /// every flush, under a record key no window key can take; restore it before continuing.
    public func encodeProgress(into buffer: inout [UInt8]) {
        var writer = StateWriter(bytes: [])
        swap(&writer.bytes, &buffer)
        let start = writer.bytes.count
        writer.byte(Self.stateFormatVersion)
        writer.uint32(progressFingerprint)
        writer.byte(hasEventClock ? 1 : 0)
        writer.signed(hasEventClock ? eventClock : 0)
        writer.varint(sequence)
        let checksum = writer.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        writer.uint32(checksum)
        swap(&writer.bytes, &buffer)
    }

    /// Restores the event clock and sequence written by `encodeProgress`.
    public func restoreProgress(_ bytes: UnsafeRawBufferPointer) throws(WindowError) {
        var reader = StateReader(try Self.checkedBody(bytes))
        try Self.checkHeader(&reader, fingerprint: progressFingerprint)
        let hasClock = try reader.byte()
        guard hasClock <= 1 else { throw WindowError(.corruptState, "bad clock flag") }
        let clock = try reader.signed()
        guard clock >= -Self.maximumEventTime && clock <= Self.maximumEventTime else {
            throw WindowError(.corruptState, "event clock out of range")
        }
        let restoredSequence = try reader.varint()
        guard reader.isAtEnd else { throw WindowError(.corruptState, "\(reader.remaining) bytes after the progress") }
        if hasClock == 1 && (!hasEventClock || clock > eventClock) {
            eventClock = clock
            hasEventClock = true
        }
        sequence = max(sequence, restoredSequence)
    }

    // MARK: - Internals

    private var progressFingerprint: UInt32 {
        CRC32.checksum("sluice-window-progress|" + keyspaces.map { String($0.fingerprint) }.joined(separator: ","))
    }

    func encode(slot: Int, keyspace: Keyspace, into buffer: inout [UInt8]) {
        var writer = StateWriter(bytes: [])
        swap(&writer.bytes, &buffer)
        let start = writer.bytes.count
        writer.byte(Self.stateFormatVersion)
        writer.uint32(keyspace.fingerprint)
        writer.varint(keyspace.lastSequence(slot))
        for window in keyspace.windows { window.encode(slot: slot, into: &writer) }
        let checksum = writer.bytes.withUnsafeBytes { CRC32.checksum(UnsafeRawBufferPointer(rebasing: $0[start...])) }
        writer.uint32(checksum)
        swap(&writer.bytes, &buffer)
    }

    /// Verifies the trailing CRC-32 and returns the bytes before it.
    private static func checkedBody(_ bytes: UnsafeRawBufferPointer) throws(WindowError) -> UnsafeRawBufferPointer {
        guard bytes.count >= 9 else { throw WindowError(.corruptState, "state of \(bytes.count) bytes is too short") }
        let body = UnsafeRawBufferPointer(rebasing: bytes[..<(bytes.count - 4)])
        var trailer = StateReader(UnsafeRawBufferPointer(rebasing: bytes[(bytes.count - 4)...]))
        let stored = try trailer.uint32()
        guard stored == CRC32.checksum(body) else { throw WindowError(.corruptState, "checksum mismatch") }
        return body
    }

    private static func checkHeader(_ reader: inout StateReader, fingerprint: UInt32) throws(WindowError) {
        let version = try reader.byte()
        guard version == stateFormatVersion else {
            throw WindowError(
                .incompatibleState, "state format version \(version); this build reads \(stateFormatVersion)")
        }
        guard try reader.uint32() == fingerprint else {
            throw WindowError(
                .incompatibleState, "state was written for other window definitions; drop it or restore the old ones")
        }
    }
}
