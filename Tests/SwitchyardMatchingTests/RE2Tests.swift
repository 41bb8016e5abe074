import Foundation
import Testing
@testable import SwitchyardMatching
import CRE2

@Suite struct RE2PatternTests {
    @Test func findsLeftmostMatchSpanCaseInsensitively() throws {
        let pattern = try RE2Pattern(#"reverse\s+shell"#)
        #expect(pattern.firstMatch(in: "please open a Reverse  Shell now") == 14..<28)
        #expect(pattern.firstMatch(in: "a reversed shellfish") == nil)
        #expect(pattern.programSize > 0)
    }

    @Test func caseSensitiveWhenAsked() throws {
        let pattern = try RE2Pattern("Admin", options: RE2Options(caseInsensitive: false))
        #expect(pattern.firstMatch(in: "admin") == nil)
        #expect(pattern.firstMatch(in: "Admin") == 0..<5)
    }

    @Test(arguments: [#"(a"#, #"(?<name>x)\k<name>"#, #"a(?=b)"#, #"(x)\1"#, #"[z-a]"#])
    func refusesInvalidOrBacktrackingSyntax(_ source: String) {
        #expect(throws: RE2Pattern.CompileError.self) { try RE2Pattern(source) }
    }

    @Test func refusesPatternOverMemoryBudget() {
        #expect(throws: RE2Pattern.CompileError.self) {
            try RE2Pattern(#"(\w{1,40}\s){1,40}"#, options: RE2Options(maxMemory: 64 << 10))
        }
    }

    @Test func atomsComeFromLiteralsAndAreLowercased() throws {
        // Both literals must occur, so one of them (the longer) is a sufficient prefilter.
        let atoms = try RE2Atoms.atoms(of: #"Mimikatz\s+sekurlsa"#).map { String(decoding: $0, as: UTF8.self) }
        #expect(atoms.count == 1 && ["mimikatz", "sekurlsa"].contains(atoms[0]))
        // Either branch may match, so both are needed.
        let alternation = try RE2Atoms.atoms(of: #"(keylogger|screen ?grabber)"#).map { String(decoding: $0, as: UTF8.self) }
        #expect(alternation.contains("keylogger") && alternation.contains("grabber"))
        // An intent word AND a capability word: the longer, rarer capability words suffice.
        let combined = try RE2Atoms.atoms(of: #"(make|write|code) an? (ransomware|keylogger)"#).map { String(decoding: $0, as: UTF8.self) }
        #expect(Set(combined.map { $0.trimmingCharacters(in: .whitespaces) }) == ["ransomware", "keylogger"])
        #expect(try RE2Atoms.atoms(of: #"\d{3,}-\w+"#).isEmpty)
        // Both alternations are necessary: two groups, the rarer (longer atoms) first.
        let groups = try RE2Atoms.groups(of: #"(make|write|code) an? (ransomware|keylogger)"#).map { $0.map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespaces) } }
        #expect(groups.count == 2)
        #expect(Set(groups[0]) == ["ransomware", "keylogger"])
        #expect(groups[1].count == 3 && groups[1].allSatisfy { atom in ["make", "write", "code"].contains { atom.hasPrefix($0) } })
        #expect(try RE2Atoms.groups(of: #"(keylogger|screen ?grabber)"#).count == 1)
        #expect(throws: RE2Pattern.CompileError.self) { try RE2Atoms.atoms(of: "(") }
    }

    @Test func shortAtomsPrefilterOnlyWhenProseRarelyHoldsThem() throws {
        func groups(_ pattern: String) throws -> [[String]] {
            try RE2Atoms.prefilterGroups(of: pattern).map { $0.map { String(decoding: $0, as: UTF8.self) } }
        }
        // No literal of three bytes: a symbol that is not everyday punctuation, or a digit with a letter.
        #expect(try groups(#"\\x[0-9a-f]{2}(\\x[0-9a-f]{2}){15,}"#) == [["\\x"]])
        #expect(try groups(#"\b(0x[0-9a-f]{2},\s*){16,}"#) == [["0x"]])
        // `'`, `or`, `1` and the spaces are everywhere in prose; `=` is not.
        #expect(try groups(#"'\s*or\s+'?1'?\s*=\s*'?1"#) == [["="]])
        // Only common atoms (digits, a hyphen): no prefilter, the pattern runs on every text.
        #expect(try groups(#"[0-9]{4}-[0-9]{4}"#).isEmpty)
        // A pattern with long literals keeps them (each is necessary: two groups).
        #expect(try Set(groups(#"Mimikatz\s+sekurlsa"#).flatMap { $0 }) == ["mimikatz", "sekurlsa"])
    }
}

@Suite struct RE2PatternSetTests {
    @Test func reportsEveryMatchingPattern() throws {
        let set = try RE2PatternSet([#"dump\w* lsass"#, #"amsi\s*bypass"#, #"zzz+"#])
        #expect(try set.matches(in: "Dumping LSASS and an AMSI bypass") == [0, 1])
        #expect(try set.matches(in: "nothing here") == [])
        #expect(set.count == 3)
    }

    @Test func answersWhetherAnyPatternMatches() throws {
        let set = try RE2PatternSet([#"dump\w* lsass"#, #"amsi\s*bypass"#])
        func any(_ text: String) throws -> Bool {
            var copy = text
            return try copy.withUTF8 { try set.matchesAny(in: UnsafeRawBufferPointer($0)) }
        }
        #expect(try any("an AMSI   bypass"))
        #expect(try !any("amsi is an interface"))
        #expect(try !any(""))
    }

    @Test func invalidPatternNamesItsIndex() {
        #expect(throws: RE2PatternSet.BuildError.invalidPattern(index: 1, message: "missing ): (b")) {
            try RE2PatternSet(["a", "(b", "c"])
        }
    }

    @Test func growsScratchWhenMoreMatchThanCapacity() throws {
        let patterns = (0..<40).map { "w\($0)x" }
        let set = try RE2PatternSet(patterns)
        let text = (0..<40).map { "w\($0)x" }.joined(separator: " ")
        #expect(try set.matches(in: text, scratch: .init(capacity: 2)) == Array(0..<40))
    }

    /// RE2::Set::Compile reports running out of memory by returning false; the set is refused.
    @Test func outOfMemoryAtCompileIsRefused() {
        let patterns = (0..<200).map { i in #"[a-q][^u-z]{13}x\#(i)"# }
        #expect(throws: RE2PatternSet.BuildError.compileFailed) {
            try RE2PatternSet(patterns, options: RE2Options(maxMemory: 16 << 10))
        }
    }

    /// RE2::Set::Match on a set that never compiled crashes inside RE2; the shim answers an error
    /// code instead, which the Swift layer turns into `RE2MatchFailure.notCompiled`.
    @Test func matchingAnUncompiledSetIsAnErrorNotACrash() {
        let set = cre2_set_new(cre2_options(case_insensitive: 1, max_mem: 1 << 20))!
        defer { cre2_set_delete(set) }
        let scratch = cre2_set_scratch_new()!
        defer { cre2_set_scratch_delete(scratch) }
        var count: Int32 = 7
        var indices = [Int32](repeating: 0, count: 4)
        let text: [UInt8] = Array("abc".utf8)
        let status = cre2_set_match(set, scratch, text, text.count, &indices, 4, &count)
        #expect(status == CRE2_ERROR_NOT_COMPILED)
        #expect(count == 0)
    }
}
