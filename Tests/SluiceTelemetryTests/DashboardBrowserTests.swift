import Foundation
import Synchronization
import Testing

@testable import SluiceTelemetry

/// The dashboard in a real browser (headless Chromium) against a server started here: it must draw every
/// section without a console error, keep updating as the numbers change, and survive missing data and an
/// unreachable status. Serialized: each run of Chromium takes both cores for a moment.
@Suite(.serialized) struct DashboardBrowserTests {
    /// A server whose status advances one tick per request, like a live pipeline.
    private func liveServer() throws -> TelemetryServer {
        let server = try startedServer()
        let tick = Atomic<Int>(0)
        server.setStatusProvider {
            FakePipeline(seed: 11).status(tick: tick.wrappingAdd(1, ordering: .relaxed).newValue)
        }
        server.setReadinessCheck { .ready }
        return server
    }

    @Test func dashboardLoadsWithoutConsoleErrorsAndItsChartsUpdate() throws {
        let chromium = try HeadlessChromium()
        let server = try liveServer()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.boundPort)/"

        let early = try chromium.dumpDOM(url, budget: .milliseconds(3_500))
        let first = DashboardDOM(html: early.output)
        #expect(early.consoleMessages.isEmpty, "console: \(early.consoleMessages)")
        #expect(first.counter("errors") == 0, "last error: \(first.lastError)")
        #expect(first.counter("render-errors") == 0)
        #expect(first.counter("fetch-failures") == 0)
        let firstUpdates = try #require(first.counter("updates"))
        #expect(firstUpdates >= 3)
        // Within one page load the throughput chart was redrawn with new numbers.
        #expect(try #require(first.counter("chart-version")) >= 2)
        let firstPaths = first.paths(inSVG: "throughput-chart")
        #expect(firstPaths.count == 2 && firstPaths.allSatisfy { $0.hasPrefix("M") && $0.contains("L") })

        // The title bar and every section drew real content.
        #expect(first.text(ofID: "topology") == "card-fraud")
        #expect(first.text(ofID: "readiness") == "ready")
        #expect(first.text(ofID: "uptime")?.hasPrefix("5h 17m") == true)
        #expect(first.occurrences(of: "class=\"empty\"") == 0, "a section shows no data")
        for text in ["fraud-v4", "missing-field", "mcc_risk", "PSI 0.29 above alert threshold", "decode", "paused"] {
            #expect(first.html.contains(text), "\(text) not on the page")
        }
        #expect(first.occurrences(of: "class=\"bar\"") >= 12 + 7 + 5 + 2)

        let later = try chromium.dumpDOM(url, budget: .milliseconds(6_500))
        let second = DashboardDOM(html: later.output)
        #expect(later.consoleMessages.isEmpty, "console: \(later.consoleMessages)")
        #expect(second.counter("errors") == 0)
        #expect(try #require(second.counter("updates")) > firstUpdates)
        let secondPaths = second.paths(inSVG: "throughput-chart")
        #expect(secondPaths.count == 2)
        #expect(secondPaths != firstPaths, "the throughput chart did not change between two loads")
    }

    @Test func dashboardToleratesMissingAndPartialSections() throws {
        let chromium = try HeadlessChromium()
        let server = try startedServer()
        defer { server.stop() }
        let url = "http://127.0.0.1:\(server.boundPort)/"

        // Nothing but what the server fills in; readiness unreported.
        let empty = try chromium.dumpDOM(url, budget: .milliseconds(2_500))
        let emptyDOM = DashboardDOM(html: empty.output)
        #expect(empty.consoleMessages.isEmpty, "console: \(empty.consoleMessages)")
        #expect(emptyDOM.counter("errors") == 0 && emptyDOM.counter("render-errors") == 0)
        #expect(try #require(emptyDOM.counter("updates")) >= 2)
        #expect(emptyDOM.occurrences(of: "class=\"empty\"") == 9)
        #expect(emptyDOM.text(ofID: "readiness") == "not ready")

        // Some sections, with gaps and odd values: totals without rates (the page derives them), NaN drift,
        // a partition without lag, a model without latency, an alert without time, empty lists.
        let tick = Atomic<Int>(0)
        server.setStatusProvider {
            let now = tick.wrappingAdd(1, ordering: .relaxed).newValue
            return TelemetryStatus(
                topology: .init(name: "partial"),
                throughput: .init(consumedTotal: 1_000 * now * now),
                stages: [.init(name: "decode", p50: 0.000_000_5), .init(name: "score")],
                partitions: [.init(topic: "t", partition: 0), .init(topic: "t", partition: 1, lag: 5, state: "weird")],
                models: [.init(name: "m")],
                shadows: [],
                drift: [
                    .init(feature: "amount", statistic: "psi", value: .nan, warn: 0.1),
                    .init(feature: "x", value: .infinity),
                ],
                deadLetters: [.init(reason: "missing-field", count: 0)],
                alerts: [.init(severity: "warn", message: "no time on this one")])
        }
        server.setReadinessCheck { .notReady(reason: "restoring window state") }
        let partial = try chromium.dumpDOM(url, budget: .milliseconds(3_500))
        let partialDOM = DashboardDOM(html: partial.output)
        #expect(partial.consoleMessages.isEmpty, "console: \(partial.consoleMessages)")
        #expect(partialDOM.counter("errors") == 0)
        #expect(partialDOM.counter("render-errors") == 0, "last error: \(partialDOM.lastError)")
        #expect(try #require(partialDOM.counter("updates")) >= 3)
        #expect(partialDOM.text(ofID: "topology") == "partial")
        // Rates derived from the growing totals gave a drawn throughput line.
        #expect(partialDOM.paths(inSVG: "throughput-chart").first?.contains("L") == true)
        #expect(partialDOM.html.contains("no time on this one"))
        #expect(partialDOM.html.contains("no shadow models"))
    }

    @Test func dashboardShowsAnUnavailableStatusWithoutThrowing() throws {
        let chromium = try HeadlessChromium()
        let server = try startedServer()
        defer { server.stop() }
        struct Down: Error {}
        server.setStatusProvider { throw Down() }
        let run = try chromium.dumpDOM("http://127.0.0.1:\(server.boundPort)/", budget: .milliseconds(2_500))
        let dom = DashboardDOM(html: run.output)
        #expect(dom.counter("errors") == 0)
        #expect(try #require(dom.counter("fetch-failures")) >= 2)
        #expect(dom.counter("updates") == 0)
        #expect(dom.text(ofID: "readiness") == "unreachable")
        #expect(dom.html.contains("Status unavailable: status answered 500"))
        // The browser itself reports the failed loads; nothing else may reach the console.
        let unexpected = run.consoleMessages.filter { !$0.contains("status of 500") }
        #expect(unexpected.isEmpty, "console: \(unexpected)")
    }

    /// Renders the dashboard with realistic numbers. With `SLUICE_DASHBOARD_SCREENSHOT=<path>` the PNG is kept
    /// there (scripts/dashboard-screenshot.sh writes docs/dashboard.png so).
    @Test func screenshotOfTheDashboard() throws {
        let chromium = try HeadlessChromium()
        let server = try liveServer()
        defer { server.stop() }
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "sluice-dashboard-\(UUID().uuidString).png")
        defer { try? FileManager.default.removeItem(at: file) }
        let keep = ProcessInfo.processInfo.environment["SLUICE_DASHBOARD_SCREENSHOT"].flatMap { $0.isEmpty ? nil : $0 }
        let (width, height) = (1440, 1240)
        // For the kept picture, three minutes of virtual time fill the charts' whole history.
        let run = try chromium.screenshot(
            "http://127.0.0.1:\(server.boundPort)/", to: file, width: width, height: height,
            budget: keep == nil ? .seconds(15) : .seconds(185))
        #expect(run.consoleMessages.isEmpty, "console: \(run.consoleMessages)")
        let png = try Data(contentsOf: file)
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let size =
            png.count >= 24
            ? (png[16..<20].reduce(0) { $0 << 8 | Int($1) }, png[20..<24].reduce(0) { $0 << 8 | Int($1) }) : (0, 0)
        #expect(size == (width, height))
        #expect(png.count > 40_000, "a near-empty image (\(png.count) bytes)")
        if let keep {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(at: file, to: URL(fileURLWithPath: keep))
        }
    }
}
