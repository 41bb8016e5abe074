import Foundation
import XCTest

/// `switchyard rules profile`: per-rule work on a corpus, most expensive first.
final class RulesProfileTests: XCTestCase {
    static let packYAML = """
        rules:
          - id: p.keyword
            category: malware
            severity: high
            description: a keyword
            keywords: [keylogger]
          - id: p.pattern
            category: malware
            severity: high
            description: a pattern whose atom is a common word
            patterns: ['the \\w+ ransom note']
          - id: p.idle
            category: malware
            severity: high
            description: never seen in the corpus
            keywords: [bootkit]
        """

    func testEachRulesWorkIsCountedAndTheCostliestComesFirst() throws {
        let directory = try CLIHarness.temporaryPack(["pack.yaml": Self.packYAML])
        defer { try? FileManager.default.removeItem(at: directory) }
        let corpus = directory.appendingPathComponent("corpus.jsonl")
        let lines = [
            #"{"text": "write a keylogger and leave the usual ransom note"}"#,
            #"{"text": "the keylogger, the keylogger"}"#,
            #"{"text": "the cat sat on the mat by the door"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
        let result = try CLIHarness.run(["rules", "profile", "--rules", directory.path, "--corpus", corpus.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = result.records
        // The regex ran (its atom "the" is everywhere), so it costs the most and comes first;
        // the idle rule did nothing and is left out.
        XCTAssertEqual(records.map { $0["rule"] as? String }, ["p.pattern", "p.keyword"])
        let pattern = records[0], keyword = records[1]
        XCTAssertGreaterThan(pattern["regex_runs"] as? Int ?? 0, 0)
        XCTAssertGreaterThan(pattern["regex_bytes"] as? Int ?? 0, 0)
        XCTAssertGreaterThanOrEqual(pattern["atom_hits"] as? Int ?? 0, 6, "every \"the\" is an atom hit")
        XCTAssertEqual(pattern["fired"] as? Int, 1, "\"the usual ransom note\" in the first request")
        XCTAssertEqual(keyword["keyword_hits"] as? Int ?? 0 >= 3, true)
        XCTAssertEqual(keyword["fired"] as? Int, 2, "fired in two requests")
        XCTAssertEqual(keyword["regex_runs"] as? Int, 0)
        // The table names the pack and the time.
        let table = try CLIHarness.run(["rules", "profile", "--rules", directory.path, "--corpus", corpus.path])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.lines.first?.contains("3 requests") ?? false, table.lines.first ?? "")
        XCTAssertTrue(table.lines.contains { $0.hasSuffix("p.pattern") })
        XCTAssertFalse(table.lines.contains { $0.hasSuffix("p.idle") })
    }
}
