#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

// Ciphers: the simple letter ciphers and codes a request can hide in, read back without a key.
//
// Caesar shifts and Atbash keep each letter's frequency but move it to another letter. One pass
// counts the letters; from the 26 counts alone, each of the 26 shifts and Atbash gets the
// log-likelihood of its reading under the letter frequencies of prose. Ordinary text scores best
// as written (in any Latin-script language: their frequencies are close enough); a cipher's
// reading scores clearly better than the text as written, and only then is the text rewritten.
// Letters swapped in pairs inside each word keep their frequencies too, but not their neighbours:
// the same test over pairs of adjacent letters finds them.
// Morse code and character codes (8-bit binary, decimal ASCII) are read token by token.

/// Reads Caesar-shifted, Atbash, pair-swapped, Morse-coded and character-coded (binary, decimal)
/// text back.
public enum Ciphers {
    /// A letter substitution found by `detect`.
    public enum Substitution: Equatable, Sendable {
        /// Each letter moved forward by this many places (1...25).
        case shift(Int)
        /// a↔z, b↔y, …
        case atbash
    }

    /// Texts with fewer ASCII letters than this are not judged: too few to count on.
    static let minimumLetters = 24

    /// The substitution that turns `text` into text with the letter frequencies of ordinary
    /// prose, when the text itself lacks them and some substitution restores them; nil for
    /// ordinary text in any Latin-script language, for non-Latin scripts and for short texts.
    /// - Complexity: O(n), one pass counting letters, then 26 × 26 steps on the counts.
    public static func detect(_ text: UnsafeRawBufferPointer) -> Substitution? {
        detect(text, survey: Survey(text))
    }

    /// What one cheap pass over a text says: its ASCII letters, their log-likelihood under the
    /// letter frequencies of prose (in eighths of a nat, negated), and its Morse symbol bytes
    /// (`.` and `-`).
    public struct Survey: Sendable {
        public var letters = 0
        public var surprise = 0
        public var morseSymbols = 0
        public var digits = 0
        /// Pairs of adjacent ASCII letters inside a word, and the sum of their `bigramSurprise` as
        /// written: `swappedPairs` reads the text again only when these say it is unlike prose.
        public var letterPairs = 0
        public var pairSurprise = 0

        /// The letters and their surprise after the text's first `:` or line break, where a
        /// cipher may follow a plain instruction ("Decode this and do what it says: Zulwh…"):
        /// the instruction's prose letters would otherwise hide the cipher's letter counts.
        public var lettersAfterBreak = 0
        public var surpriseAfterBreak = 0
        /// How much less likely the letter pairs are as written than read backwards (each pair's
        /// surprise minus that of the second letter, then the first), over the whole text and
        /// after its first break: reversed text reads better backwards.
        public var backwardsGain = 0
        public var letterPairsAfterBreak = 0
        public var pairSurpriseAfterBreak = 0
        public var backwardsGainAfterBreak = 0

        /// An empty survey (no letters).
        init() {}

        /// - Complexity: O(n), two lookups per byte in tables that fit in L1, no branches: the
        ///   counts and sums ride in 16-bit lanes of two words, added per byte and moved to full
        ///   integers every `chunkBytes` (before a lane could overflow). The text is read in two
        ///   parts, before its first break and from it on, so that the figures after the break
        ///   are the second part's sums rather than a masked copy of every sum.
        public init(_ text: UnsafeRawBufferPointer) {
            let count = text.count
            let breakIndex = Ciphers.firstBreak(text)
            var previous = 26
            let before = Self.sums(text, from: 0, to: breakIndex, previous: &previous)
            let after = Self.sums(text, from: breakIndex, to: count, previous: &previous)
            letters = before.letters + after.letters
            morseSymbols = before.symbols + after.symbols
            digits = before.digits + after.digits
            surprise = before.surprise + after.surprise
            letterPairs = before.pairs + after.pairs
            pairSurprise = before.pairSurprise + after.pairSurprise
            lettersAfterBreak = after.letters
            surpriseAfterBreak = after.surprise
            letterPairsAfterBreak = after.pairs
            pairSurpriseAfterBreak = after.pairSurprise
            // Each pair's gain is stored plus `gainBias`, so that the lane stays unsigned.
            backwardsGain = before.gains + after.gains - Ciphers.gainBias * letterPairs
            backwardsGainAfterBreak = after.gains - Ciphers.gainBias * after.pairs
        }

        /// The survey's sums over `text[from..<to]`; `previous` is the letter index of the byte
        /// before `from` (26: not a letter) and is left at that of the last byte read.
        private static func sums(_ text: UnsafeRawBufferPointer, from: Int, to: Int, previous: inout Int)
            -> (letters: Int, symbols: Int, digits: Int, surprise: Int, pairSurprise: Int, pairs: Int, gains: Int) {
            var letters = 0, symbols = 0, digits = 0, surprise = 0, pairSurprise = 0, pairs = 0, gains = 0
            let lanes = Ciphers.surveyLanes
            var last = previous
            Ciphers.pairLanes.withUnsafeBufferPointer { pairLanes in
                var offset = from
                while offset < to {
                    let end = Swift.min(to, offset + Ciphers.chunkBytes)
                    var counts: UInt64 = 0, sums: UInt64 = 0
                    for position in offset..<end {
                        let entry = lanes[Int(text[position])]
                        let index = Int(entry & 0x1F)
                        counts &+= entry & Ciphers.countLanes
                        // SAFETY: `last` and `index` are both at most 26, so the slot is < 27 * 27.
                        // Row 26 and column 26 (a byte that is not a letter) are zero, so a pair
                        // across a word's edge adds nothing and needs no branch.
                        sums &+= pairLanes[last &* 27 &+ index]
                        last = index
                    }
                    letters &+= Int(counts >> 16 & 0xFFFF)
                    symbols &+= Int(counts >> 32 & 0xFFFF)
                    digits &+= Int(counts >> 48)
                    pairSurprise &+= Int(sums & 0xFFFF)
                    surprise &+= Int(sums >> 16 & 0xFFFF)
                    gains &+= Int(sums >> 32 & 0xFFFF)
                    pairs &+= Int(sums >> 48)
                    offset = end
                }
            }
            previous = last
            return (letters, symbols, digits, surprise, pairSurprise, pairs, gains)
        }

        /// Whether the text (or the part after its first break) reads better backwards: its
        /// letter pairs as written are unlike prose and read backwards are clearly likelier, with
        /// the thresholds of `swappedPairs`. Prose as written never is.
        public var readsBackwards: Bool {
            Self.readsBetter(pairs: letterPairs, written: pairSurprise, gain: backwardsGain)
                || Self.readsBetter(pairs: letterPairsAfterBreak, written: pairSurpriseAfterBreak, gain: backwardsGainAfterBreak)
        }

        static func readsBetter(pairs: Int, written: Int, gain: Int) -> Bool {
            pairs >= 20 && written >= 11 &* pairs && 2 &* gain >= 3 &* pairs
        }

        /// Whether the letters as written are already as likely as prose (see `plainLikelihood`);
        /// a Caesar shift or Atbash of prose is not.
        public var looksLikeProse: Bool { Double(surprise) <= -Ciphers.plainLikelihood * 8 * Double(letters) }

        /// The survey of the text after its first `:` or line break (letters and surprise only).
        public var afterBreak: Survey {
            var rest = Survey()
            rest.letters = lettersAfterBreak
            rest.surprise = surpriseAfterBreak
            return rest
        }
    }

    /// Where a cipher text may start after a plain instruction ("Decode this and do what it
    /// says: Zulwh udqvrpzduh…"): just past the first `:` or line break (see
    /// `Survey.lettersAfterBreak`), or nil.
    public static func instructionEnd(_ text: UnsafeRawBufferPointer) -> Int? {
        let index = firstBreak(text)
        return index < text.count ? index + 1 : nil
    }

    /// The index of the text's first `:` or line break, or its length (where the survey's
    /// after-break figures and `instructionEnd` begin).
    static func firstBreak(_ text: UnsafeRawBufferPointer) -> Int {
        guard let base = text.baseAddress, text.count > 0 else { return 0 }
        // SAFETY: both searches stay inside `text` (memchr reads at most `text.count` bytes).
        let colon = memchr(base, 0x3A, text.count).map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? text.count
        return memchr(base, 0x0A, colon).map { $0 - UnsafeMutableRawPointer(mutating: base) } ?? colon
    }

    /// Per byte: bits 0-4 the letter's index (a = 0, case folded; 26 for every byte that is not an
    /// ASCII letter); then one 16-bit lane each (`countLanes`): 1 for an ASCII letter, 1 for `.`
    /// or `-` (Morse), 1 for an ASCII digit.
    static let surveyLanes: [UInt64] = (0..<256).map { value in
        let byte = UInt8(value)
        let folded = byte | 0x20
        let isLetter = byte < 0x80 && folded >= 0x61 && folded <= 0x7A
        var entry: UInt64 = isLetter ? UInt64(folded - 0x61) | 1 << 16 : 26
        if byte == 0x2E || byte == 0x2D { entry |= 1 << 32 }
        if byte >= 0x30 && byte <= 0x39 { entry |= 1 << 48 }
        return entry
    }

    /// The lanes of `surveyLanes` that are counts.
    static let countLanes: UInt64 = 0xFFFF_FFFF_FFFF_0000

    /// Per pair of letter indexes (27 × 27, 26 = not a letter), four 16-bit lanes: the pair's
    /// `bigramSurprise`; the second letter's `surprise` (so a letter is weighed once, on arrival);
    /// `gainBias` plus how much more surprising the pair is than its reverse; 1 for a pair of
    /// letters. Zero across a word's edge, except the second letter's own weight.
    static let pairLanes: [UInt64] = (0..<27 * 27).map { slot in
        let (first, second) = slot.quotientAndRemainder(dividingBy: 27)
        var entry: UInt64 = 0
        if second < 26 { entry |= UInt64((-8 * logFrequency[second]).rounded()) << 16 }
        guard first < 26 && second < 26 else { return entry }
        let written = Int(bigramSurprise[first * 26 + second]), backwards = Int(bigramSurprise[second * 26 + first])
        return entry | UInt64(written) | UInt64(written - backwards + gainBias) << 32 | 1 << 48
    }

    /// Added to each pair's gain (which lies in −127 … 127) in `pairLanes`.
    static let gainBias = 128

    /// Bytes surveyed between moves of the lanes to full integers: 256 × 255 fits 16 bits.
    static let chunkBytes = 256

    /// `detect` given the text's survey: texts whose letters already look like prose are not
    /// looked at again.
    public static func detect(_ text: UnsafeRawBufferPointer, survey: Survey) -> Substitution? {
        guard survey.letters >= minimumLetters, !survey.looksLikeProse else { return nil }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: 26) { buffer -> Substitution? in
            for index in 0..<26 { buffer[index] = 0 }
            var letters = 0
            for byte in text {
                let folded = byte | 0x20
                if folded >= 0x61 && folded <= 0x7A {
                    buffer[Int(folded - 0x61)] += 1
                    letters += 1
                }
            }
            // Hex digits and other small alphabets are not prose under any shift.
            var distinct = 0
            for index in 0..<26 where buffer[index] > 0 { distinct += 1 }
            guard letters >= minimumLetters, distinct >= 12 else { return nil }
            // The log-likelihood of the letters under each reading; the text as written wins
            // for ordinary prose (and then nothing else is tried), and a cipher must beat it
            // clearly.
            let asWritten = likelihood(buffer) { $0 }
            guard asWritten < Self.plainLikelihood * Double(letters) else { return nil }
            var best: Substitution? = nil
            var bestScore = asWritten + Self.margin * Double(letters)
            for shift in 1..<26 {
                // Decoding moves each letter back by `shift`: plain letter p was written p + shift.
                let score = likelihood(buffer) { ($0 + shift) % 26 }
                if score > bestScore {
                    bestScore = score
                    best = .shift(shift)
                }
            }
            let atbash = likelihood(buffer) { 25 - $0 }
            if atbash > bestScore {
                bestScore = atbash
                best = .atbash
            }
            // The reading must look like prose itself, not merely less unlike it (random
            // letters, as in base64, fit some shift a little better than none).
            return bestScore >= Self.proseLikelihood * Double(letters) ? best : nil
        }
    }

    /// How much better per letter (in nats) a cipher reading must score than the text as written.
    static let margin = 0.25
    /// Text as written at least this likely per letter is prose, never a cipher, and is not looked
    /// at again (English prose scores about −2.9; a Caesar shift of it −3.3 to −4; texts in other
    /// languages that score lower go on to the full check, which keeps them as written).
    static let plainLikelihood = -3.15
    /// The least log-likelihood per letter of a reading taken as prose (English prose averages
    /// about −2.9 nats, letters drawn uniformly about −3.9).
    static let proseLikelihood = -3.2

    /// Σ over plain letters p of count(written(p)) · log frequency(p), where `written(p)` is the
    /// letter index that plain letter `p` was written as.
    @inline(__always)
    static func likelihood(_ counts: UnsafeMutableBufferPointer<Int>, _ written: (Int) -> Int) -> Double {
        var total = 0.0
        for plain in 0..<26 { total += Double(counts[written(plain)]) * logFrequency[plain] }
        return total
    }

    /// Natural logs of letter frequencies of English prose (close enough for the other
    /// Latin-script languages: their texts as written still score best).
    static let logFrequency: [Double] = [8.2, 1.5, 2.8, 4.3, 12.7, 2.2, 2.0, 6.1, 7.0, 0.15, 0.77, 4.0, 2.4, 6.7, 7.5, 1.9,
                                         0.095, 6.0, 6.3, 9.1, 2.8, 0.98, 2.4, 0.15, 2.0, 0.074].map { log($0 / 100) }

    /// Writes `text` decoded by `substitution` into `output` (replacing its contents): ASCII
    /// letters substituted, case kept, every other byte copied.
    public static func decode(_ text: UnsafeRawBufferPointer, _ substitution: Substitution, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        for byte in text {
            let folded = byte | 0x20
            guard folded >= 0x61 && folded <= 0x7A else {
                output.append(byte)
                continue
            }
            let base: UInt8 = byte >= 0x61 ? 0x61 : 0x41
            let index = Int(folded - 0x61)
            let plain: Int
            switch substitution {
            case .shift(let shift): plain = (index - shift + 26) % 26
            case .atbash: plain = 25 - index
            }
            output.append(base + UInt8(plain))
        }
    }

    // MARK: Swapped letter pairs

    /// Whether `text` reads better with each pair of letters inside its words swapped back
    /// ("rasnmowera" → "ransomware"): the letters keep prose's frequencies, so `detect` cannot see
    /// it, but their pairs do not. Sums the surprise of every pair of adjacent letters inside a
    /// word (`bigramSurprise`), as written and as the swapped reading, in one pass; true when the
    /// text as written is unlike prose (at least 11 quarter-nats per pair: prose in English,
    /// Spanish, Portuguese, French, German or Italian stays below) and the swapped reading is at
    /// least 1.5 quarter-nats per pair more likely (prose as written never is: it is 0.7 or more
    /// less likely). Only ASCII letters count; any other byte ends a word.
    /// - Complexity: O(n), at most three table lookups per byte.
    public static func swappedPairs(_ text: UnsafeRawBufferPointer, survey: Survey) -> Bool {
        // The survey's pairs as written decide most texts: prose stays below 11 per pair.
        guard survey.letters >= minimumLetters, survey.letterPairs >= 20, survey.pairSurprise >= 11 &* survey.letterPairs else { return false }
        return Self.bigramSurprise.withUnsafeBufferPointer { table -> Bool in
            var pairs = 0, written = 0, swapped = 0
            // As written: the previous letter (-1 at a word's start). Swapped reading: the first
            // letter of an unfinished pair, and the last letter the reading has produced.
            var previous = -1, pending = -1, produced = -1
            for byte in text {
                let folded = Int(byte | 0x20) &- 0x61
                guard byte < 0x80, folded >= 0, folded < 26 else {
                    if pending >= 0 && produced >= 0 { swapped &+= Int(table[produced &* 26 &+ pending]) }
                    previous = -1
                    pending = -1
                    produced = -1
                    continue
                }
                if previous >= 0 {
                    written &+= Int(table[previous &* 26 &+ folded])
                    pairs &+= 1
                }
                previous = folded
                if pending < 0 {
                    pending = folded
                } else {
                    // The pair (pending, folded) reads folded, pending.
                    if produced >= 0 { swapped &+= Int(table[produced &* 26 &+ folded]) }
                    swapped &+= Int(table[folded &* 26 &+ pending])
                    produced = pending
                    pending = -1
                }
            }
            if pending >= 0 && produced >= 0 { swapped &+= Int(table[produced &* 26 &+ pending]) }
            return pairs >= 20 && written >= 11 &* pairs && 2 &* (written &- swapped) >= 3 &* pairs
        }
    }

    /// Writes `text` with each pair of ASCII letters inside a word swapped into `output` (its own
    /// inverse); every other byte is copied.
    public static func swapPairs(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var pendingIndex = -1
        for byte in text {
            let folded = byte | 0x20
            guard byte < 0x80, folded >= 0x61, folded <= 0x7A else {
                pendingIndex = -1
                output.append(byte)
                continue
            }
            if pendingIndex < 0 {
                pendingIndex = output.count
                output.append(byte)
            } else {
                output.append(output[pendingIndex])
                output[pendingIndex] = byte
                pendingIndex = -1
            }
        }
    }

    // MARK: Morse

    /// Whether `text` may hold Morse code: at least 12 letters' worth of dots and dashes in
    /// tokens made only of them.
    /// - Complexity: O(n).
    /// `mightBeMorse` given the text's survey: most texts have too few dots and dashes to be
    /// tokenised at all.
    public static func mightBeMorse(_ text: UnsafeRawBufferPointer, survey: Survey) -> Bool {
        guard survey.morseSymbols >= 12 else { return false }
        var tokens = 0
        var index = 0
        let count = text.count
        while index < count {
            while index < count && isSpace(text[index]) { index += 1 }
            let start = index
            var onlySymbols = true
            while index < count && !isSpace(text[index]) {
                if !isMorseSymbol(text[index]) { onlySymbols = false }
                index += 1
            }
            if index > start && onlySymbols && index - start <= 7 {
                tokens += 1
                if tokens >= 12 { return true }
            }
        }
        return false
    }

    /// Writes `text` with every Morse token (dots and dashes, letters separated by spaces, words
    /// by `/` or by three spaces or more) read as its letter or digit into `output`; other tokens
    /// are copied with a space after them.
    public static func decodeMorse(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var index = 0
        let count = text.count
        var lastWasLetter = false
        while index < count {
            var spaces = 0
            while index < count && isSpace(text[index]) {
                spaces += text[index] == 0x0A ? 3 : 1
                index += 1
            }
            if spaces >= 3 && lastWasLetter {
                output.append(0x20)
                lastWasLetter = false
            }
            let start = index
            var code = 1  // a leading 1 bit, then 0 for a dot and 1 for a dash
            var onlySymbols = true
            while index < count && !isSpace(text[index]) {
                let byte = text[index]
                if byte == 0x2E { code = code << 1 } else if byte == 0x2D || byte == 0x5F { code = code << 1 | 1 } else { onlySymbols = false }
                index += 1
            }
            guard index > start else { continue }
            if index - start == 1 && text[start] == 0x2F {
                output.append(0x20)
                lastWasLetter = false
                continue
            }
            if onlySymbols && index - start <= 6 && morseTable[code] != 0 {
                output.append(morseTable[code])
                lastWasLetter = true
                continue
            }
            if lastWasLetter { output.append(0x20) }
            for offset in start..<index { output.append(text[offset]) }
            output.append(0x20)
            lastWasLetter = false
        }
    }

    // MARK: Character codes

    /// Writes the text that `text`'s character codes spell into `output` and returns true, when
    /// at least 12 of its tokens are codes of printable ASCII characters: 8-bit binary numbers
    /// ("01110111 01110010"), or decimal numbers from 32 to 126 ("119 114 105"); separators are
    /// spaces, commas, semicolons and line breaks. Other tokens are copied with a space after
    /// them, so the words around the codes stay readable.
    public static func decodeCharacterCodes(_ text: UnsafeRawBufferPointer, survey: Survey, into output: inout [UInt8]) -> Bool {
        guard survey.digits >= 24 else { return false }
        // First: which radix, if either, most of the digit tokens follow.
        var binary = 0, decimal = 0
        forEachToken(text) { start, end in
            if let radix = codeRadix(text, start, end) { if radix == 2 { binary += 1 } else { decimal += 1 } }
        }
        guard max(binary, decimal) >= 12 else { return false }
        let radix = binary >= decimal ? 2 : 10
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count / 2)
        var lastWasCode = false
        forEachToken(text) { start, end in
            if codeRadix(text, start, end) == radix {
                var value = 0
                for index in start..<end { value = value * radix + Int(text[index] - 0x30) }
                output.append(UInt8(value))
                lastWasCode = true
                return
            }
            if lastWasCode { output.append(0x20) }
            for index in start..<end { output.append(text[index]) }
            output.append(0x20)
            lastWasCode = false
        }
        return true
    }

    /// 2 for an 8-digit binary number, 10 for a decimal number from 32 to 126, else nil.
    @inline(__always)
    static func codeRadix(_ text: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int? {
        let length = end - start
        var value = 0
        var binary = true
        for index in start..<end {
            let byte = text[index]
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            if byte > 0x31 { binary = false }
            if length <= 3 { value = value * 10 + Int(byte - 0x30) }
        }
        if length == 8 && binary {
            var code = 0
            for index in start..<end { code = code * 2 + Int(text[index] - 0x30) }
            return code >= 32 && code <= 126 ? 2 : nil
        }
        return (length == 2 || length == 3) && value >= 32 && value <= 126 ? 10 : nil
    }

    /// Calls `body` with each token's byte range; tokens are separated by spaces, tabs, line
    /// breaks, commas and semicolons.
    @inline(__always)
    static func forEachToken(_ text: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
        var index = 0
        let count = text.count
        while index < count {
            while index < count && isCodeSeparator(text[index]) { index += 1 }
            let start = index
            while index < count && !isCodeSeparator(text[index]) { index += 1 }
            if index > start { body(start, index) }
        }
    }

    @inline(__always)
    static func isCodeSeparator(_ byte: UInt8) -> Bool { isSpace(byte) || byte == 0x2C || byte == 0x3B }

    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

    @inline(__always)
    static func isMorseSymbol(_ byte: UInt8) -> Bool { byte == 0x2E || byte == 0x2D || byte == 0x5F || byte == 0x2F }

    /// Letter by code (a leading 1 bit, then 0 = dot, 1 = dash), for codes up to six symbols.
    static let morseTable: [UInt8] = {
        let codes: [(String, Character)] = [
            (".-", "a"), ("-...", "b"), ("-.-.", "c"), ("-..", "d"), (".", "e"), ("..-.", "f"), ("--.", "g"), ("....", "h"),
            ("..", "i"), (".---", "j"), ("-.-", "k"), (".-..", "l"), ("--", "m"), ("-.", "n"), ("---", "o"), (".--.", "p"),
            ("--.-", "q"), (".-.", "r"), ("...", "s"), ("-", "t"), ("..-", "u"), ("...-", "v"), (".--", "w"), ("-..-", "x"),
            ("-.--", "y"), ("--..", "z"), ("-----", "0"), (".----", "1"), ("..---", "2"), ("...--", "3"), ("....-", "4"),
            (".....", "5"), ("-....", "6"), ("--...", "7"), ("---..", "8"), ("----.", "9"),
        ]
        var table = [UInt8](repeating: 0, count: 128)
        for (symbols, letter) in codes {
            var code = 1
            for symbol in symbols { code = code << 1 | (symbol == "-" ? 1 : 0) }
            table[code] = letter.asciiValue!
        }
        return table
    }()
}
