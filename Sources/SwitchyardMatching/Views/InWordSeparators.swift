// InWordSeparators: separators that split one word into pieces ("ran-som-ware", "key_log_ger",
// "mal\nware", "ran😀som", "ran<b></b>som<!-- x -->ware"), found so that the squeezed view can
// read the word whole.
//
// The squeezed view marks each such run with `*` before the skeleton runs (so that `|`, `+` and
// backticks, which the skeleton reads as the letters l, t and ', still separate), and `join` then
// drops the markup between the pieces. Terms match there only across a joined place, so ordinary
// hyphenated words and paths cost nothing but the look.

/// Finds and marks separator runs inside words.
public enum InWordSeparators {
    /// The longest separator run (in bytes) that still counts as splitting one word.
    package static let maxRunBytes = 64

    /// Where separators split a word. A compound (words joined by separators, no space) with
    /// markup, symbols, emoji or HTML tags between its letters, which prose does not put inside
    /// words, goes into `strong`, widened by `radius`. A compound joined only by `-`, `_`, `/`,
    /// `\`, `+`, newlines or dashes, as hyphenated words, identifiers and paths are too, is
    /// handed to `weakSplitsTerm` (its byte range), and goes into `strong` only if that says yes.
    /// Every compound that goes into `strong` also goes into `joinable`, unwidened: the places
    /// where `mark` may join weak separators.
    /// - Returns: whether `strong` got a place.
    /// Nothing starts before `from` (`DisguiseGates.Findings.separatorsFrom` says where to start).
    /// - Complexity: O(n) plus the checks: 64 bytes at a time (`candidateMasks`), and only a
    ///   separator byte after a letter or a non-ASCII byte is looked at; each compound is read once.
    @discardableResult
    public static func find(_ text: UnsafeRawBufferPointer, from: Int = 1, radius: Int, strong: inout ViewWindows, joinable: inout ViewWindows,
                            weakSplitsTerm: (Range<Int>) -> Bool) -> Bool {
        var found = false
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 2 else { return found }
        let count = text.count
        let masks = candidateMasks
        // Compounds start at or after `index`; the bytes before it have been read.
        var index = Swift.max(from, 1)
        var blockStart = index
        // SAFETY: `0 < index`; while `blockStart < count` the block's bytes are inside the text;
        // `compound` checks its own bounds.
        var previousMayJoin: UInt64 = index < count && (input[index - 1] >= 0x80 || byteKinds[input[index - 1]] & letter != 0) ? 1 : 0
        while blockStart < count {
            let length = Swift.min(64, count - blockStart)
            let block = masks.block(input + blockStart, count: length)
            // A separator run can start only after an ASCII letter or a non-ASCII byte (a look-alike
            // letter): `separatorInWord`'s first condition, for the whole block.
            let mayJoin = block[0] | block[2]
            var candidates = block[1] & (mayJoin << 1 | previousMayJoin)
            previousMayJoin = mayJoin >> 63
            while candidates != 0 {
                let position = blockStart + candidates.trailingZeroBitCount
                candidates &= candidates - 1
                guard position >= index, let compound = compound(input, position, count) else { continue }
                if compound.strong || weakSplitsTerm(compound.range) {
                    strong.add(compound.range, radius: radius)
                    joinable.add(compound.range, radius: 0)
                    found = true
                }
                index = compound.range.upperBound
            }
            blockStart += length
        }
        return found
    }

    /// `candidateMasks`' classes: bit 0 an ASCII letter, bit 1 `separatorStart`, bit 2 non-ASCII.
    static let candidateMasks = ByteClassMasks { value in
        (byteKinds[UInt8(value)] & letter != 0 ? 1 : 0) | (byteKinds[UInt8(value)] & separatorStart != 0 ? 2 : 0) | (value >= 0x80 ? 4 : 0)
    }

    /// The compound whose first in-word separator run starts at `index` (> 0): back to the start
    /// of its first word, on through every further separator run that a word follows; whether
    /// any of its runs is strong. Nil when no separator run inside a word starts there.
    @inline(__always)
    static func compound(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (range: Range<Int>, strong: Bool)? {
        guard byteKinds[input[index]] & separatorStart != 0, var separator = separatorInWord(input, index, count) else { return nil }
        // SAFETY: `start > 0` before each read of `input[start - 1]`, `end < count` before `input[end]`.
        var start = index - 1
        while start > 0 && index - start < maxRunBytes && isWordByte(input[start - 1]) { start -= 1 }
        var strongRun = separator.strong
        var end = separator.end
        while true {
            while end < count && isWordByte(input[end]) { end += 1 }
            guard end < count, end - start < 4 * maxRunBytes, let next = separatorInWord(input, end, count) else { break }
            separator = next
            strongRun = strongRun || next.strong
            end = next.end
        }
        return (start..<end, strongRun)
    }

    @inline(__always)
    static func isWordByte(_ byte: UInt8) -> Bool { byte >= 0x80 || byteKinds[byte] & wordStart != 0 }

    /// The separator run starting at `index` (> 0) if it sits inside a word: a Latin letter
    /// before it (ASCII, or a look-alike such as Cyrillic "е") and a word after it.
    @inline(__always)
    static func separatorInWord(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (end: Int, strong: Bool)? {
        // SAFETY: `0 < index < count`; `run`, `startsWord` and `neighbourBefore` check their own bounds.
        let before = input[index - 1]
        guard byteKinds[before] & letter != 0 || (before >= 0x80 && Sanitiser.neighbourBefore(input, index, count)?.0 == .letter),
              let separator = run(input, index, count), startsWord(input, separator.end, count) else { return nil }
        return separator
    }

    /// Writes `text` into `output` with every separator run inside a word (as `find` sees them)
    /// replaced by `fill` (`*`, markup that `join` drops; or a space) byte for byte: same length,
    /// so offsets are unchanged. Runs of weak separators only (hyphens, underscores, slashes,
    /// newlines, dashes) are replaced only where `joinsWeak` says so for their byte range:
    /// "pass-the-hash" next to a disguised word stays three words.
    public static func mark(_ text: UnsafeRawBufferPointer, into output: inout [UInt8], fill: UInt8 = 0x2A,
                            joinsWeak: (Range<Int>) -> Bool = { _ in true }) {
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: text)
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 2 else { return }
        let count = text.count
        let kinds = byteKinds
        var index = 1
        // SAFETY: as in `find`; writes go to `output`, which has `count` bytes.
        while index < count {
            guard kinds[input[index]] & separatorStart != 0, let separator = separatorInWord(input, index, count) else {
                index += 1
                continue
            }
            if separator.strong || joinsWeak(index..<separator.end) {
                for offset in index..<separator.end { output[offset] = fill }
            }
            index = separator.end
        }
    }

    /// The squeezed reading of an ASCII compound (as `find` hands to its check), written straight
    /// into `output` with its joined-letters mask: the skeleton of each word, separators dropped,
    /// mask 1 on the letters either side of each dropped run. What `TextTransforms.squeezedReading`
    /// gives for such a compound, without its three buffer passes.
    /// - Returns: the bytes written, or nil if the compound is not all ASCII or does not fit.
    public static func joinASCII(_ compound: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer,
                                 mask: UnsafeMutableRawBufferPointer) -> Int? {
        guard compound.count <= output.count, compound.count <= mask.count else { return nil }
        let skeleton = ViewTables.asciiSkeleton
        let kinds = byteKinds
        var written = 0
        var afterSeparator = false
        for byte in compound {
            guard byte < 0x80 else { return nil }
            if kinds[byte] & wordStart == 0 {
                if written > 0 && !afterSeparator { mask[written - 1] = 1 }
                afterSeparator = true
                continue
            }
            output[written] = skeleton[byte]
            mask[written] = afterSeparator && written > 0 ? 1 : 0
            afterSeparator = false
            written += 1
        }
        return written
    }

    // MARK: Byte kinds

    static let letter: UInt8 = 0x01          // ASCII letter
    static let separatorStart: UInt8 = 0x02  // a byte that may start a separator run
    static let weakSeparator: UInt8 = 0x04   // - _ / \ + newline, carriage return
    static let strongSeparator: UInt8 = 0x08 // * ~ ` | ^ (in-word markup)
    static let wordStart: UInt8 = 0x10       // ASCII letter or digit

    static let byteKinds = ByteTable { value in
        let byte = UInt8(value)
        var bits: UInt8 = 0
        if (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) { bits |= letter | wordStart }
        if (0x30...0x39).contains(byte) { bits |= wordStart }
        if [0x2D, 0x5F, 0x2F, 0x5C, 0x2B, 0x0A, 0x0D].contains(byte) { bits |= weakSeparator | separatorStart }
        if [0x2A, 0x7E, 0x60, 0x7C, 0x5E].contains(byte) { bits |= strongSeparator | separatorStart }
        if byte == 0x3C || byte >= 0xC0 { bits |= separatorStart }
        return bits
    }

    /// The separator run starting at `index`, if there is one of at most `maxRunBytes`: separator
    /// bytes, HTML tags and comments, symbol scalars (emoji, punctuation, dingbats: those the
    /// skeleton keeps but the squeezed view drops, or spells without an ASCII letter or digit),
    /// and at most `maxOtherLetters` letters of another script ("ranжsom", "mal鼻ware"), which
    /// join only as weak separators: "Pythonでscript" is ordinary Japanese.
    @inline(__always)
    static func run(_ input: UnsafePointer<UInt8>, _ start: Int, _ count: Int) -> (end: Int, strong: Bool)? {
        let kinds = byteKinds
        var index = start
        var strong = false
        var otherLetters = 0
        let limit = Swift.min(count, start + maxRunBytes)
        // SAFETY: every read is below `limit <= count`.
        while index < limit {
            let byte = input[index]
            let kind = kinds[byte]
            if kind & (weakSeparator | strongSeparator) != 0 {
                if kind & strongSeparator != 0 { strong = true }
                index += 1
            } else if byte == 0x3C, let end = tagEnd(input, index, limit) {
                strong = true
                index = end
            } else if byte >= 0xC0, let symbol = symbolEnd(input, index, limit) {
                // Dashes and other general punctuation (U+2000–U+206F) join words in prose too.
                if !symbol.punctuation { strong = true }
                index = symbol.end
            } else if byte >= 0xC0, let letter = otherLetterEnd(input, index, limit) {
                otherLetters += 1
                guard otherLetters <= maxOtherLetters else { return nil }
                // Japanese, Chinese and Korean put English words right next to their own
                // ("SPAでOAuth", "Pythonでscript"): there, only salt between single letters joins.
                if letter.cjk && asciiLettersBefore(input, start) > 2 { return nil }
                index = letter.end
            } else {
                break
            }
        }
        guard index > start, index < limit || index == count else { return nil }
        return (index, strong)
    }

    /// The most letters of another script that a run between two Latin letters may hold.
    static let maxOtherLetters = 2

    /// The end of the scalar at `index` if it is a letter of another script: one the skeleton
    /// keeps as it is or spells with other non-Latin letters (CJK, kana, Hangul, Cyrillic that
    /// looks like no Latin letter), and whether it is Chinese, Japanese or Korean.
    @inline(__always)
    static func otherLetterEnd(_ input: UnsafePointer<UInt8>, _ index: Int, _ limit: Int) -> (end: Int, cjk: Bool)? {
        let (scalar, length) = UTF8Scalar.decode(input, index, limit)
        guard length > 0 else { return nil }
        let value = ViewTables.skeleton.value(scalar)
        guard value == 0 || (value > 1 && spelling(value) == .otherScript) else { return nil }
        let cjk = (0x2E80...0x9FFF).contains(scalar) || (0xAC00...0xD7AF).contains(scalar) || (0xF900...0xFAFF).contains(scalar)
            || (0xFF00...0xFFEF).contains(scalar) || scalar >= 0x20000
        return (index + length, cjk)
    }

    /// The ASCII letters right before `index` (counting stops at 3).
    @inline(__always)
    static func asciiLettersBefore(_ input: UnsafePointer<UInt8>, _ index: Int) -> Int {
        var count = 0
        var cursor = index - 1
        // SAFETY: `cursor >= 0` is checked before each read.
        while cursor >= 0 && count < 3 && byteKinds[input[cursor]] & letter != 0 {
            count += 1
            cursor -= 1
        }
        return count
    }

    /// The end of an HTML tag (`<b>`, `</span>`, `<i class="x">`) or comment (`<!-- … -->`)
    /// starting at `index`, if it closes before `limit`.
    @inline(__always)
    package static func tagEnd(_ input: UnsafePointer<UInt8>, _ index: Int, _ limit: Int) -> Int? {
        // SAFETY: every read is below `limit`.
        if index + 4 <= limit && input[index + 1] == 0x21 && input[index + 2] == 0x2D && input[index + 3] == 0x2D {
            var offset = index + 4
            while offset + 3 <= limit {
                if input[offset] == 0x2D && input[offset + 1] == 0x2D && input[offset + 2] == 0x3E { return offset + 3 }
                offset += 1
            }
            return nil
        }
        guard index + 2 < limit, input[index + 1] == 0x2F || byteKinds[input[index + 1]] & letter != 0 else { return nil }
        var offset = index + 1
        while offset < limit {
            let byte = input[offset]
            if byte == 0x3E { return offset + 1 }
            if byte == 0x3C || byte == 0x0A { return nil }
            offset += 1
        }
        return nil
    }

    /// The end of the symbol scalar at `index` (one the skeleton keeps and the squeezed view
    /// drops: emoji, symbols, punctuation), or nil for letters, marks and invalid bytes.
    @inline(__always)
    static func symbolEnd(_ input: UnsafePointer<UInt8>, _ index: Int, _ limit: Int) -> (end: Int, punctuation: Bool)? {
        let (scalar, length) = UTF8Scalar.decode(input, index, limit)
        guard length > 0 else { return nil }
        // General punctuation (dashes, bullets, quotes) first: the skeleton maps some of it to
        // look-alike letters (an em dash reads as the prolonged sound mark ー).
        if isGeneralPunctuation(scalar) { return (index + length, true) }
        let value = ViewTables.skeleton.value(scalar)
        if value == 1 { return (index + length, false) }
        // A symbol the skeleton spells as ASCII punctuation (a set minus, a small ampersand):
        // between two Latin letters it can only be salt, not part of the word. (A mark, which the
        // skeleton spells as nothing, belongs to the letter it sits on; letters of other scripts
        // are `otherLetterEnd`'s.)
        guard value > 1, spelling(value) == .asciiSymbols else { return nil }
        return (index + length, false)
    }

    /// What the skeleton writes for a mapped scalar (skeleton `value` > 1).
    enum Spelling {
        /// Nothing: a mark, which belongs to the letter it sits on.
        case nothing
        /// An ASCII letter or digit among its bytes: a look-alike ("ⓡ", "𝐫", Cyrillic "а").
        case asciiAlphanumeric
        /// Only ASCII punctuation or symbols ("∖" → "\", "﹠" → "&").
        case asciiSymbols
        /// A letter of another script ("で" → "て").
        case otherScript
    }

    @inline(__always)
    static func spelling(_ value: UInt32) -> Spelling {
        let bytes = ViewTables.bytes.base
        let offset = Int(value >> 13), size = Int(value & 63)
        guard size > 0 else { return .nothing }
        var nonASCII = false
        // SAFETY: `offset ..< offset + size` is a validated entry of the skeleton table's bytes.
        for k in 0..<size {
            let byte = bytes[offset + k]
            if (byte | 0x20) &- 0x61 < 26 || byte &- 0x30 < 10 { return .asciiAlphanumeric }
            if byte >= 0x80 { nonASCII = true }
        }
        return nonASCII ? .otherScript : .asciiSymbols
    }

    @inline(__always)
    static func isGeneralPunctuation(_ scalar: UInt32) -> Bool { scalar >= 0x2010 && scalar <= 0x205E }

    /// Whether a word starts at `index`: an ASCII letter or digit, or a non-ASCII scalar that is
    /// not a symbol.
    @inline(__always)
    static func startsWord(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> Bool {
        guard index < count else { return false }
        let byte = input[index]
        if byte < 0x80 { return byteKinds[byte] & wordStart != 0 }
        let (scalar, length) = UTF8Scalar.decode(input, index, count)
        guard length > 0, !isGeneralPunctuation(scalar) else { return false }
        let value = ViewTables.skeleton.value(scalar)
        // Letters of any script, look-alikes and marks start a word; symbols do not.
        return value == 0 || (value > 1 && spelling(value) != .asciiSymbols)
    }
}
