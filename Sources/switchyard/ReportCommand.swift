import ArgumentParser
import Foundation
import Switchyard
import SwitchyardTools

/// `switchyard report --audit FILE...`: who tried what, how often, since when.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise audit logs per user and organisation, with fleet totals.",
        discussion: """
            Reads switchyard.audit/1 records (lines of other kinds are counted as skipped) and writes \
            counts by category, severity and route, first and last seen, top rules and example text \
            hashes. Formats: json (switchyard.report/1), md, html (one self-contained page with \
            inline SVG charts) and stix (a STIX 2.1 bundle). The report does not check the hash \
            chain: run `switchyard audit verify` first.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case json, md, html, stix
    }

    @Option(parsing: .upToNextOption, help: "Audit log files to read.")
    var audit: [String]

    @Option(help: "Leave out decisions before this RFC 3339 time (e.g. 2026-12-01T00:00:00Z).")
    var since: String?

    @Option(help: "Output format: json, md, html or stix.")
    var format: Format = .json

    func validate() throws {
        guard !audit.isEmpty else { throw ValidationError("give at least one audit file with --audit") }
        if let since, AuditClock.parse(since) == nil { throw ValidationError("--since must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z") }
    }

    func run() throws {
        var report = AuditReport(since: since.flatMap(AuditClock.parse))
        for file in audit {
            guard let data = FileManager.default.contents(atPath: file) else {
                standardError("switchyard: cannot read \(file)")
                throw ExitCode(2)
            }
            report.add(contents: Array(data), file: file)
        }
        let text = switch format {
        case .json: report.json()
        case .md: report.markdown()
        case .html: report.html()
        case .stix: report.stix()
        }
        FileHandle.standardOutput.write(Data(text.utf8))
    }
}
