import Foundation
import XCTest
import FuzzEntryPoints

/// Replays every seed (Fuzz/Corpus/<target>/) and every input the fuzzer kept
/// (Fuzz/Regressions/<target>/) through the fuzz targets' own bodies, so `make test` keeps them
/// fixed without libFuzzer. A crash here is a regression; a thrown FuzzFailure is a broken invariant.
final class FuzzRegressionTests: XCTestCase {
    private static let fuzzDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz")

    private func inputs(_ kind: String, _ target: FuzzTarget) throws -> [URL] {
        let directory = Self.fuzzDirectory.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { directory.appendingPathComponent($0) }
    }

    private func replay(_ target: FuzzTarget) throws {
        let seeds = try inputs("Corpus", target)
        XCTAssertFalse(seeds.isEmpty, "no seeds for \(target.rawValue)")
        for file in try seeds + inputs("Regressions", target) {
            let bytes = try [UInt8](Data(contentsOf: file))
            do {
                try FuzzEntryPoints.run(target, bytes)
            } catch {
                XCTFail("\(file.path): \(error.description)")
            }
        }
    }

    func testRuleLoader() throws { try replay(.ruleLoader) }
    func testPolicyLoader() throws { try replay(.policyLoader) }
    func testRequestStream() throws { try replay(.requestStream) }
    func testClassifier() throws { try replay(.classifier) }
    func testViews() throws { try replay(.views) }
}
