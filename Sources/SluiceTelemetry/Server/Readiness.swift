/// Whether the process should receive work: `/readyz` answers 200 when ready, else 503 with the reason.
public enum Readiness: Sendable, Equatable {
    case ready
    /// Not ready, and why (`restoring window state for transactions/3`).
    case notReady(reason: String)

    /// Whether this is ``ready``.
    public var isReady: Bool {
        self == .ready
    }
}
