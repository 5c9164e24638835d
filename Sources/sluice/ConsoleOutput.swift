import Foundation
import Logging

/// Writes a line to standard output at once (unbuffered, so a reading process sees it immediately).
func printOutput(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

/// Writes a line to standard error (progress and diagnostics; standard output is for results).
func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// A logger for the command line: warnings and errors to standard error unless `SLUICE_LOG_LEVEL` says more.
func cliLogger(label: String) -> Logger {
    var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
    let requested = ProcessInfo.processInfo.environment["SLUICE_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
    logger.logLevel = requested ?? .warning
    return logger
}
