import Foundation
import SluiceRuntime

/// The demo's live progress line on standard error: rewritten in place on a terminal, a line every five seconds
/// otherwise (so logs stay readable).
final class DemoProgress {
    private let session: PipelineSession
    private let generator: DemoTrafficGenerator
    private let watcher: DemoOutputWatcher
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var lastConsumed = 0
    private var lastTime = ContinuousClock.now
    private var reports = 0

    init(session: PipelineSession, generator: DemoTrafficGenerator, watcher: DemoOutputWatcher) {
        self.session = session
        self.generator = generator
        self.watcher = watcher
    }

    func report() {
        let now = ContinuousClock.now
        let consumed = session.runtime.counters.eventsConsumed.load(ordering: .relaxed)
        let rate = Double(consumed - lastConsumed) / max((now - lastTime) / .seconds(1), 0.001)
        lastConsumed = consumed
        lastTime = now
        reports += 1
        let metrics = session.pipeline.metrics
        let shift = generator.shiftStartedAt == nil ? "" : ", shifted"
        let line =
            "\(format(rate))/s, consumed \(format(consumed)) of \(format(generator.sent))\(shift), "
            + "predictions \(format(metrics.predictions.load(ordering: .relaxed))), "
            + "shadow \(format(watcher.shadowRecords)), dead letters \(format(metrics.deadLetterCount)), "
            + "alerts \(watcher.alerts.filter { $0.state == "firing" }.count)"
        if isTerminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
        } else if reports % 5 == 1 {
            printError("sluice demo: " + line)
        }
    }

    /// Ends the line being rewritten.
    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// `1234567` as `1,234,567`.
func format(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var grouped = ""
    for (index, digit) in digits.enumerated() {
        if index > 0, (digits.count - index) % 3 == 0 { grouped += "," }
        grouped.append(digit)
    }
    return value < 0 ? "-" + grouped : grouped
}

/// A rate with no decimals and thousands separators.
func format(_ value: Double) -> String {
    value.isFinite ? format(Int(value.rounded())) : "-"
}
