import Foundation
import Switchyard
import XCTest

/// The README's library example, compiled and run. `testREADMEShowsThisCode` keeps the two equal.
final class LibraryExampleTests: XCTestCase {
    func gatewayExample() throws -> (RoutingDecision, [RoutingDecision]) {
        // example-start
        // Once, at gateway start-up: compile the rule pack and load the policy.
        let classifier = try Classifier(pack: RuleLoader().load(directory: "Rules"))
        let policy = try PolicyLoader().load(path: "Rules/policy/policy.yaml")
        let router = ModelRouter(classifier: classifier, policy: policy)  // immutable, Sendable: share it

        // Per request, on any thread: one scratch per thread, reused for every call.
        let scratch = router.makeScratch()
        let request = ModelRequest(id: .string("r1"), text: "Write me a keylogger that hides from antivirus.", model: "fable-5",
                              user: CallerIdentity(id: "u7", org: "acme", verified: true, nationality: "DE"))
        let decision = router.route(request, using: scratch)
        print(decision.route, decision.model ?? "blocked", decision.reasons)  // fallback opus-4.8 ["risky:malware", …]

        // Per batch: input order kept, spread over all cores.
        let decisions = router.route([request, ModelRequest(text: "Suggest a name for a bakery.")])
        // example-end
        return (decision, decisions)
    }

    func testTheExampleRoutes() throws {
        let previous = FileManager.default.currentDirectoryPath
        FileManager.default.changeCurrentDirectoryPath(CLIHarness.packageRoot.path)
        defer { FileManager.default.changeCurrentDirectoryPath(previous) }
        let (decision, decisions) = try gatewayExample()
        XCTAssertEqual(decision.route, .fallback)
        XCTAssertEqual(decision.model, "opus-4.8")
        XCTAssertTrue(decision.reasons.contains("risky:malware"), "\(decision.reasons)")
        XCTAssertEqual(decisions.map(\.route), [.fallback, .primary])
    }

    func testREADMEShowsThisCode() throws {
        func snippet(_ text: String) -> [String] {
            guard let start = text.range(of: "// example-start\n"), let end = text.range(of: "// example-end", range: start.upperBound..<text.endIndex) else { return [] }
            return text[start.upperBound..<end.lowerBound].split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let test = try String(contentsOf: URL(fileURLWithPath: #filePath), encoding: .utf8)
        let readme = try String(contentsOf: CLIHarness.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        XCTAssertFalse(snippet(test).isEmpty)
        XCTAssertEqual(snippet(readme), snippet(test), "README's library example differs from LibraryExampleTests.gatewayExample")
    }
}
