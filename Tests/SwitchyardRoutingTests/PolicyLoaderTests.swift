import Foundation
import XCTest
@testable import SwitchyardRouting

final class PolicyLoaderTests: XCTestCase {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func testShippedPolicyLoads() throws {
        let policy = try PolicyLoader().load(path: Self.root.appendingPathComponent("Rules/policy/policy.yaml").path)
        XCTAssertEqual(policy.primaryModel, "fable-5")
        XCTAssertEqual(policy.fallbackModel, "opus-4.8")
        XCTAssertEqual(policy.restrictedModel, "mythos-5")
        XCTAssertTrue(policy.trustedPartners.contains("northgrid-transmission"))
        XCTAssertEqual(policy.restrictedExportControl.allowedNationalities, ["US"])
        XCTAssertTrue(policy.restrictedExportControl.partnerException)
        XCTAssertNil(policy.primaryExportControl.allowedNationalities)
        XCTAssertEqual(policy.actions.severity[.critical], .block)
        XCTAssertEqual(policy.actions.category["critical-infrastructure"], .block)
        XCTAssertEqual(policy.actions.blockScore, 20)
        XCTAssertNil(policy.partnerActions.blockScore)
        XCTAssertEqual(policy.actions.signal[.hiddenCharacters], .fallback)
        XCTAssertEqual(policy.actions.signal[.decodedMatch], .allow)
        XCTAssertEqual(policy.indeterminate, .fallback)
        XCTAssertEqual(policy.unparseable, .fallback)
        XCTAssertFalse(policy.shadow)
        XCTAssertEqual(policy.version.count, 12)
    }

    private func errors(_ yaml: String, categories: Set<String>? = nil) -> [String] {
        do {
            var loader = PolicyLoader()
            loader.knownCategories = categories
            _ = try loader.load(bytes: Array(yaml.utf8), name: "p.yaml")
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    private func assertError(_ yaml: String, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        let found = errors(yaml)
        XCTAssertEqual(found.count, 1, "\(found)", file: file, line: line)
        XCTAssertTrue(found.first?.hasPrefix(expected) ?? false, "\(found) does not start with \(expected)", file: file, line: line)
    }

    func testDeeplyNestedPolicyIsRefused() {
        assertError("actions: " + String(repeating: "{a: ", count: 3_000) + "1" + String(repeating: "}", count: 3_000) + "\n",
                    "p.yaml:1: nests deeper than 64 levels")
    }

    func testLooseBooleansModelNamesAndUnknownCategoriesAreRefused() {
        // YAML 1.1 words and quoted strings are not booleans: "no" must not hand out mythos-5.
        for value in ["\"no\"", "no", "yes", "on", "off", "'false'", "True"] {
            assertError("trusted_partners:\n  require_verified: \(value)\n", "p.yaml:2: trusted_partners.require_verified: must be true or false")
        }
        XCTAssertEqual(errors("trusted_partners:\n  require_verified: false\n"), [])
        assertError("models:\n  restricted: MYTHOS-5\n", "p.yaml:2: models.restricted: `MYTHOS-5` is not a model name")
        XCTAssertEqual(errors("actions:\n  category:\n    malware: block\n", categories: ["malware"]), [])
        let misspelt = errors("actions:\n  category:\n    malwre: block\n", categories: ["malware", "intrusion"])
        XCTAssertEqual(misspelt, ["p.yaml:3: actions.category.malwre: no rule of the pack has category `malwre` (known: intrusion, malware)"])
    }

    func testEveryErrorNamesFileLineAndKey() {
        assertError("colour: red\n", "p.yaml:1: colour: unknown key")
        assertError("shadow: maybe\n", "p.yaml:1: shadow: must be true or false")
        assertError("indeterminate: restricted\n", "p.yaml:1: indeterminate: must be primary, fallback or block")
        assertError("unparseable: nowhere\n", "p.yaml:1: unparseable: must be primary, fallback or block")
        assertError("models:\n  primary: a\n  fallback: a\n", "p.yaml:2: models: primary, fallback and restricted must be three different models")
        assertError("models:\n  primary: ''\n", "p.yaml:2: models.primary: must be a non-empty string")
        assertError("actions:\n  severity:\n    high: reroute\n", "p.yaml:3: actions.severity.high: must be allow, fallback or block")
        assertError("actions:\n  severity:\n    extreme: block\n", "p.yaml:3: actions.severity.extreme: unknown key")
        assertError("actions:\n  category:\n    malware: 3\n", "p.yaml:3: actions.category.malware: must be allow, fallback or block")
        assertError("actions:\n  signal:\n    glitter: block\n", "p.yaml:3: actions.signal.glitter: unknown key")
        assertError("actions:\n  signal:\n    mixed-script: maybe\n", "p.yaml:3: actions.signal.mixed-script: must be allow, fallback or block")
        assertError("actions:\n  block_score: -1\n", "p.yaml:2: actions.block_score: must be a positive number or null")
        assertError("export_control:\n  primary:\n    allowed_nationalities: [us]\n", "p.yaml:3: export_control.primary.allowed_nationalities: `us` is not an ISO 3166-1 alpha-2 code")
        assertError("export_control:\n  primary:\n    allowed_nationalities: []\n", "p.yaml:3: export_control.primary.allowed_nationalities: must be `any`")
        assertError("export_control:\n  fallback: {}\n", "p.yaml:2: export_control.fallback: unknown key")
        assertError("trusted_partners:\n  orgs: [Good-Co]\n", "p.yaml:2: trusted_partners.orgs: `Good-Co` is not an organisation id")
        assertError("shadow: true\nshadow: false\n", "p.yaml:2: shadow: duplicate key")
        assertError("models: [a, b]\n", "p.yaml:1: models: must be a mapping")
        assertError("shadow: [unclosed\n", "p.yaml:")
    }

    func testPartnerFileErrorsAndDuplicates() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-policy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let policyPath = directory.appendingPathComponent("policy.yaml")
        try "trusted_partners:\n  file: partners.yaml\n".write(to: policyPath, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PolicyLoader().load(path: policyPath.path)) { error in
            XCTAssertTrue("\(error)".contains("partners.yaml:0: cannot read file"), "\(error)")
        }
        try "partners:\n  - id: a-co\n  - id: b-co\n  - id: a-co\n  - name: no id\n".write(to: directory.appendingPathComponent("partners.yaml"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try PolicyLoader().load(path: policyPath.path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("partners.yaml:4: partners[].id: duplicate partner `a-co` (first at line 2)"), text)
            XCTAssertTrue(text.contains("partners.yaml:5: partners[].id: missing or invalid"), text)
        }
        try "partners:\n  - id: a-co\n  - id: b-co\n".write(to: directory.appendingPathComponent("partners.yaml"), atomically: true, encoding: .utf8)
        let policy = try PolicyLoader().load(path: policyPath.path)
        XCTAssertEqual(policy.trustedPartners, ["a-co", "b-co"])
    }
}
