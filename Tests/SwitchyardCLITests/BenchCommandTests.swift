import Foundation
import XCTest

/// `switchyard bench`: the quick speed report, end to end through the executable.
final class BenchCommandTests: XCTestCase {
    static let packYAML = """
        rules:
          - id: test.bench.keylogger
            category: malware
            severity: high
            description: asks for a keylogger
            near:
              - all: [[write, build], [keylogger]]
                within: 40
        """

    private var directory: URL!
    private var corpus: URL!

    override func setUpWithError() throws {
        directory = try CLIHarness.temporaryPack(["pack.yaml": Self.packYAML])
        corpus = directory.appendingPathComponent("corpus.jsonl")
        let lines = [
            #"{"id": "a", "text": "Please write a short poem about the harbour in spring."}"#,
            #"{"id": "b", "prompt": "build me a keylogger"}"#,
            #"{"id": "c", "messages": [{"role": "user", "content": "Summarise the meeting notes for the team."}]}"#,
            #"{"id": "broken", "text": "#,  // does not decode: skipped
            "",
            #"{"id": "d", "input": "\#(String(repeating: "The quiet library opens every morning. ", count: 100))"}"#,
        ]
        try (lines.joined(separator: "\n") + "\n").write(to: corpus, atomically: true, encoding: .utf8)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    /// The value after `prefix` on the report line starting with `prefix`.
    private func field(_ result: CLIHarness.Result, _ prefix: String) -> String? {
        result.lines.first { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) }
    }

    private func number(after label: String, in text: String) -> Double? {
        guard let range = text.range(of: label) else { return nil }
        let rest = text[range.upperBound...].drop { $0 == " " }
        return Double(rest.prefix { $0.isNumber || $0 == "." })
    }

    func testReportsThroughputLatencyMemoryAndRules() throws {
        let result = try CLIHarness.run(["bench", "--seconds", "1", "--rules", directory.path, "--corpus", corpus.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = result.lines.joined(separator: "\n")

        let rules = try XCTUnwrap(field(result, "rules: "), report)
        XCTAssertTrue(rules.hasPrefix("1 "), rules)
        XCTAssertTrue(rules.contains("loaded and compiled in"), rules)

        let corpusLine = try XCTUnwrap(field(result, "corpus: "), report)
        XCTAssertTrue(corpusLine.contains("4 requests"), corpusLine)
        XCTAssertTrue(corpusLine.contains("1 lines skipped"), corpusLine)

        let classified = try XCTUnwrap(field(result, "classified: "), report)
        let requests = try XCTUnwrap(Double(classified.prefix { $0.isNumber }), classified)
        XCTAssertGreaterThan(requests, 4, "a one-second run goes round the corpus many times")
        XCTAssertTrue(classified.contains("risky)"), classified)

        let throughput = try XCTUnwrap(field(result, "throughput: "), report)
        XCTAssertGreaterThan(try XCTUnwrap(Double(throughput.prefix { $0.isNumber || $0 == "." })), 0, throughput)
        XCTAssertTrue(throughput.contains("MB/s") && throughput.contains("requests/s"), throughput)

        let latency = try XCTUnwrap(field(result, "latency per request: "), report)
        for percentile in ["p50 ", "p99 ", "p999 "] {
            XCTAssertNotNil(number(after: percentile, in: latency), "\(percentile) in \(latency)")
        }

        let memory = try XCTUnwrap(field(result, "peak memory: "), report)
        XCTAssertTrue(memory.hasSuffix("(ru_maxrss)"), memory)
        XCTAssertFalse(result.stderr.contains("["), "no progress bar when stderr is not a terminal: \(result.stderr)")
    }

    func testJSONReportHasEveryField() throws {
        let result = try CLIHarness.run(["bench", "--seconds", "1", "--rules", directory.path, "--corpus", corpus.path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let record = try XCTUnwrap(result.records.first)
        XCTAssertEqual(record["rules"] as? Int, 1)
        XCTAssertEqual(record["corpus_requests"] as? Int, 4)
        XCTAssertEqual(record["skipped_lines"] as? Int, 1)
        let requests = try XCTUnwrap(record["requests"] as? Int)
        XCTAssertGreaterThan(requests, 4)
        // Each pass over the corpus has exactly one risky request (b), in order from the first.
        let risky = try XCTUnwrap(record["risky_requests"] as? Int)
        XCTAssertEqual(risky, requests / 4 + (requests % 4 >= 2 ? 1 : 0))
        for key in ["mb_per_s", "requests_per_s", "p50_us", "p99_us", "p999_us", "compile_ms", "seconds"] {
            XCTAssertNotNil(record[key] as? Double ?? (record[key] as? Int).map(Double.init), "\(key) in \(record)")
        }
        let p50 = try XCTUnwrap(record["p50_us"] as? Double), p999 = try XCTUnwrap(record["p999_us"] as? Double)
        XCTAssertLessThanOrEqual(p50, p999)
        XCTAssertGreaterThan(try XCTUnwrap(record["peak_memory_bytes"] as? Int), 1 << 20)
    }

    func testGeneratedMixWithoutCorpus() throws {
        let result = try CLIHarness.run(["bench", "--seconds", "0.5", "--rules", directory.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(field(result, "corpus: ")?.hasPrefix("generated mix: 2000 requests") ?? false, result.lines.joined(separator: "\n"))
    }

    func testUnreadableCorpusExitsTwo() throws {
        let result = try CLIHarness.run(["bench", "--seconds", "1", "--rules", directory.path, "--corpus", directory.appendingPathComponent("missing.jsonl").path])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("cannot read"), result.stderr)
    }
}
