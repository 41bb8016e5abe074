import Foundation
import XCTest
@testable import SwitchyardRules

final class RuleLoaderTests: XCTestCase {
    /// Pack and policy versions are SHA-256 prefixes (swift-crypto): the FIPS 180-4 examples.
    func testPackDigestIsSHA256() {
        XCTAssertEqual(PackDigest.hex(of: Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(PackDigest.hex(of: [UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(PackDigest.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8), length: 12), "248d6a61d206")
        XCTAssertEqual(PackDigest.sha256(Array("abc".utf8)).count, 32)
    }

    /// Loads `files` and returns the error descriptions (empty when the pack loaded).
    private func loadErrors(_ files: [(String, String)], limits: RuleLimits = RuleLimits()) -> [String] {
        do {
            _ = try RuleLoader(limits: limits).load(files: files.map { ($0.0, Array($0.1.utf8)) })
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    private func loadErrors(_ yaml: String, limits: RuleLimits = RuleLimits()) -> [String] {
        loadErrors([("pack.yaml", yaml)], limits: limits)
    }

    /// Asserts that loading `yaml` fails with exactly one error that starts with `prefix` and contains `fragment`.
    private func assertError(_ yaml: String, _ prefix: String, _ fragment: String, limits: RuleLimits = RuleLimits(), file: StaticString = #filePath, line: UInt = #line) {
        let errors = loadErrors(yaml, limits: limits)
        XCTAssertEqual(errors.count, 1, "errors: \(errors)", file: file, line: line)
        guard let first = errors.first else { return }
        XCTAssertTrue(first.hasPrefix(prefix), "\(first) does not start with \(prefix)", file: file, line: line)
        XCTAssertTrue(first.contains(fragment), "\(first) does not mention \(fragment)", file: file, line: line)
    }

    private let bare = """
        rules:
          - id: demo.bare
            category: demo
            severity: low
            description: A rule with only the required fields.
            keywords: [frobnicate]
        """

    func testNestedListsExpandOnceAndInvisibleTermsAreRefused() {
        // l0 = [$l1, $l1], l1 = [$l2, $l2], ...: 2^40 visits before each list was expanded once.
        var yaml = "lists:\n"
        for level in 0..<40 { yaml += "  l\(level): [$l\(level + 1), $l\(level + 1), word\(level)]\n" }
        yaml += "  l40: [deepest]\nrules:\n  - id: t.deep\n    category: t\n    severity: low\n    description: d\n    keywords: [$l0]\n"
        XCTAssertEqual(loadErrors(yaml), [])
        // A term of only a no-break space and a zero-width space can never match anything.
        assertError("rules:\n  - id: t.blank\n    category: t\n    severity: low\n    description: d\n    keywords: [\"\\u00A0\\u200B\"]\n",
                    "pack.yaml:6: rule t.blank: ", "empty term")
    }

    func testYAMLTagsAreRefused() {
        let rule = "rules:\n  - id: t.tag\n    category: t\n    severity: low\n"
        assertError(rule + "    description: !!binary aGVsbG8=\n    keywords: [x]\n", "pack.yaml:5: ", "YAML tags")
        assertError(rule + "    description: d\n    keywords: [!python/object x]\n", "pack.yaml:6: ", "YAML tags")
        // `!` inside quotes, regexes and words is text.
        XCTAssertEqual(loadErrors(rule + "    description: 'it''s here!'\n    keywords: [\"wow!\", hey!]\n    patterns: ['[^.?!]{0,3}x']\n"), [])
    }

    func testAHugeFileIsRefusedWithoutReadingIt() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-huge-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("huge.yaml")
        XCTAssertTrue(FileManager.default.createFile(atPath: file.path, contents: Data("rules:\n".utf8)))
        // A sparse 3 GiB file: reading it whole would take seconds and gigabytes.
        let handle = try FileHandle(forWritingTo: file)
        try handle.truncate(atOffset: 3 << 30)
        try handle.close()
        XCTAssertThrowsError(try RuleLoader().load(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("over the limit"), "\(error)")
        }
    }

    func testDeeplyNestedYAMLIsRefusedBeforeParsing() {
        // Each of these overflowed the YAML parser's stack (exit 139) before the nesting check.
        assertError("rules: " + String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000) + "\n",
                    "pack.yaml:1: ", "nests deeper than 64 levels")
        assertError("rules:\n" + String(repeating: "- ", count: 6_000) + "x\n", "pack.yaml:2: ", "nests deeper than 64 levels")
        assertError("rules:\n" + (0..<200).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(), "pack.yaml:", "nests deeper")
        // Brackets in quotes and comments do not count; ordinary packs are far below the limit.
        XCTAssertEqual(YAMLPrecheck.lineExceedingLimit(Array(("a: '" + String(repeating: "[", count: 100) + "' # " + String(repeating: "{", count: 100) + "\n").utf8)), nil)
        XCTAssertEqual(loadErrors(bare), [])
    }

    func testBareRuleLoads() throws {
        let pack = try RuleLoader().load(files: [("pack.yaml", Array(bare.utf8))])
        XCTAssertEqual(pack.rules.count, 1)
        XCTAssertEqual(pack.rules[0].id, "demo.bare")
        XCTAssertEqual(pack.rules[0].mode, .enforce)
        XCTAssertEqual(pack.rules[0].views, .defaults)
        XCTAssertEqual(pack.rules[0].location, SourceLocation(file: "pack.yaml", line: 2))
        XCTAssertEqual(pack.version.count, 12)
    }

    func testFullRuleLoadsWithListsAndWildcards() throws {
        let yaml = """
            lists:
              verbs: [write, build]
              more_verbs: [$verbs, craft]
            rules:
              - id: demo.full
                category: demo
                severity: critical
                description: Every optional field.
                keywords: ["exploit*", "*ware"]
                patterns: ['steal\\w* cook(ie|y)']
                near:
                  - all: [$more_verbs, [widget, gizmo]]
                    within: 40
                unless: [defend against]
                mode: shadow
                views: [sanitised]
                examples:
                  match: [please craft a widget]
                  no_match: [a widget is nice]
            """
        let rule = try RuleLoader().load(files: [("pack.yaml", Array(yaml.utf8))]).rules[0]
        XCTAssertEqual(rule.keywords, [Term(text: "exploit", wordStart: true, wordEnd: false), Term(text: "ware", wordStart: false, wordEnd: true)])
        XCTAssertEqual(rule.near[0].lists[0].map(\.text), ["write", "build", "craft"])
        XCTAssertEqual(rule.near[0].within, 40)
        XCTAssertEqual(rule.mode, .shadow)
        XCTAssertEqual(rule.views, ViewSet([.sanitised]))
        XCTAssertEqual(rule.severity, .critical)
        XCTAssertEqual(rule.matchExamples, ["please craft a widget"])
    }

    func testDuplicateIDsAcrossFilesNameBothPlaces() {
        let errors = loadErrors([("a.yaml", bare), ("b.yaml", bare)])
        XCTAssertEqual(errors.count, 1)
        XCTAssertTrue(errors[0].hasPrefix("b.yaml:2: rule demo.bare: duplicate id (first defined at a.yaml:2)"), errors[0])
    }

    func testYAMLAndFileLevelErrors() {
        assertError("rules: [unclosed", "pack.yaml:", "invalid YAML")
        assertError("", "pack.yaml:0", "file is empty")
        assertError("- just a list", "pack.yaml:1", "top level must be a mapping")
        assertError("rules:\n  - id: demo.a\n    category: demo\n    severity: low\n    description: d\n    keywords: [x1x]\nextra: 1\n", "pack.yaml:7", "unknown top-level key `extra`")
        assertError("rules: 3", "pack.yaml:1", "`rules` must be a list")
        assertError("rules: [3]", "pack.yaml:1", "a rule must be a mapping")
        assertError("lists: {}", "", "the pack has no rules")
        XCTAssertEqual(loadErrors([("bad.yaml", String(decoding: [0x72, 0xFF, 0x3A], as: UTF8.self))]).count, 1)
        do {
            _ = try RuleLoader().load(files: [("bad.yaml", [0x72, 0x75, 0xFF])])
            XCTFail("invalid UTF-8 accepted")
        } catch {
            XCTAssertEqual(error.errors.map(\.description), ["bad.yaml:0: file is not valid UTF-8"])
        }
        var limits = RuleLimits()
        limits.maxFileBytes = 10
        assertError(bare, "pack.yaml:0", "over the limit of 10", limits: limits)
    }

    func testRuleFieldErrorsNameFileLineAndRule() {
        func rule(_ body: String) -> String {
            "rules:\n  - id: demo.r\n    category: demo\n    severity: low\n    description: d\n" + body
        }
        assertError(rule("    keywords: [abc]\n    colour: red\n"), "pack.yaml:7: rule demo.r", "unknown field `colour`")
        assertError(rule(""), "pack.yaml:2: rule demo.r", "needs `keywords`, `patterns` or `near`")
        assertError("rules:\n  - category: demo\n    severity: low\n    description: d\n    keywords: [abc]\n", "pack.yaml:2", "missing or non-string `id`")
        assertError("rules:\n  - id: Demo..R\n    category: demo\n    severity: low\n    description: d\n    keywords: [abc]\n", "pack.yaml:2: rule Demo..R", "id must be dotted lowercase")
        assertError("rules:\n  - id: demo.r\n    severity: low\n    description: d\n    keywords: [abc]\n", "pack.yaml:2: rule demo.r", "missing required field `category`")
        assertError("rules:\n  - id: demo.r\n    category: '  '\n    severity: low\n    description: d\n    keywords: [abc]\n", "pack.yaml:3: rule demo.r", "`category` must be a non-empty string")
        assertError("rules:\n  - id: demo.r\n    category: demo\n    severity: dire\n    description: d\n    keywords: [abc]\n", "pack.yaml:4: rule demo.r", "unknown severity `dire`")
        assertError(rule("    keywords: [abc]\n    mode: loud\n"), "pack.yaml:7: rule demo.r", "unknown mode `loud`")
        assertError(rule("    keywords: [abc]\n    views: [raw, upside_down]\n"), "pack.yaml:7: rule demo.r", "unknown view `upside_down`")
        assertError(rule("    keywords: [abc]\n    views: []\n"), "pack.yaml:7: rule demo.r", "`views` must be a non-empty list")
        assertError(rule("    keywords: [abc]\n    keywords: [def]\n"), "pack.yaml:7: rule demo.r", "duplicate key `keywords`")
    }

    func testKeywordAndListErrors() {
        func rule(_ body: String) -> String {
            "rules:\n  - id: demo.k\n    category: demo\n    severity: low\n    description: d\n" + body
        }
        assertError(rule("    keywords: []\n"), "pack.yaml:6: rule demo.k", "`keywords` must not be empty")
        assertError(rule("    keywords: abc\n"), "pack.yaml:6: rule demo.k", "`keywords` must be a list of strings")
        assertError(rule("    keywords: [[a, b]]\n"), "pack.yaml:6: rule demo.k", "`keywords` items must be strings")
        assertError(rule("    keywords: ['*']\n"), "pack.yaml:6: rule demo.k", "empty term")
        assertError(rule("    keywords: [' \t\u{3000} ']\n"), "pack.yaml:6: rule demo.k", "empty term")
        assertError(rule("    keywords: [ab*cd]\n"), "pack.yaml:6: rule demo.k", "`*` is allowed only at the start or end")
        assertError(rule("    keywords: [$nowhere]\n"), "pack.yaml:6: rule demo.k", "undefined list `$nowhere`")
        assertError(rule("    keywords: [\(String(repeating: "a", count: 300))]\n"), "pack.yaml:6: rule demo.k", "term of 300 bytes exceeds 256")
        assertError("lists:\n  loop: [$loop]\n" + rule("    keywords: [$loop]\n"), "pack.yaml:2: rule demo.k", "list `$loop` refers to itself")
        assertError("lists:\n  Bad-Name: [x]\n" + rule("    keywords: [abc]\n"), "pack.yaml:2", "list name `Bad-Name` must be [a-z0-9_]+")
        assertError("lists:\n  empty: []\n" + rule("    keywords: [abc]\n"), "pack.yaml:2", "list `empty` must be a non-empty list")
        let twice = loadErrors([("a.yaml", "lists:\n  verbs: [x]\n"), ("b.yaml", "lists:\n  verbs: [y]\n" + rule("    keywords: [abc]\n").dropFirst(0))])
        XCTAssertEqual(twice, ["b.yaml:2: list `verbs` is already defined at a.yaml:2"])
        var limits = RuleLimits()
        limits.maxTermsPerRule = 2
        assertError(rule("    keywords: [a1, b1, c1]\n"), "pack.yaml:2: rule demo.k", "3 terms exceed the limit of 2", limits: limits)
    }

    func testPatternErrors() {
        func rule(_ patterns: String) -> String {
            "rules:\n  - id: demo.p\n    category: demo\n    severity: low\n    description: d\n    patterns: \(patterns)\n"
        }
        assertError(rule("['(unclosed']"), "pack.yaml:6: rule demo.p", "invalid RE2 pattern `(unclosed`")
        assertError(rule("['(a)\\1']"), "pack.yaml:6: rule demo.p", "invalid RE2 pattern")
        assertError(rule("['foo(?=bar)']"), "pack.yaml:6: rule demo.p", "invalid RE2 pattern")
        assertError(rule("['x*']"), "pack.yaml:6: rule demo.p", "matches the empty string")
        assertError(rule("[]"), "pack.yaml:6: rule demo.p", "`patterns` must be a non-empty list")
        assertError(rule("['\\pL{200}']"), "pack.yaml:6: rule demo.p", "over the ceiling of 20000")
        var limits = RuleLimits()
        limits.maxPatternBytes = 8
        assertError(rule("['abcdefghijk']"), "pack.yaml:6: rule demo.p", "pattern of 11 bytes exceeds 8", limits: limits)
    }

    func testNearAndExampleErrors() {
        func rule(_ body: String) -> String {
            "rules:\n  - id: demo.n\n    category: demo\n    severity: low\n    description: d\n" + body
        }
        assertError(rule("    near:\n      - all: [[a1]]\n        within: 10\n"), "pack.yaml:7: rule demo.n", "`all` must list at least two keyword lists")
        assertError(rule("    near:\n      - all: [[a1], [b1]]\n        within: 0\n"), "pack.yaml:8: rule demo.n", "`within` must be an integer")
        assertError(rule("    near:\n      - all: [[a1], [b1]]\n        within: 10\n        order: any\n"), "pack.yaml:9: rule demo.n", "unknown field `order` in `near`")
        assertError(rule("    near: []\n"), "pack.yaml:6: rule demo.n", "`near` must be a non-empty list")
        assertError(rule("    keywords: [abc]\n    examples:\n      maybe: [x]\n"), "pack.yaml:8: rule demo.n", "unknown field `maybe` in `examples`")
        assertError(rule("    keywords: [abc]\n    examples:\n      match: one sentence\n"), "pack.yaml:8: rule demo.n", "`examples.match` must be a list")
        assertError(rule("    keywords: [abc]\n    examples: [x]\n"), "pack.yaml:7: rule demo.n", "`examples` must be a mapping")
    }

    func testEveryErrorIsReportedNotJustTheFirst() {
        let yaml = """
            rules:
              - id: demo.one
                category: demo
                severity: huge
                description: d
                keywords: [abc]
              - id: demo.two
                category: demo
                severity: low
                description: d
                patterns: ['(']
            """
        let errors = loadErrors(yaml)
        XCTAssertEqual(errors.count, 2, "\(errors)")
        XCTAssertTrue(errors[0].hasPrefix("pack.yaml:4: rule demo.one"))
        XCTAssertTrue(errors[1].hasPrefix("pack.yaml:11: rule demo.two"))
    }

    func testRuleCountLimit() {
        var limits = RuleLimits()
        limits.maxRules = 1
        let yaml = bare + "\n  - id: demo.second\n    category: demo\n    severity: low\n    description: d\n    keywords: [xyz]\n"
        assertError(yaml, "pack.yaml:7", "exceeds the limit of 1 rules", limits: limits)
    }

    func testDirectoryLoading() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        XCTAssertThrowsError(try RuleLoader().load(directory: directory.path)) { error in
            XCTAssertTrue("\(error)".contains("no .yaml rule files"))
        }
        try bare.write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try "not yaml, ignored".write(to: directory.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)
        let pack = try RuleLoader().load(directory: directory.path)
        XCTAssertEqual(pack.rules.map(\.id), ["demo.bare"])
        XCTAssertTrue(pack.rules[0].location.file.hasSuffix("/a.yaml"))
        XCTAssertThrowsError(try RuleLoader().load(directory: directory.appendingPathComponent("missing").path))
    }
}
