@testable import SwitchyardMatching

/// The gates as plain byte loops, one per view: the specification `DisguiseGates.find` is
/// checked against.
enum ReferenceGates {
    /// Adds to `windows` (each widened by `radius`) every place where the skeleton can reveal a
    /// disguised word: a run of leet digits or symbols with letters on both sides ("h4ck",
    /// "pa$$word", "expl0it"), an `I` after a lowercase letter or an `l` before an uppercase one
    /// ("maIware"), and each non-ASCII look-alike. Stricter than "any leet character", so
    /// that version numbers, hashes and identifiers ("md5", "x86", "$var") in long technical
    /// texts do not pull in the skeleton passes. Returns whether it added any.
    @discardableResult
    static func skeletonWindows(_ text: UnsafeRawBufferPointer, radius: Int, into windows: inout ViewWindows) -> Bool {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return false }
        let count = text.count
        let classes = ReferenceGates.leetClasses
        var found = false
        var high: UInt8 = 0
        var previous: UInt8 = LeetClass.other
        var leetStart = -1  // start of the current leet run if it follows a letter, else -1
        // SAFETY: every index read is below `count`; `classes` has 256 entries.
        for index in 0..<count {
            let byte = input[index]
            high |= byte
            let kind = classes[byte]
            if kind & LeetClass.letter != 0 {
                if leetStart >= 0 {
                    windows.add(leetStart - 1..<index + 1, radius: radius)
                    found = true
                }
                leetStart = -1
                if (byte == 0x49 && previous == LeetClass.lower) || (kind == LeetClass.upper && index > 0 && input[index - 1] == 0x6C) {
                    windows.add(index - 1..<index + 1, radius: radius)
                    found = true
                }
            } else if kind == LeetClass.leet {
                if leetStart < 0 && previous & LeetClass.letter != 0 { leetStart = index }
            } else {
                leetStart = -1
            }
            previous = kind
        }
        if high >= 0x80 {
            found = TextViews.addLatinLookalikes(text, radius: radius, into: &windows) || found
        }
        return found
    }

    /// Byte kinds for `skeletonWindows`.
    enum LeetClass {
        static let other: UInt8 = 0
        static let lower: UInt8 = 1
        static let upper: UInt8 = 2
        static let letter: UInt8 = 3
        static let leet: UInt8 = 4
    }

    static let leetClasses: ByteTable = ByteTable { byte in
        if (0x61...0x7A).contains(byte) { return LeetClass.lower }
        if (0x41...0x5A).contains(byte) { return LeetClass.upper }
        if (0x30...0x35).contains(byte) || (0x37...0x39).contains(byte) || [0x40, 0x24, 0x2B, 0x7C, 0x21].contains(byte) { return LeetClass.leet }
        return LeetClass.other
    }

    /// Adds to `windows` (each widened by `radius`) every place where `join` can reveal a split
    /// word: three or more single characters in a row, not all digits, split only by light
    /// separators ("r a n s", "m.a.l"), and markup inside a word ("ran**som**ware", "key~log").
    /// Stricter than "any single letter or markup", so that "a C function", "e.g.", "0, 0, 0",
    /// Markdown code spans and snake_case identifiers in long technical texts do not pull in the
    /// squeezed pass (an underscore alone never counts: it is how identifiers are written).
    /// Returns whether it added any.
    @discardableResult
    static func joinWindows(_ text: UnsafeRawBufferPointer, radius: Int, into windows: inout ViewWindows) -> Bool {
        let count = text.count
        var found = false
        var index = 0
        var singles = 0          // single-character tokens in the current run
        var singleLetters = 0    // of which letters (or non-ASCII)
        var runStart = 0
        var afterToken = false   // the previous token ended right before this separator run
        while index < count {
            if TextTransforms.isTokenByte(text[index]) {
                let start = index
                while index < count && TextTransforms.isTokenByte(text[index]) { index += 1 }
                let length = index - start
                if length == 1 || (length <= 4 && text[start] >= 0xC0 && TextTransforms.characterCount(text, start, index) == 1) {
                    if singles == 0 { runStart = start }
                    singles += 1
                    if !(text[start] >= 0x30 && text[start] <= 0x39) { singleLetters += 1 }
                    if singles >= 3 && singleLetters >= 2 {
                        windows.add(runStart..<index, radius: radius)
                        found = true
                    }
                } else {
                    singles = 0
                    singleLetters = 0
                }
                afterToken = true
                continue
            }
            let separatorStart = index
            var onlyLight = true
            var onlyMarkup = true
            var underscoreOnly = true
            while index < count && !TextTransforms.isTokenByte(text[index]) {
                let byte = text[index]
                if !TextTransforms.isLight(byte) { onlyLight = false }
                if !TextTransforms.isMarkup(byte) { onlyMarkup = false }
                if byte != 0x5F { underscoreOnly = false }
                index += 1
            }
            if afterToken && onlyMarkup && !underscoreOnly && index < count {
                windows.add(separatorStart - 1..<index + 1, radius: radius)
                found = true
            }
            if !onlyLight {
                singles = 0
                singleLetters = 0
            }
            afterToken = false
        }
        return found
    }

    /// Runs of characters that draw nothing between two ASCII letters, scalar by scalar with the
    /// standard library's Unicode properties (invalid bytes read as U+FFFD, which draws).
    static func invisibleInsideWords(_ text: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var letterBefore = false
        var hiddenRun = false
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            if drawsNothing(scalar) {
                if letterBefore { hiddenRun = true }
                continue
            }
            let letter = scalar.isASCII && EvasionScan.isASCIILetter(UInt8(scalar.value))
            if letter && hiddenRun { count += 1 }
            letterBefore = letter
            hiddenRun = false
        }
        return count
    }

    /// What the sanitiser removes: default-ignorables, format characters, controls other than tab,
    /// newline and carriage return, line and paragraph separators.
    static func drawsNothing(_ scalar: Unicode.Scalar) -> Bool {
        if scalar.isASCII { return Sanitiser.isRemovedControl(UInt8(scalar.value)) }
        switch scalar.properties.generalCategory {
        case .format, .control, .lineSeparator, .paragraphSeparator: return true
        default: return scalar.properties.isDefaultIgnorableCodePoint
        }
    }

    /// Whether some word mixes ASCII letters with Greek or Cyrillic letters (two-byte sequences
    /// led by 0xCE–0xD3), as look-alike substitutions do ("pаyload" with a Cyrillic а).
    static func hasMixedScriptWord(_ text: UnsafeRawBufferPointer) -> Bool {
        var latin = false
        var lookalike = false
        var index = 0
        let total = text.count
        while index < total {
            let byte = text[index]
            if EvasionScan.isASCIILetter(byte) {
                latin = true
                index += 1
            } else if (0xCE...0xD3).contains(byte), index + 1 < total, text[index + 1] & 0xC0 == 0x80 {
                lookalike = true
                index += 2
            } else if byte >= 0x80 {
                index += 1  // other letters and marks continue the word
            } else {
                latin = false
                lookalike = false
                index += 1
                continue
            }
            if latin && lookalike { return true }
        }
        return false
    }

}
