import Testing
@testable import SwitchyardMatching

@Suite struct KeywordAutomatonTests {
    @Test func overlappingClassicExample() throws {
        let keywords = ["he", "she", "his", "hers"].map { Keyword(bytes: bytes($0)) }
        let matcher = try automaton(keywords)
        #expect(matcher.patternCount == 4)
        #expect(matcher.stateCount == 10)  // root, h, he, her, hers, hi, his, s, sh, she
        #expect(matcher.memoryBytes > 0)
        #expect(hits(matcher, "ushers") == [
            Hit(pattern: 0, start: 2, end: 4),  // he
            Hit(pattern: 1, start: 1, end: 4),  // she
            Hit(pattern: 3, start: 2, end: 6),  // hers
        ])
        #expect(hits(matcher, "") == [])
        #expect(hits(matcher, "xyz") == [])
    }

    @Test func caseInsensitiveBothWays() throws {
        let matcher = try automaton([Keyword(bytes: bytes("MiMiKaTz")), Keyword(bytes: bytes("shell"))])
        #expect(hits(matcher, "run mimikatz") == [Hit(pattern: 0, start: 4, end: 12)])
        #expect(hits(matcher, "RUN MIMIKATZ") == [Hit(pattern: 0, start: 4, end: 12)])
        #expect(hits(matcher, "SheLL") == [Hit(pattern: 1, start: 0, end: 5)])
        // Folding is ASCII letters only: '@' (0x40) and '`' (0x60) differ by 0x20 but are not letters.
        let punctuation = try automaton([Keyword(bytes: bytes("@"))])
        #expect(hits(punctuation, "`") == [])
        #expect(hits(punctuation, "@") == [Hit(pattern: 0, start: 0, end: 1)])
    }

    @Test func wordBoundaries() throws {
        let matcher = try automaton([
            Keyword(bytes: bytes("cat"), wordStart: true, wordEnd: true),
            Keyword(bytes: bytes("dog"), wordStart: true),
            Keyword(bytes: bytes("rat"), wordEnd: true),
        ])
        // Text start and end.
        #expect(hits(matcher, "cat") == [Hit(pattern: 0, start: 0, end: 3)])
        // Next to punctuation and spaces.
        #expect(hits(matcher, "(cat), cat.") == [Hit(pattern: 0, start: 1, end: 4), Hit(pattern: 0, start: 7, end: 10)])
        // Letters, digits, underscore and a UTF-8 letter are word bytes on either side.
        for text in ["cats", "scat", "cat1", "1cat", "cat_", "_cat", "écat", "caté"] {
            #expect(hits(matcher, text) == [], "\(text)")
        }
        // Only the flagged side is checked.
        #expect(hits(matcher, "dogs") == [Hit(pattern: 1, start: 0, end: 3)])
        #expect(hits(matcher, "hotdog") == [])
        #expect(hits(matcher, "pirat") == [Hit(pattern: 2, start: 2, end: 5)])
        #expect(hits(matcher, "rats") == [])
        // Other bytes (controls, '-', '/') are boundaries.
        #expect(hits(matcher, "a-cat/b\tdog\n") == [Hit(pattern: 0, start: 2, end: 5), Hit(pattern: 1, start: 8, end: 11)])
    }

    /// Non-ASCII punctuation and spaces end words as ASCII punctuation does ("¿cómo", "«cat»",
    /// "、cat。"); non-ASCII letters, digits and symbols that stand for them do not.
    @Test func nonASCIIPunctuationIsABoundary() throws {
        let matcher = try automaton([Keyword(bytes: bytes("cat"), wordStart: true, wordEnd: true)])
        for text in ["¿cat?", "¡cat!", "«cat»", "“cat”", "‘cat’", "—cat—", "…cat…", "、cat。", "「cat」", "（cat）", "\u{00A0}cat\u{3000}", "・cat・"] {
            #expect(hits(matcher, text).count == 1, "\(text)")
        }
        // Scripts written without spaces: a Latin term stands straight against their characters.
        for text in ["猫cat", "写个cat吧", "catを飼う", "カタカナcatひらがな", "고양이cat", "ｶcatｶ", "\u{3400}cat\u{F900}"] {
            #expect(hits(matcher, text).count == 1, "\(text)")
        }
        for text in ["écat", "catñ", "ªcat", "cat²", "µcat", "catкот", "\u{FF41}cat", "αcat"] {
            #expect(hits(matcher, text) == [], "\(text)")
        }
        // Malformed or cut-off UTF-8 around a hit counts as a word, as before.
        #expect(hits(matcher, [0xE2, 0x80] + bytes("cat")) == [])
        #expect(hits(matcher, bytes("cat") + [0xC2]) == [])
    }

    /// A pattern built with a reported value reports that value instead of its id, also when its
    /// outputs are inherited through a suffix link.
    @Test func hitsReportTheValuesGivenAtBuild() throws {
        var builder = KeywordAutomaton.Builder()
        builder.add(bytes("abc"), wordStart: false, wordEnd: false)
        builder.add(bytes("bc"), wordStart: false, wordEnd: false)
        builder.add(bytes("q"), wordStart: false, wordEnd: true)
        let matcher = try builder.build(reporting: [700, 41, 9_000_000])
        #expect(matcher.hits(in: bytes("xabc q")).map(\.pattern) == [41, 700, 9_000_000])
        #expect(matcher.hits(in: bytes("bcq!")).map(\.pattern) == [41, 9_000_000])
    }

    @Test func duplicatesAndSuffixPatterns() throws {
        let matcher = try automaton([
            Keyword(bytes: bytes("abc")),
            Keyword(bytes: bytes("ABC")),
            Keyword(bytes: bytes("bc")),
            Keyword(bytes: bytes("c"), wordEnd: true),
            Keyword(bytes: bytes("xabcd")),
        ])
        #expect(hits(matcher, "xabcd") == [
            Hit(pattern: 0, start: 1, end: 4),
            Hit(pattern: 1, start: 1, end: 4),
            Hit(pattern: 2, start: 2, end: 4),
            Hit(pattern: 4, start: 0, end: 5),
        ])
        #expect(hits(matcher, "abc") == [
            Hit(pattern: 0, start: 0, end: 3),
            Hit(pattern: 1, start: 0, end: 3),
            Hit(pattern: 2, start: 1, end: 3),
            Hit(pattern: 3, start: 2, end: 3),
        ])
    }

    @Test func nonASCIIPatternBytesMatchExactly() throws {
        let matcher = try automaton([
            Keyword(bytes: bytes("café"), wordStart: true, wordEnd: true),
            Keyword(bytes: [0xFF, 0x80]),
        ])
        #expect(hits(matcher, "un CAFé noir") == [Hit(pattern: 0, start: 3, end: 8)])
        #expect(hits(matcher, "CAFÉ") == [])  // É is not folded here; the sanitised view does that
        #expect(hits(matcher, [0x41, 0xFF, 0x80, 0xFF, 0x80]) == [Hit(pattern: 1, start: 1, end: 3), Hit(pattern: 1, start: 3, end: 5)])
    }

    @Test func noPatterns() throws {
        let matcher = try KeywordAutomaton.Builder().build()
        #expect(matcher.patternCount == 0)
        #expect(matcher.stateCount == 1)
        #expect(hits(matcher, "anything at all") == [])
    }

    @Test func builderIdsAndCount() {
        var builder = KeywordAutomaton.Builder()
        #expect(builder.add(bytes("a"), wordStart: false, wordEnd: false) == 0)
        #expect(builder.add(bytes("a"), wordStart: true, wordEnd: false) == 1)
        #expect(builder.add(bytes("b"), wordStart: false, wordEnd: true) == 2)
        #expect(builder.count == 3)
    }

    @Test func emptyPatternIsRefused() {
        var builder = KeywordAutomaton.Builder()
        builder.add(bytes("ok"), wordStart: false, wordEnd: false)
        builder.add([], wordStart: false, wordEnd: false)
        builder.add([], wordStart: false, wordEnd: false)
        #expect(throws: KeywordAutomaton.BuildError.emptyPattern(id: 1)) { try builder.build() }
        #expect(KeywordAutomaton.BuildError.emptyPattern(id: 1).description.contains("1"))
    }

    @Test func stateLimit() throws {
        var builder = KeywordAutomaton.Builder()
        builder.add(bytes("abcd"), wordStart: false, wordEnd: false)  // root + 4 states
        #expect(throws: KeywordAutomaton.BuildError.tooManyStates(limit: 4)) { try builder.build(maxStates: 4) }
        #expect(throws: KeywordAutomaton.BuildError.tooManyStates(limit: 0)) { try builder.build(maxStates: 0) }
        #expect(try builder.build(maxStates: 5).stateCount == 5)
        #expect(KeywordAutomaton.BuildError.tooManyStates(limit: 4).description.contains("4"))
    }

    @Test func matchIndexReciprocalIsExact() throws {
        // The scan finds a match state's outputs by multiplying instead of dividing by classCount.
        var builder = KeywordAutomaton.Builder()
        for byte in UInt8(0)...UInt8(255) { builder.add([byte, byte], wordStart: false, wordEnd: false) }
        let matcher = try builder.build()
        #expect(matcher.classCount == 231)  // 230 folded bytes + "other"
        for state in 0..<matcher.stateCount {
            let premultiplied = UInt64(state * matcher.classCount)
            #expect((premultiplied * matcher.matchReciprocal) >> 32 == UInt64(state))
        }
        // The largest premultiplied states the limits allow, for every class count.
        for classCount in 1...231 {
            let reciprocal = ((1 << 32) + UInt64(classCount) - 1) / UInt64(classCount)
            let lastState = UInt64(UInt32.max) / UInt64(classCount) - 1
            for state in [0, 1, lastState / 2, lastState] {
                #expect((state * UInt64(classCount) * reciprocal) >> 32 == state, "C=\(classCount)")
            }
        }
    }

    @Test func randomisedAgainstOracle() throws {
        var random = SplitMix64(state: 0x5EED_0001)
        let alphabet = bytes("abAB _é1.")  // é is two bytes; either may be drawn alone
        for _ in 0..<400 {
            let keywords = (0..<random.int(1...40)).map { _ in
                Keyword(bytes: random.bytes(count: random.int(1...8), from: alphabet),
                        wordStart: random.bool(), wordEnd: random.bool())
            }
            let matcher = try automaton(keywords)
            for _ in 0..<3 {
                let text = random.bytes(count: random.int(0...300), from: alphabet)
                expectMatchesOracle(matcher, keywords, text)
            }
        }
    }

    /// Well-formed text mixing Latin letters with kana, ideographs and accented letters: word
    /// boundaries beside the CJK scalars agree with the oracle's reading of whole scalars.
    @Test func randomisedAgainstOracleWithCJK() throws {
        var random = SplitMix64(state: 0x5EED_0002)
        let pieces = ["a", "b", "A", "B", " ", "_", "1", "é", "猫", "を", "、"].map(bytes)
        func draw(_ count: Int) -> [UInt8] { (0..<count).flatMap { _ in pieces[random.int(0...(pieces.count - 1))] } }
        for _ in 0..<300 {
            let keywords = (0..<random.int(1...30)).map { _ in
                Keyword(bytes: draw(random.int(1...4)), wordStart: random.bool(), wordEnd: random.bool())
            }
            let matcher = try automaton(keywords)
            for _ in 0..<3 { expectMatchesOracle(matcher, keywords, draw(random.int(0...120))) }
        }
    }

    /// The four-lane scan reports exactly the plain scan's hits, in order of end offset, also for
    /// matches that straddle the boundaries between lanes, while its event regions grow.
    @Test func interleavedScanMatchesThePlainScan() throws {
        struct Recorder: KeywordHitSink {
            var hits: [Hit] = []
            mutating func keywordHit(pattern: UInt32, start: Int, end: Int) { hits.append(Hit(pattern: pattern, start: start, end: end)) }
        }
        var random = SplitMix64(state: 0x5EED_0003)
        let alphabet = bytes("abcAB _é1.")
        let events = AutomatonEvents(laneCapacity: 1)  // grows during the scans
        for round in 0..<60 {
            let keywords = (0..<random.int(1...30)).map { _ in
                Keyword(bytes: random.bytes(count: random.int(1...(round % 2 == 0 ? 6 : 40)), from: alphabet),
                        wordStart: random.bool(), wordEnd: random.bool())
            }
            let matcher = try automaton(keywords)
            var text = random.bytes(count: random.int(KeywordAutomaton.minimumInterleavedBytes...5000), from: alphabet)
            // Plant the longest keyword across every boundary between lanes.
            let long = bytes(" ") + keywords.max { $0.bytes.count < $1.bytes.count }!.bytes + bytes(" ")
            for lane in 1..<AutomatonEvents.lanes {
                let at = text.count / AutomatonEvents.lanes * lane - long.count / 2
                text.replaceSubrange(at..<at + long.count, with: long)
            }
            var plain = Recorder(), interleaved = Recorder()
            text.withUnsafeBytes {
                matcher.scan($0, into: &plain)
                matcher.scan($0, into: &interleaved, events: events)
            }
            #expect(zip(interleaved.hits, interleaved.hits.dropFirst()).allSatisfy { $0.end <= $1.end })
            let order: (Hit, Hit) -> Bool = { ($0.end, $0.pattern, $0.start) < ($1.end, $1.pattern, $1.start) }
            #expect(interleaved.hits.sorted(by: order) == plain.hits.sorted(by: order))
            #expect(!plain.hits.isEmpty)
        }
    }

    @Test func tenThousandPatterns() throws {
        var random = SplitMix64(state: 0x5EED_0002)
        let alphabet = bytes("abcdeABCDE _-é")
        // Whole scalars (letters and punctuation, ASCII and not) for the text, so that it is
        // well-formed UTF-8 and the boundaries next to non-ASCII punctuation are exercised.
        let pieces = ["a", "b", "c", "d", "e", "A", "B", "C", " ", "_", "-", "é", "¿", "«", "»", "、", "。", "猫", "ª"].map(bytes)
        let keywords = (0..<10_000).map { _ in
            Keyword(bytes: random.bytes(count: random.int(1...8), from: alphabet),
                    wordStart: random.bool(), wordEnd: random.bool())
        }
        let matcher = try automaton(keywords)
        #expect(matcher.patternCount == 10_000)
        var total = 0
        for _ in 0..<4 {
            // The naive oracle is slow in debug builds.
            let text = (0..<200).flatMap { _ in pieces[random.int(0...pieces.count - 1)] }
            total += expectMatchesOracle(matcher, keywords, text)
        }
        #expect(total > 100)  // the set really does match
    }
}

// MARK: Helpers (nested in the suite so their names cannot collide with other test files)

extension KeywordAutomatonTests {
    /// A hit as a comparable value (the API returns tuples).
    private struct Hit: Equatable, CustomStringConvertible {
        var pattern: UInt32
        var start: Int
        var end: Int
        var description: String { "#\(pattern)@\(start)..<\(end)" }
    }

    /// A keyword as the tests see it.
    private struct Keyword {
        var bytes: [UInt8]
        var wordStart = false
        var wordEnd = false
    }

    private func bytes(_ string: String) -> [UInt8] { Array(string.utf8) }

    private func automaton(_ keywords: [Keyword], maxStates: Int = 4_000_000) throws -> KeywordAutomaton {
        var builder = KeywordAutomaton.Builder()
        for keyword in keywords {
            builder.add(keyword.bytes, wordStart: keyword.wordStart, wordEnd: keyword.wordEnd)
        }
        return try builder.build(maxStates: maxStates)
    }

    private func hits(_ automaton: KeywordAutomaton, _ text: [UInt8]) -> [Hit] {
        automaton.hits(in: text).map { Hit(pattern: $0.pattern, start: $0.start, end: $0.end) }
    }

    private func hits(_ automaton: KeywordAutomaton, _ text: String) -> [Hit] {
        hits(automaton, bytes(text))
    }

    /// Naive O(n·m) matcher with the documented semantics, written independently of the automaton.
    private func oracleHits(_ keywords: [Keyword], _ text: [UInt8]) -> [Hit] {
        func lower(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }
        // The scalars that separate words, as the automaton documents them.
        let separating: [ClosedRange<UInt32>] = [0xA0...0xA9, 0xAB...0xB1, 0xB4...0xB4, 0xB6...0xB8, 0xBB...0xBB, 0xBF...0xBF,
            0xD7...0xD7, 0xF7...0xF7, 0x2000...0x206F, 0x2E00...0x2E7F, 0x3000...0x3003, 0x3008...0x3011, 0x3014...0x301F,
            0x30FB...0x30FB, 0xFE10...0xFE19, 0xFE30...0xFE4F, 0xFE50...0xFE6B, 0xFF01...0xFF0F, 0xFF1A...0xFF20,
            0xFF3B...0xFF40, 0xFF5B...0xFF65,
            0x3040...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF, 0xFF66...0xFF9F]
        // Byte index → the scalar it belongs to, for well-formed text (Swift's own decoder).
        var scalarAt = [UInt32?](repeating: nil, count: text.count)
        if let string = String(validating: text, as: UTF8.self) {
            var offset = 0
            for scalar in string.unicodeScalars {
                let width = String(scalar).utf8.count
                for index in offset..<offset + width { scalarAt[index] = scalar.value }
                offset += width
            }
        }
        func isWord(_ index: Int) -> Bool {
            let byte = text[index]
            if byte < 0x80 { return (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) || byte == 95 }
            guard let scalar = scalarAt[index] else { return true }
            return !separating.contains { $0.contains(scalar) }
        }
        var result: [Hit] = []
        guard !text.isEmpty else { return result }
        let folded = text.map(lower)
        let foldedKeywords = keywords.map { $0.bytes.map(lower) }
        for end in 1...text.count {
            for (id, keyword) in keywords.enumerated() {
                let pattern = foldedKeywords[id]
                let length = pattern.count
                guard length <= end else { continue }
                let start = end - length
                var equal = true
                for offset in 0..<length where folded[start + offset] != pattern[offset] {
                    equal = false
                    break
                }
                guard equal else { continue }
                if keyword.wordStart && start > 0 && isWord(start - 1) { continue }
                if keyword.wordEnd && end < text.count && isWord(end) { continue }
                result.append(Hit(pattern: UInt32(id), start: start, end: end))
            }
        }
        return result  // already sorted by (end, pattern)
    }

    /// SplitMix64: small, seedable, good enough for test data.
    private struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        /// Uniform-ish in `range` (modulo bias is irrelevant here).
        mutating func int(_ range: ClosedRange<Int>) -> Int {
            range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
        }
        mutating func bool() -> Bool { next() & 1 == 1 }
        mutating func bytes(count: Int, from alphabet: [UInt8]) -> [UInt8] {
            (0..<count).map { _ in alphabet[int(0...(alphabet.count - 1))] }
        }
    }

    /// A sink that records hits in the order the scan reports them.
    private struct RecordingSink: KeywordHitSink {
        var hits: [Hit] = []
        mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
            hits.append(Hit(pattern: pattern, start: start, end: end))
        }
    }

    private func scanned(_ automaton: KeywordAutomaton, _ text: [UInt8]) -> [Hit] {
        var sink = RecordingSink()
        text.withUnsafeBytes { automaton.scan($0, into: &sink) }
        return sink.hits
    }

    /// Checks `hits(in:)` and a raw `scan` against the oracle; returns the number of hits.
    @discardableResult
    private func expectMatchesOracle(
        _ automaton: KeywordAutomaton, _ keywords: [Keyword], _ text: [UInt8],
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int {
        let expected = oracleHits(keywords, text)
        let actual = hits(automaton, text)
        #expect(actual == expected, "text \(text)", sourceLocation: sourceLocation)
        let raw = scanned(automaton, text)
        #expect(zip(raw, raw.dropFirst()).allSatisfy { $0.end <= $1.end }, "scan order", sourceLocation: sourceLocation)
        let rawSorted = raw.sorted { ($0.end, $0.pattern) < ($1.end, $1.pattern) }
        #expect(rawSorted == expected, "scan sink, text \(text)", sourceLocation: sourceLocation)
        return expected.count
    }
}
