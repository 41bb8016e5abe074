/// Whole-text transforms for the decoded view: ROT13 and reversal. The classifier applies them
/// only when the automaton saw a term's ROT13 or reversed form, so ordinary text never pays.
public enum TextTransforms {
    /// ASCII letters rotated by 13 places; every other byte unchanged.
    public static func rot13(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        for byte in text {
            switch byte {
            case 0x41...0x5A: output.append((byte - 0x41 + 13) % 26 + 0x41)
            case 0x61...0x7A: output.append((byte - 0x61 + 13) % 26 + 0x61)
            default: output.append(byte)
            }
        }
    }

    /// The text's scalars in reverse order: bytes reversed, then each multi-byte UTF-8 sequence
    /// put back in order. Invalid bytes stay single bytes.
    public static func reversed(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var index = text.count
        while index > 0 {
            // Walk back over continuation bytes to the start of the scalar that ends at `index`.
            var start = index - 1
            while start > 0 && index - start < 4 && text[start] & 0xC0 == 0x80 { start -= 1 }
            let lead = text[start]
            let length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1
            if lead & 0xC0 == 0x80 || start + length != index {
                // Not a well-formed sequence ending here: emit the last byte alone.
                output.append(text[index - 1])
                index -= 1
                continue
            }
            for offset in start..<index { output.append(text[offset]) }
            index = start
        }
    }
}

/// Cheap byte scans for evasion signals on non-ASCII text.
public enum EvasionScan {
    /// Runs of characters that draw nothing (the scalars the sanitiser removes: zero-width and
    /// other default-ignorable characters, format characters, controls, line and paragraph
    /// separators) sitting between two ASCII letters, as in "key\u{200B}logger" or
    /// "ran\u{0}som".
    /// - Complexity: O(n); ASCII runs without controls are skipped eight bytes at a time.
    public static func invisibleInsideWords(_ text: UnsafeRawBufferPointer) -> Int {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return 0 }
        let total = text.count
        let trie = ViewTables.sanitise
        var count = 0
        var index = 0
        var letterBefore = false  // the last drawn character was an ASCII letter
        var hiddenRun = false     // invisible characters since that letter
        // SAFETY: reads stay below `total` (`UTF8Scalar.decode` checks its own bounds).
        while index < total {
            while index + 8 <= total {
                let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 || Sanitiser.mayHoldControl(word) { break }
                if hiddenRun && isASCIILetter(input[index]) { count += 1 }
                letterBefore = isASCIILetter(input[index + 7])
                hiddenRun = false
                index += 8
            }
            guard index < total else { break }
            let byte = input[index]
            var hidden = false
            var length = 1
            if byte < 0x80 {
                hidden = Sanitiser.isRemovedControl(byte)
            } else {
                let (scalar, decoded) = UTF8Scalar.decode(input, index, total)
                length = max(decoded, 1)
                hidden = decoded > 0 && trie.value(scalar) == 1
            }
            if hidden {
                if letterBefore { hiddenRun = true }
            } else {
                let letter = byte < 0x80 && isASCIILetter(byte)
                if letter && hiddenRun { count += 1 }
                letterBefore = letter
                hiddenRun = false
            }
            index += length
        }
        return count
    }

    /// Whether some word (a run of ASCII letters and non-ASCII bytes) mixes ASCII letters with
    /// Greek or Cyrillic letters (two-byte sequences led by 0xCE–0xD3), as look-alike
    /// substitutions do ("pаyload" with a Cyrillic а).
    /// - Complexity: O(n); ASCII runs are skipped eight bytes at a time, and each word around a
    ///   Greek or Cyrillic letter is read once.
    public static func hasMixedScriptWord(_ text: UnsafeRawBufferPointer) -> Bool {
        let total = text.count
        var index = 0
        while true {
            index = nextNonASCII(text, from: index)
            guard index < total else { return false }
            guard (0xCE...0xD3).contains(text[index]), index + 1 < total, text[index + 1] & 0xC0 == 0x80 else {
                index += 1
                continue
            }
            var start = index
            while start > 0 && isWordPart(text[start - 1]) { start -= 1 }
            var end = index + 2
            while end < total && isWordPart(text[end]) { end += 1 }
            for offset in start..<end where isASCIILetter(text[offset]) { return true }
            index = end
        }
    }

    /// The first offset at or after `start` holding a non-ASCII byte, or `text.count`.
    @inline(__always)
    static func nextNonASCII(_ text: UnsafeRawBufferPointer, from start: Int) -> Int {
        var index = start
        let count = text.count
        while index + 8 <= count && text.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 { index += 8 }
        while index < count && text[index] < 0x80 { index += 1 }
        return index
    }

    /// Bytes that continue a word for `hasMixedScriptWord`: ASCII letters and non-ASCII bytes.
    @inline(__always)
    static func isWordPart(_ byte: UInt8) -> Bool { byte >= 0x80 || isASCIILetter(byte) }

    @inline(__always)
    static func isASCIILetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }
}

extension TextTransforms {
    /// The "joined" text behind the squeezed view: letters that were split apart are put back
    /// together, while ordinary words stay separate (so word boundaries and distances keep their
    /// meaning and ordinary prose does not run together into accidental matches).
    ///
    /// - A separator between two single-character tokens is dropped when it is made only of
    ///   spaces and light punctuation: "r a n s o m", "r.a.n.s.o.m", "r-a-n" become "ransom".
    /// - Markup inside a word is dropped: "ran**som**ware", "key_log~ger" become "ransomware",
    ///   "keylogger"; markup elsewhere in a separator is dropped too ("ransom** ware").
    ///
    /// Tokens are runs of ASCII letters, digits and non-ASCII bytes. Output is never longer than
    /// the input. `joined[i]` is 1 when output byte `i` touches a removed separator, so a match can
    /// be required to lie where letters were actually split. Does not allocate once both buffers
    /// have capacity.
    public static func join(_ text: UnsafeRawBufferPointer, into output: inout [UInt8], joined: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        joined.removeAll(keepingCapacity: true)
        joined.reserveCapacity(text.count)
        let count = text.count
        var index = 0
        var previousTokenLength = 0  // characters in the token before the current separator run
        var markNext = false         // the next token's first byte follows a removed separator
        while index < count {
            if isTokenByte(text[index]) {
                var end = index
                while end < count && isTokenByte(text[end]) { end += 1 }
                for offset in index..<end {
                    output.append(text[offset])
                    joined.append(offset == index && markNext ? 1 : 0)
                }
                markNext = false
                previousTokenLength = characterCount(text, index, end)
                index = end
                continue
            }
            // A maximal separator run: does it split one word?
            var end = index
            var onlyMarkup = true
            var onlyLight = true
            while end < count && !isTokenByte(text[end]) {
                if !isMarkup(text[end]) { onlyMarkup = false }
                if !isLight(text[end]) { onlyLight = false }
                end += 1
            }
            var nextTokenLength = 0
            if end < count {
                var tokenEnd = end
                while tokenEnd < count && isTokenByte(text[tokenEnd]) { tokenEnd += 1 }
                nextTokenLength = characterCount(text, end, tokenEnd)
            }
            let between = previousTokenLength > 0 && nextTokenLength > 0
            let splitsLetters = between && onlyLight && previousTokenLength == 1 && nextTokenLength == 1
            let markupInWord = between && onlyMarkup
            if splitsLetters || markupInWord {
                if !joined.isEmpty { joined[joined.count - 1] = 1 }
                markNext = true
            } else {
                // Keep the separator, minus any markup in it ("ransom** ware" reads "ransom ware").
                var droppedMarkup = false
                for offset in index..<end {
                    if isMarkup(text[offset]) {
                        droppedMarkup = true
                        continue
                    }
                    output.append(text[offset])
                    joined.append(0)
                }
                if droppedMarkup {
                    if !joined.isEmpty { joined[joined.count - 1] = 1 }
                    markNext = true
                }
            }
            index = end
        }
    }

    /// The squeezed view of `text`: separator runs inside words marked (`InWordSeparators.mark`;
    /// weak ones where `joinsWeak` says so), the skeleton of that, then `join`. `skeleton` is
    /// working space.
    public static func squeezedReading(_ text: UnsafeRawBufferPointer, into output: inout [UInt8], joined: inout [UInt8], skeleton: inout [UInt8],
                                       joinsWeak: (Range<Int>) -> Bool = { _ in true }) {
        InWordSeparators.mark(text, into: &output, joinsWeak: joinsWeak)
        output.withUnsafeBytes { TextViews.skeleton($0, into: &skeleton) }
        skeleton.withUnsafeBytes { join($0, into: &output, joined: &joined) }
    }

    /// ASCII letters and digits, and every byte of a non-ASCII scalar: what `join` reads as words.
    @inline(__always)
    public static func isTokenByte(_ byte: UInt8) -> Bool {
        byte >= 0x80 || (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A)
    }

    /// Markup that may sit inside a word: * _ ~ ` | ^
    @inline(__always)
    static func isMarkup(_ byte: UInt8) -> Bool {
        byte == 0x2A || byte == 0x5F || byte == 0x7E || byte == 0x60 || byte == 0x7C || byte == 0x5E
    }

    /// Separators that may split a word into letters: space, tab, . - _ * ~ ` | ^ / + , '
    @inline(__always)
    static func isLight(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x2E || byte == 0x2D || byte == 0x2F || byte == 0x2B || byte == 0x2C || byte == 0x27 || isMarkup(byte)
    }

    /// Characters (not bytes) in a token: UTF-8 continuation bytes do not count.
    @inline(__always)
    static func characterCount(_ text: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
        var characters = 0
        for offset in start..<end where text[offset] & 0xC0 != 0x80 { characters += 1 }
        return characters
    }
}
