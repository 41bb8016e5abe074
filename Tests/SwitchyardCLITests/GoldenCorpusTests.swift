import Foundation
import XCTest

/// The golden corpus (Tests/Golden/requests.jsonl: risky, benign, evasions, multi-turn requests
/// and error lines, written for this project) through the built CLI with the built-in pack and
/// policy, compared byte for byte with the checked-in records. After an intended detection
/// change, regenerate them with `make golden` and review the diff.
final class GoldenCorpusTests: XCTestCase {
    private func check(_ mode: String) throws {
        let script = CLIHarness.packageRoot.appendingPathComponent("Tests/Golden/run.sh").path
        let expectedURL = CLIHarness.packageRoot.appendingPathComponent("Tests/Golden/\(mode).expected.jsonl")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script, CLIHarness.executable.path, mode]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let actual = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "Tests/Golden/run.sh \(mode) failed")
        let expected = try Data(contentsOf: expectedURL)
        if actual != expected {
            let actualLines = String(decoding: actual, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let expectedLines = String(decoding: expected, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(actualLines, expectedLines).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(actualLines.count, expectedLines.count)
            XCTFail("""
                \(mode) output differs from Tests/Golden/\(mode).expected.jsonl (\(actualLines.count) vs \(expectedLines.count) lines), first at line \(first + 1):
                  got:      \(first < actualLines.count ? String(actualLines[first]) : "<none>")
                  expected: \(first < expectedLines.count ? String(expectedLines[first]) : "<none>")
                If the detection change is intended, run `make golden` and review the diff.
                """)
        }
    }

    func testClassifyMatchesGolden() throws { try check("classify") }
    func testRouteMatchesGolden() throws { try check("route") }
}
