import Foundation  // tests only: the reference NFKC + case folding
import Testing
@testable import SwitchyardMatching

// Helpers: run a view on a String's UTF-8 and return the result as a String (or bytes).
private func sanitised(_ text: String) -> (String, Int) {
    var output: [UInt8] = []
    let removed = Array(text.utf8).withUnsafeBytes { Sanitiser.sanitise($0, into: &output) }
    return (String(decoding: output, as: UTF8.self), removed)
}

private func skeleton(_ text: String) -> String {
    String(decoding: TextViews.skeleton(of: Array(text.utf8)), as: UTF8.self)
}

private func squeezed(_ text: String) -> String {
    String(decoding: TextViews.squeeze(of: Array(text.utf8)), as: UTF8.self)
}


/// Deterministic pseudo-random numbers for fuzz loops (SplitMix64).
struct ViewsRandom: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Every scalar assigned in Unicode 15.0 (the generated tables' version; the Swift runtime may be newer).
private let assignedScalars: [Unicode.Scalar] = (0x80...0x10FFFF).compactMap { value in
    guard let scalar = Unicode.Scalar(UInt32(value)), let age = scalar.properties.age,
          (age.major, age.minor) <= (15, 0) else { return nil }
    return scalar
}

/// Where the tables deliberately follow CaseFolding.txt and Foundation does not: Foundation folds
/// Cherokee capitals to the lowercase letters (CaseFolding folds lowercase to capitals) and
/// leaves the Cyrillic variants U+1C80–U+1C88 alone (CaseFolding maps them to в д о с т т ъ ѣ ꙋ).
private func isKnownFoundationDifference(_ value: UInt32) -> Bool {
    (0x13A0...0x13FD).contains(value) || (0xAB70...0xABBF).contains(value) || (0x1C80...0x1C88).contains(value)
}

/// Where the sanitised view departs from NFKC on purpose: scalars that draw nothing (format,
/// control, line and paragraph separators) are removed, parenthesised letters and digits read
/// as the letter or number alone, and U+0345 (a mark that folds to ι) stays a mark.
private func isDeliberateDeparture(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.properties.generalCategory {
    case .format, .control, .lineSeparator, .paragraphSeparator: return true
    default: break
    }
    let value = scalar.value
    return value == 0x345 || (0x249C...0x24B5).contains(value) || (0x1F110...0x1F129).contains(value) || (0x2474...0x2487).contains(value)
        || isSpacingMark(scalar)
}

/// A spacing clone of a mark (´ ¨ ‗ ﹉): NFKC spells it as a space and the mark; the sanitiser
/// removes it instead, so that it cannot split a word ("ran‗som").
private func isSpacingMark(_ scalar: Unicode.Scalar) -> Bool {
    guard scalar.properties.generalCategory != .spaceSeparator else { return false }
    let mapped = Array(String(scalar).precomposedStringWithCompatibilityMapping.unicodeScalars)
    return mapped.count > 1 && mapped[0] == " " && mapped.dropFirst().allSatisfy {
        [.nonspacingMark, .enclosingMark].contains($0.properties.generalCategory)
    }
}

@Suite struct SanitiserTests {
    @Test func asciiIsCopiedUnchanged() {
        #expect(sanitised("Hello, World! 123").0 == "Hello, World! 123")
        #expect(sanitised("").0 == "")
    }

    @Test func foldsCompatibilityFormsAndCase() {
        #expect(sanitised("ＲＡＮＳＯＭ").0 == "ransom")
        #expect(sanitised("𝐫𝐚𝐧𝐬𝐨𝐦").0 == "ransom")
        #expect(sanitised("ⓡⓐⓝ").0 == "ran")
        #expect(sanitised("Straße ẞ").0 == "Strasse ss")  // ASCII is not lowercased
        #expect(sanitised("ΣΊΣΥΦΟΣ").0 == "σίσυφοσ")
        #expect(sanitised("ﬁle").0 == "file")
        #expect(sanitised("ｋｅｙ").0 == "key")
    }

    /// A letter-like symbol between two Latin letters is salt: `*`, whatever NFKC or the
    /// skeleton would spell; elsewhere it reads as usual.
    @Test func letterLikeSymbolsInsideWordsAreSalt() {
        #expect(sanitised("key™log℃ger").0 == "key*log*ger")
        #expect(sanitised("k\u{435}™y✶℃l").0 == "k\u{435}*y✶*l")  // look-alike letters, a second salt symbol
        #expect(sanitised("key⁇log").0 == "key*log")
        #expect(sanitised("Acme™ at 20℃, ⓡⓐⓝ").0 == "Acmetm at 20°c, ran")
        #expect(sanitised("mal—ware, a…b").0 == "mal—ware, a...b")  // dashes and leaders join prose
        // The windows of changed places agree with the sanitised text's length.
        var windows = ViewWindows()
        let text = Array("key™logger and Acme™".utf8)
        let output = sanitised("key™logger and Acme™").0
        windows.reset(textCount: output.utf8.count)
        text.withUnsafeBytes { Sanitiser.addChanges(of: $0, radius: 0, into: &windows) }
        #expect(windows.ranges.map(\.lowerBound) == [3, 19])
    }

    @Test func removesAndCountsInvisibles() {
        let (text, removed) = sanitised("ran\u{200B}som\u{2060}ware\u{FEFF}\u{E0041}\u{FE0F}\u{3164}")
        #expect(text == "ransomware")
        #expect(removed == 6)
        #expect(sanitised("a\u{2800}b").0 == "a b")
    }

    @Test func invalidBytesAreCopied() {
        var output: [UInt8] = []
        let input: [UInt8] = [0x41, 0xFF, 0xC3, 0x41, 0xE2, 0x82, 0xED, 0xA0, 0x80, 0xF4, 0x90, 0x80, 0x80, 0xC3]
        let removed = input.withUnsafeBytes { Sanitiser.sanitise($0, into: &output) }
        #expect(output == input)
        #expect(removed == 0)
    }

    /// The table equals Foundation's per-scalar NFKC + case-insensitive folding on every scalar
    /// assigned in Unicode 15.0 outside private use (all planes; the CJK ideographs of planes 2
    /// and 3, which no mapping touches, are sampled), except the documented CaseFolding differences.
    @Test func matchesFoundationOnEveryAssignedScalar() {
        var mismatches: [String] = []
        var knownDifferences = 0
        var output: [UInt8] = []
        for scalar in assignedScalars where scalar.value != 0x2800 && !scalar.properties.isDefaultIgnorableCodePoint
            && scalar.properties.generalCategory != .privateUse && !isDeliberateDeparture(scalar)
            && (scalar.value < 0x20000 || scalar.value >= 0x2F800 && scalar.value <= 0x2FA1F || scalar.value % 61 == 0
                || scalar.value >= 0x40000) {
            let expected = String(Character(scalar)).precomposedStringWithCompatibilityMapping
                .folding(options: [.caseInsensitive], locale: nil)
            _ = Array(String(scalar).utf8).withUnsafeBytes { Sanitiser.sanitise($0, into: &output) }
            if output != Array(expected.utf8) {
                if isKnownFoundationDifference(scalar.value) {
                    knownDifferences += 1
                } else if mismatches.count < 20 {
                    mismatches.append(String(scalar.value, radix: 16))
                }
            }
        }
        #expect(mismatches.isEmpty, "differs from Foundation at U+\(mismatches)")
        #expect(knownDifferences == 181)
        // The known differences follow CaseFolding.txt.
        #expect(sanitised("\u{AB70}\u{13F8}\u{1C80}").0 == "\u{13A0}\u{13F0}\u{0432}")
    }

    @Test func removesEveryDefaultIgnorable() {
        var count = 0
        for scalar in assignedScalars where scalar.properties.isDefaultIgnorableCodePoint {
            let (text, removed) = sanitised("a\(scalar)b")
            #expect(text == "ab", "U+\(String(scalar.value, radix: 16)) kept")
            #expect(removed == 1)
            count += 1
        }
        // Unassigned default-ignorables too (e.g. the rest of the tag block).
        #expect(sanitised("a\u{E0FFF}\u{2065}b").0 == "ab")
        #expect(count > 400)
    }

    @Test func reusesOutputCapacity() {
        let text = Array("Ｈｅｌｌｏ, wörld ｒａｎｓｏｍ \u{200B} 𝐛𝐨𝐥𝐝 ".utf8)
        var output: [UInt8] = []
        output.reserveCapacity(4096)
        let before = output.withUnsafeBufferPointer { $0.baseAddress }
        for _ in 0..<3 {
            text.withUnsafeBytes { _ = Sanitiser.sanitise($0, into: &output) }
            text.withUnsafeBytes { TextViews.skeleton($0, into: &output) }
            text.withUnsafeBytes { TextViews.squeeze($0, into: &output) }
        }
        #expect(output.withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(output.capacity >= 4096)
    }
}

@Suite struct SkeletonTests {
    static let keyword = "ransomware"

    /// Evasions of "ransomware" whose skeleton equals the keyword's.
    @Test(arguments: [
        "rаnsоmwаre",                  // Cyrillic а, о
        "rαnsοmwαre",                  // Greek α, ο
        "ｒａｎｓｏｍｗａｒｅ",              // full-width
        "ＲＡＮＳＯＭＷＡＲＥ",
        "𝐫𝐚𝐧𝐬𝐨𝐦𝐰𝐚𝐫𝐞",                  // mathematical bold
        "𝖗𝖆𝖓𝖘𝖔𝖒𝖜𝖆𝖗𝖊",                  // mathematical fraktur
        "𝓻𝓪𝓷𝓼𝓸𝓶𝔀𝓪𝓻𝓮",                  // mathematical script
        "ⓡⓐⓝⓢⓞⓜⓦⓐⓡⓔ",                  // circled
        "🅡🅐🅝🅢🅞🅜🅦🅐🅡🅔",                  // negative circled
        "🇷🇦🇳🇸🇴🇲🇼🇦🇷🇪",                  // regional indicators
        "ʀᴀɴꜱᴏᴍᴡᴀʀᴇ",                  // small capitals
        "rànsömwäré",                  // diacritics
        "ra\u{0301}nso\u{0308}mware",  // combining marks
        "r̷a̷n̷s̷o̷m̷w̷a̷r̷e̷",             // Zalgo-ish overlays
        "r4ns0mw4r3",                  // leetspeak
        "R@N$0MW4R3",
        "ran\u{200B}som\u{2060}ware",  // invisibles
        "RaNsOmWaRe",                  // random capitalisation
        "ransoмware",                  // Cyrillic м
        "ʳᵃⁿˢᵒᵐʷᵃʳᵉ",                  // superscripts
    ])
    func evasionHasKeywordSkeleton(_ evasion: String) {
        #expect(skeleton(evasion) == skeleton(Self.keyword), "\(evasion) → \(skeleton(evasion))")
    }

    @Test func otherKeywords() {
        #expect(skeleton("keyIogger") == skeleton("keylogger"))
        #expect(skeleton("k3yl0gg3r") == skeleton("keylogger"))
        #expect(skeleton("key|ogger") == skeleton("keylogger"))
        #expect(skeleton("maIware") == skeleton("malware"))
        #expect(skeleton("m@1w4r3") == skeleton("malware"))
        #expect(skeleton("ехрlоіt") == skeleton("exploit"))  // Cyrillic е х р о і
        #expect(skeleton("sh3llc0d3") == skeleton("shellcode"))
        #expect(skeleton("сrеdеntіаl") == skeleton("credential"))  // Cyrillic с е і а
        // Upside-down text is turned letters in reverse order (u for n is ASCII: not the skeleton's job).
        #expect(skeleton("ǝɹɐʍlɐɯ") == skeleton(String("malware".reversed())))
    }

    @Test func exactAsciiMapping() {
        #expect(skeleton("Hello, World!") == "heiio, woridi")
        #expect(skeleton("a4@ b8 e3 g9 il1|! o0 s5$ t7+ z2 6 `") == "aaa bb ee gg iiiii oo sss ttt zz 6 '")
        #expect(skeleton("ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "abcdefghijkimnopqrstuvwxyz")
        #expect(skeleton("write ransomware now.") == "write ransomware now.")
        #expect(skeleton("m") == "m")  // UTS #39 "m" → "rn" is not applied to ASCII
    }

    @Test func nonLatinTextSurvives() {
        #expect(skeleton("勒索软件") == "勒索软件")
        #expect(skeleton("한국어") == "한국어")
        #expect(skeleton("a\u{1F600}b") == "a\u{1F600}b")
    }

    @Test func invalidBytesAreCopied() {
        let input: [UInt8] = [0x41, 0xFF, 0xC3, 0x41]
        #expect(TextViews.skeleton(of: input) == [0x61, 0xFF, 0xC3, 0x61])
        #expect(TextViews.squeeze(of: input) == [0x61, 0x61])
    }

    /// skeleton(skeleton(x)) == skeleton(x) and squeeze(squeeze(x)) == squeeze(skeleton(x)) ==
    /// squeeze(x) for every scalar of planes 0–3 and 14 (assigned or not), and a sample of the
    /// unassigned and private-use planes, in runs separated by "a".
    @Test func idempotentOnEveryScalar() {
        var batch: [UInt8] = []
        var once: [UInt8] = [], twice: [UInt8] = [], squeezedOnce: [UInt8] = [], other: [UInt8] = []
        var failures: [String] = []
        func check() {
            batch.withUnsafeBytes { TextViews.skeleton($0, into: &once) }
            once.withUnsafeBytes { TextViews.skeleton($0, into: &twice) }
            if once != twice {
                // Find the scalar.
                for scalar in String(decoding: batch, as: UTF8.self).unicodeScalars where failures.count < 10 {
                    let one = TextViews.skeleton(of: Array(String(scalar).utf8))
                    if TextViews.skeleton(of: one) != one { failures.append(String(scalar.value, radix: 16)) }
                }
                if failures.isEmpty { failures.append("context") }
            }
            batch.withUnsafeBytes { TextViews.squeeze($0, into: &squeezedOnce) }
            squeezedOnce.withUnsafeBytes { TextViews.squeeze($0, into: &other) }
            if other != squeezedOnce { failures.append("squeeze twice") }
            once.withUnsafeBytes { TextViews.squeeze($0, into: &other) }
            if other != squeezedOnce { failures.append("squeeze of skeleton") }
            batch.removeAll(keepingCapacity: true)
        }
        for value in UInt32(0)...0x10FFFF {
            guard value < 0x40000 || (0xE0000..<0xF0000).contains(value) || value % 4099 == 0,
                  let scalar = Unicode.Scalar(value) else { continue }
            batch.append(contentsOf: UTF8.encode(scalar)!)
            if value % 4 == 0 { batch.append(UInt8(ascii: "a")) }
            if batch.count > 60_000 { check() }
        }
        check()
        #expect(failures.isEmpty, "not idempotent: \(failures)")
    }

    @Test func randomTextIsIdempotent() {
        var generator = ViewsRandom(state: 7)
        let pieces = ["a", "I", "l", "1", "|", "!", "0", "@", "$", "é", "e\u{301}", "а", "ο", "ｍ", "𝐳", "ß", "ǰ", "ﷺ",
                      " ", ".", "\u{200B}", "\u{2800}", "ʍ", "β", "ɯ", "🇦", "Ⅻ", "⑴", "ﬃ", "İ", "ŉ", "\u{0345}"]
        for _ in 0..<2000 {
            let text = (0..<Int.random(in: 1...24, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            let once = TextViews.skeleton(of: Array(text.utf8))
            #expect(TextViews.skeleton(of: once) == once, "\(text)")
            // Raw and sanitised text give the same skeleton, unless the sanitiser marked a
            // letter-like symbol (🇦 among the pieces) between two letters as salt; sanitising
            // twice changes nothing.
            var sanitisedBytes: [UInt8] = []
            Array(text.utf8).withUnsafeBytes { _ = Sanitiser.sanitise($0, into: &sanitisedBytes) }
            if !sanitisedBytes.contains(UInt8(ascii: "*")) {
                #expect(TextViews.skeleton(of: sanitisedBytes) == once, "\(text)")
            } else {
                #expect(text.unicodeScalars.contains("\u{1F1E6}"), "\(text)")
            }
            var twice: [UInt8] = []
            sanitisedBytes.withUnsafeBytes { _ = Sanitiser.sanitise($0, into: &twice) }
            #expect(twice == sanitisedBytes, "\(text)")
        }
    }
}

@Suite struct SqueezeTests {
    @Test(arguments: [
        "r a n s o m w a r e", "r.a.n.s.o.m.w.a.r.e", "ran**som**ware", "r-a-n-s-o-m-w-a-r-e",
        "R_A_N_S_O_M_W_A_R_E", "r\na\nn\ns\no\nm\nw\na\nr\ne", "~~ran~~som`ware`", "r4n$0mw4r3",
        "r а n s о m w а r e", "ⓡ ⓐ ⓝ ⓢ ⓞ ⓜ ⓦ ⓐ ⓡ ⓔ", "⒭⒜⒩⒮⒪⒨⒲⒜⒭⒠", "ran\u{200B} som\u{2800}ware",
    ])
    func splitKeywordIsRejoined(_ text: String) {
        #expect(squeezed(text) == squeezed("ransomware"), "\(text) → \(squeezed(text))")
        #expect(squeezed(text) == "ransomware")
    }

    @Test func keepsLettersAndDigitsOnly() {
        #expect(squeezed("Hello, World! 6 + 6 = 12") == "heiioworidi6t6iz")
        #expect(squeezed("勒索 软件。") == "勒索软件")
        #expect(squeezed("नमस्ते दुनिया") == squeezed("नमस्तेदुनिया"))
        #expect(squeezed("   ...   ") == "")
        #expect(squeezed("") == "")
    }
}

@Suite struct ViewFuzzTests {
    /// Random bytes and random mixes of tricky scalars: nothing crashes, outputs stay bounded.
    @Test func randomInputsStayBounded() {
        var generator = ViewsRandom(state: 42)
        let scalars: [String] = ["a", "Z", "4", " ", "\u{FDFA}", "\u{FB03}", "\u{3300}", "\u{1D400}", "\u{E0041}", "\u{FE0F}",
                                 "\u{0301}", "\u{AC00}", "\u{2800}", "ﷺ", "\u{1F1E6}", "ǆ", "\u{10FFFF}"]
        var output: [UInt8] = []
        for round in 0..<3000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int.random(in: 0...200, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
            } else {
                bytes = Array((0..<Int.random(in: 0...60, using: &generator)).map { _ in scalars.randomElement(using: &generator)! }.joined().utf8)
                if !bytes.isEmpty, Bool.random(using: &generator) { bytes.removeLast() }  // cut a scalar
            }
            let bound = 11 * bytes.count  // the generator guarantees at most 11 output bytes per input byte
            bytes.withUnsafeBytes { text in
                _ = Sanitiser.sanitise(text, into: &output)
                #expect(output.count <= bound)
                TextViews.skeleton(text, into: &output)
                #expect(output.count <= bound)
                let skeletonCount = output.count
                TextViews.squeeze(text, into: &output)
                #expect(output.count <= skeletonCount)
                var skeletonWindows = ViewWindows(), squeezedWindows = ViewWindows()
                skeletonWindows.reset(textCount: text.count)
                squeezedWindows.reset(textCount: text.count)
                var caseSwaps = ViewWindows()
                caseSwaps.reset(textCount: text.count)
                _ = DisguiseGates.find(text, radius: 8, skeleton: &skeletonWindows, squeezed: &squeezedWindows, caseSwaps: &caseSwaps)
                _ = EvasionScan.hasMixedScriptWord(text)
                _ = EvasionScan.invisibleInsideWords(text)
            }
        }
    }
}

@Suite struct ViewWindowTests {
    private func windows(_ text: String, _ finder: (UnsafeRawBufferPointer, Int, inout ViewWindows) -> Bool) -> (found: Bool, windows: ViewWindows) {
        var windows = ViewWindows()
        let bytes = Array(text.utf8)
        windows.reset(textCount: bytes.count)
        let found = bytes.withUnsafeBytes { finder($0, 4, &windows) }
        return (found, windows)
    }

    @Test func rangesMergeAndGiveUpWhenTheyCoverMostOfTheText() {
        var windows = ViewWindows(capacity: 3)
        windows.reset(textCount: 1000)
        windows.add(100..<110, radius: 10)
        windows.add(500..<510, radius: 10)
        windows.add(115..<120, radius: 10)  // out of order, overlaps the first
        #expect(windows.ranges == [90..<130, 490..<520])
        windows.add(0..<5, radius: 10)
        #expect(windows.ranges == [0..<15, 90..<130, 490..<520])
        windows.add(700..<701, radius: 0)
        #expect(windows.ranges == [0..<130, 490..<520, 700..<701])  // past capacity: the closest two merge
        #expect(!windows.coversAll)
        windows.reset(textCount: 100)
        windows.add(10..<70, radius: 0)
        #expect(windows.coversAll)  // more than half the text
    }

    @Test func windowsAreBuiltFromWholeWordsWithSeparators() {
        var windows = ViewWindows()
        let text = Array("alpha bravo charlie delta echo foxtrot".utf8)
        windows.reset(textCount: text.count)
        windows.add(7..<8, radius: 0)    // inside "bravo"
        windows.add(31..<32, radius: 0)  // inside "foxtrot"
        var output: [UInt8] = [], scratch: [UInt8] = []
        let excerpt = text.withUnsafeBytes { windows.build($0, .rot13, separator: 2, into: &output, scratch: &scratch) }
        #expect(excerpt)
        #expect(String(decoding: output, as: UTF8.self) == "oenib\n\nsbkgebg")
    }

    @Test func skeletonWindowsIgnoreVersionsAndHashesButNotLeet() {
        let finder: (UnsafeRawBufferPointer, Int, inout ViewWindows) -> Bool = { text, radius, windows in
            var squeezed = ViewWindows(), caseSwaps = ViewWindows()
            squeezed.reset(textCount: text.count)
            caseSwaps.reset(textCount: text.count)
            let found = DisguiseGates.find(text, radius: radius, skeleton: &windows, squeezed: &squeezed, caseSwaps: &caseSwaps)
            return found.skeleton || found.caseSwaps
        }
        for text in ["x86 and md5, sha256, ipv4, $var, C++ and v2", "plain words only"] {
            #expect(!windows(text, finder).found, "\(text)")
        }
        for text in ["please h4ck it", "my pa$$word", "an expl0it", "some maIware", "a kéylogger"] {
            #expect(windows(text, finder).found, "\(text)")
        }
    }

    @Test func joinWindowsIgnoreIdentifiersButNotSplitLetters() {
        let finder: (UnsafeRawBufferPointer, Int, inout ViewWindows) -> Bool = { text, radius, windows in
            var skeleton = ViewWindows(), caseSwaps = ViewWindows()
            skeleton.reset(textCount: text.count)
            caseSwaps.reset(textCount: text.count)
            return DisguiseGates.find(text, radius: radius, skeleton: &skeleton, squeezed: &windows, caseSwaps: &caseSwaps).squeezed
        }
        for text in ["a C function, e.g. this", "0, 0, 0, 1", "call `file_path` or some_name", "**bold** text"] {
            #expect(!windows(text, finder).found, "\(text)")
        }
        for text in ["r a n s o m", "k.e.y.l.o.g", "ran**som**ware", "key~log~ger"] {
            #expect(windows(text, finder).found, "\(text)")
        }
    }
}

@Suite struct SanitisedComparisonTests {
    private func equal(_ a: String, _ b: String) -> Bool {
        Array(a.utf8).withUnsafeBytes { x in Array(b.utf8).withUnsafeBytes { y in Sanitiser.equalIgnoringASCIICase(x, y) } }
    }

    @Test func onlyASCIILetterCaseIsIgnored() {
        #expect(equal("Café NOTES", "café notes"))
        #expect(!equal("Café", "cafe"))
        #expect(!equal("a@b", "a`b"))  // 0x40 and 0x60 differ by the case bit but are not letters
        #expect(!equal("[", "{"))
        #expect(!equal("abc", "abcd"))
        // Past the first eight bytes, and in the tail after the last whole word.
        let long = "The Quick Brown Fox Jumps Over The Lazy Dog, Again"
        #expect(equal(long, long.lowercased()))
        #expect(!equal(long, long.replacingOccurrences(of: "Lazy", with: "Lazz")))
        #expect(!equal(long, long.replacingOccurrences(of: "Again", with: "Agaio")))
        #expect(!equal(long + "@", long + "`"))
    }
}

@Suite struct DisguiseGateTests {
    /// Random texts over the characters the gates care about.
    private static func randomTexts(count: Int, seed: UInt64) -> [[UInt8]] {
        let pieces = ["a", "b", "I", "l", "K", "x", "0", "3", "6", "4", "@", "$", "+", "|", "!", "*", "_", "~", "`", "^", " ", " ", " ", ".", ",", "-", "/",
                      "'", "(", "\n", "é", "а", "к", "\u{2060}", "\u{FEFF}", "\u{AD}", "\u{200D}", "α", "Ӂ", "ｋ", "𝐚", "🙂", "ก", "क", "—", "\u{200B}", "word", "hack", "pass", "C++", "md5"]
        var state = seed
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(truncatingIfNeeded: state >> 33)
        }
        return (0..<count).map { _ in
            var text: [UInt8] = []
            for _ in 0..<(next() % 90) { text += Array(pieces[next() % pieces.count].utf8) }
            return text
        }
    }

    @Test func wordAtATimeScansFindExactlyWhatTheByteLoopsFind() {
        for text in Self.randomTexts(count: 20000, seed: 7) {
            var skeleton = ViewWindows(), squeezed = ViewWindows(), skeletonReference = ViewWindows(), squeezedReference = ViewWindows()
            skeleton.reset(textCount: text.count)
            squeezed.reset(textCount: text.count)
            skeletonReference.reset(textCount: text.count)
            squeezedReference.reset(textCount: text.count)
            var caseSwaps = ViewWindows()
            caseSwaps.reset(textCount: text.count)
            let found = text.withUnsafeBytes { DisguiseGates.find($0, radius: 3, skeleton: &skeleton, squeezed: &squeezed, caseSwaps: &caseSwaps) }
            // The reference puts case swaps among the skeleton windows; the fused pass hands them
            // over separately, unwidened.
            if caseSwaps.coversAll { skeleton.coverAll() } else { for swap in caseSwaps.ranges { skeleton.add(swap, radius: 3) } }
            let skeletonFound = text.withUnsafeBytes { ReferenceGates.skeletonWindows($0, radius: 3, into: &skeletonReference) }
            let squeezedFound = text.withUnsafeBytes { ReferenceGates.joinWindows($0, radius: 3, into: &squeezedReference) }
            let shown = String(decoding: text, as: UTF8.self)
            #expect(found.skeleton || found.caseSwaps == skeletonFound, "\(shown)")
            #expect(found.squeezed == squeezedFound, "\(shown)")
            // (Once a set covers everything, its ranges no longer matter and depend on the order of additions.)
            #expect(skeleton.coversAll == skeletonReference.coversAll && (skeleton.coversAll || skeleton.ranges == skeletonReference.ranges), "\(shown)")
            #expect(squeezed.coversAll == squeezedReference.coversAll && (squeezed.coversAll || squeezed.ranges == squeezedReference.ranges), "\(shown)")
            text.withUnsafeBytes { bytes in
                #expect(EvasionScan.hasMixedScriptWord(bytes) == ReferenceGates.hasMixedScriptWord(bytes), "\(shown)")
                #expect(EvasionScan.invisibleInsideWords(bytes) == ReferenceGates.invisibleInsideWords(bytes), "\(shown)")
            }
        }
    }
}

@Suite struct InWordSeparatorTests {
    /// The stack-joined reading of an ASCII compound equals the general squeezed reading.
    @Test func joiningAnASCIICompoundMatchesTheSqueezedReading() {
        // (Words end in letters: a separator after a digit is not inside a word.)
        let words = ["ran", "som", "ware", "k3y", "l0g", "ger", "Pass", "the", "hash", "x86y", "a", "Z"]
        let separators = ["-", "_", "/", "\\", "+", "\n", "--", "-\n", "|", "*", "`", "~", "^"]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        for _ in 0..<3000 {
            var compound = words[next() % words.count]
            for _ in 0..<(1 + next() % 4) { compound += separators[next() % separators.count] + words[next() % words.count] }
            let bytes = Array(compound.utf8)
            var output: [UInt8] = [], mask: [UInt8] = [], skeleton: [UInt8] = []
            bytes.withUnsafeBytes { TextTransforms.squeezedReading($0, into: &output, joined: &mask, skeleton: &skeleton) }
            var fast = [UInt8](repeating: 0, count: 512), fastMask = [UInt8](repeating: 0, count: 512)
            let count = bytes.withUnsafeBytes { text in
                fast.withUnsafeMutableBytes { out in fastMask.withUnsafeMutableBytes { InWordSeparators.joinASCII(text, into: out, mask: $0) } }
            }
            #expect(count == output.count, "\(compound.debugDescription)")
            guard let count, count == output.count else { continue }
            #expect(Array(fast[0..<count]) == output, "\(compound.debugDescription)")
            #expect(Array(fastMask[0..<count]) == mask, "\(compound.debugDescription)")
        }
    }

    /// Weak separators (hyphens, underscores, newlines) are joined only where `mark` is told to.
    @Test func weakSeparatorsJoinOnlyWhereAllowed() {
        var output: [UInt8] = []
        let text = Array("pass-the-hash and ran-som-ware or key**log**ger".utf8)
        text.withUnsafeBytes { InWordSeparators.mark($0, into: &output) { $0.lowerBound > 20 } }
        #expect(String(decoding: output, as: UTF8.self) == "pass-the-hash and ran*som*ware or key**log**ger")
        text.withUnsafeBytes { InWordSeparators.mark($0, into: &output) { _ in false } }
        #expect(String(decoding: output, as: UTF8.self) == "pass-the-hash and ran-som-ware or key**log**ger")
    }
}
