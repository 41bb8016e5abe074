/// Builds the sanitised view of a text: scalars that draw nothing removed (default-ignorable,
/// format characters, controls other than tab, newline and carriage return, line and paragraph
/// separators), U+2800 BRAILLE PATTERN BLANK turned into a space, NFKC and full case folding
/// applied per scalar; a letter-like symbol between two Latin letters ("key™logger") becomes `*`
/// (see `saltMark`).
///
/// Plain ASCII text (no control bytes but tab, newline and carriage return) is its own sanitised
/// view for matching purposes (keywords and patterns already match ASCII case-insensitively), so
/// callers test `isPlainASCII` first and skip the view entirely.
///
/// Table-driven: the per-scalar mapping is generated from the Unicode Character Database by
/// Scripts/generate-unicode-tables.py (see Views/UnicodeTables.swift). It equals Foundation's
/// `precomposedStringWithCompatibilityMapping.folding(options: .caseInsensitive)` per scalar
/// except where Foundation departs from CaseFolding.txt (it folds Cherokee to lowercase and
/// leaves U+1C80–U+1C88 alone; the table follows CaseFolding.txt); ViewTests checks this.
/// No Foundation, and no allocation once `output` has capacity for `text.count + 64` bytes.
public enum Sanitiser {
    /// Whether every byte is below 0x80.
    /// - Complexity: O(n), eight bytes per step.
    @inlinable
    public static func isASCII(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var accumulated: UInt64 = 0
        let count = text.count
        while index + 8 <= count {
            accumulated |= text.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            accumulated |= UInt64(text[index])
            index += 1
        }
        return accumulated & 0x8080_8080_8080_8080 == 0
    }

    /// Whether every byte is below 0x80 and no byte is a control the sanitiser removes (C0
    /// controls other than tab, newline and carriage return, and DEL).
    /// - Complexity: O(n), eight bytes per step without a branch per word: each word's removed
    ///   controls are found exactly (`removedControls`) and gathered with its high bits.
    @inlinable
    public static func isPlainASCII(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        let count = text.count
        // Blocks of 256 bytes without a branch inside, so a long non-ASCII text stops early.
        while index + 8 <= count {
            let blockEnd = Swift.min(count &- 7, index &+ 256)
            var found: UInt64 = 0
            while index < blockEnd {
                let word = text.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                found |= word | removedControls(word)
                index &+= 8
            }
            if found & 0x8080_8080_8080_8080 != 0 { return false }
        }
        while index < count {
            if text[index] >= 0x80 || isRemovedControl(text[index]) { return false }
            index += 1
        }
        return true
    }

    /// The high bit of each byte of `word` that is a control the sanitiser removes (see
    /// `isRemovedControl`); exact for ASCII bytes (a byte >= 0x80 may set its own bit, which
    /// the caller's high-bit test reports anyway). No borrow crosses a byte: every subtraction
    /// is from a byte with its high bit set.
    @inlinable @inline(__always)
    static func removedControls(_ word: UInt64) -> UInt64 {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ value: UInt64) -> UInt64 { ~((value | highs) &- ones) & highs }
        let below20 = ~((word | highs) &- ones &* 0x20) & highs
        let allowed = zeroBytes(word ^ ones &* 0x09) | zeroBytes(word ^ ones &* 0x0A) | zeroBytes(word ^ ones &* 0x0D)
        return below20 & ~allowed | zeroBytes(word ^ ones &* 0x7F)
    }

    /// Whether an all-ASCII word may hold a byte below 0x20 or a DEL (a cheap over-approximation:
    /// tab, newline and carriage return also answer yes).
    @inlinable @inline(__always)
    static func mayHoldControl(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        let below20 = (word &- ones &* 0x20) & ~word & highs
        let del = word ^ (ones &* 0x7F)
        return below20 | ((del &- ones) & ~del & highs) != 0
    }

    /// An ASCII control the sanitiser removes: below 0x20 except tab, newline and carriage
    /// return, or DEL.
    @inlinable @inline(__always)
    public static func isRemovedControl(_ byte: UInt8) -> Bool {
        (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F
    }

    /// Whether `a` and `b` are the same bytes up to ASCII letter case. The keyword automaton and
    /// the regexes compare ASCII case-insensitively, so a sanitised view that differs from the
    /// text only in ASCII case shows them nothing new.
    public static func equalIgnoringASCIICase(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        guard a.count == b.count else { return false }
        let count = a.count
        var index = 0
        while index < count {
            // Equal words (most of them) are passed eight bytes at a time.
            while index + 8 <= count && a.loadUnaligned(fromByteOffset: index, as: UInt64.self) == b.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                index += 8
            }
            guard index < count else { break }
            let x = a[index], y = b[index]
            if x != y && (x | 0x20 != y | 0x20 || (x | 0x20) &- 0x61 >= 26) { return false }
            index += 1
        }
        return true
    }

    /// Writes the sanitised view of `text` (UTF-8) into `output`, replacing its contents, and
    /// returns the number of scalars removed as invisible (default-ignorable, format, control,
    /// line and paragraph separator).
    ///
    /// ASCII bytes but removed controls are copied unchanged: matching is already ASCII-case-insensitive, and keeping
    /// them lets callers skip the sanitised pass when nothing else changed. Every other scalar is
    /// replaced by its entry in the generated table (most map to themselves). Invalid UTF-8
    /// bytes are copied as is, one at a time.
    @discardableResult
    public static func sanitise(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else {
            output.removeAll(keepingCapacity: true)
            return 0
        }
        let count = text.count
        let trie = ViewTables.sanitise
        let bytes = ViewTables.bytes.base
        var removed = 0
        ViewOutput.fill(&output, inputCount: count) { out, capacity, written, index in
            // SAFETY: reads stay below `count` (`input` spans `count` bytes; `UTF8Scalar.decode`
            // checks its own bounds). Writes: the invariant `written + (count - index) + slack
            // <= capacity` holds on entry (see `ViewOutput.fill`) and is kept by every ASCII
            // byte (one in, one out) and checked before every non-ASCII scalar, whose output is
            // at most 63 bytes. Table offsets come from the validated generated tables.
            while index < count {
                // ASCII run: copy eight bytes at a time while they are all ASCII.
                while index + 8 <= count {
                    let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 || mayHoldControl(word) { break }
                    UnsafeMutableRawPointer(out + written).storeBytes(of: word, as: UInt64.self)
                    written += 8
                    index += 8
                }
                if index == count { break }
                let lead = input[index]
                if lead < 0x80 {
                    if isRemovedControl(lead) {
                        removed += 1
                    } else {
                        out[written] = lead
                        written += 1
                    }
                    index += 1
                    continue
                }
                if written + (count - index) + ViewOutput.slack > capacity { return }
                let (scalar, length) = UTF8Scalar.decode(input, index, count)
                if length == 0 {
                    out[written] = lead
                    written += 1
                    index += 1
                    continue
                }
                let value = trie.value(scalar)
                if value == 0 {
                    for k in 0..<length { out[written + k] = input[index + k] }
                    written += length
                } else if value == 1 {
                    removed += 1
                } else if value & letterLike != 0 && isSaltInWord(input, index, index + length, count) {
                    out[written] = saltMark
                    written += 1
                } else {
                    let offset = Int((value & ~letterLike) >> 6), size = Int(value & 63)
                    for k in 0..<size { out[written + k] = bytes[offset + k] }
                    written += size
                }
                index += length
            }
        }
        return removed
    }

    /// The bytes the sanitiser reads and writes at `index` (a scalar, an invalid byte or an
    /// ASCII byte), as `sanitise` does: for mapping a sanitised span back to the text.
    @inline(__always)
    package static func outputLength(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (input: Int, output: Int) {
        // SAFETY: `index < count`; `UTF8Scalar.decode` checks its own bounds.
        let lead = input[index]
        if lead < 0x80 { return (1, isRemovedControl(lead) ? 0 : 1) }
        let (scalar, length) = UTF8Scalar.decode(input, index, count)
        guard length > 0 else { return (1, 1) }
        return (length, outputSize(ViewTables.sanitise.value(scalar), input, index, length, count))
    }

    /// The bytes `sanitise` writes for the scalar at `index` of `length` bytes with table `value`.
    @inline(__always)
    static func outputSize(_ value: UInt32, _ input: UnsafePointer<UInt8>, _ index: Int, _ length: Int, _ count: Int) -> Int {
        if value == 0 { return length }
        if value == 1 { return 0 }
        return value & letterLike != 0 && isSaltInWord(input, index, index + length, count) ? 1 : Int(value & 63)
    }

    /// Sanitise-table bit of a letter-like symbol: punctuation or a symbol (General_Category P*,
    /// S*) that NFKC or the skeleton spells with a letter, digit or spacing mark of any script or
    /// with ASCII punctuation (™ → "tm", ℃ → "°c", ⓐ → "a", ⒭ → "r", ∪ → "u", ━ → "ー", a Kangxi
    /// radical → its ideograph, ﹟ → "#"). General, CJK and fullwidth punctuation, which prose
    /// puts between words, is not flagged.
    static let letterLike: UInt32 = 1 << 31

    /// What the sanitiser writes for a letter-like symbol inside a Latin word: `*`, in-word
    /// markup that the squeezed view and the text model join across. "key™log℃ger" is
    /// "key*log*ger", not "keytmlog°cger": such a symbol between two letters is salt, not
    /// part of the word. On its own ("Acme™", "20℃") or among its kind ("ⓡⓐⓝⓢⓞⓜ") it
    /// reads as its letters.
    static let saltMark = UInt8(ascii: "*")

    /// Whether the letter-like symbol at `start..<end` stands between two Latin letters (ASCII,
    /// or look-alikes the skeleton spells with an ASCII letter or digit), with at most two other
    /// punctuation or symbol characters between it and each of them ("r™a", "r✶™a", "r™‼a").
    /// Marks and the invisible characters the sanitiser removes are looked through, so that
    /// sanitising twice gives what sanitising once did.
    static func isSaltInWord(_ input: UnsafePointer<UInt8>, _ start: Int, _ end: Int, _ count: Int) -> Bool {
        // SAFETY: `neighbourBefore` and `neighbourAfter` read only within `0 ..< count`.
        reachesLetter(steps: start, count) { neighbourBefore(input, $0, count) }
            && reachesLetter(steps: end, count) { neighbourAfter(input, $0, count) }
    }

    /// Whether stepping from `cursor` with `next` reaches a letter through at most two symbols
    /// and any transparent characters (eight steps in all).
    @inline(__always)
    private static func reachesLetter(steps cursor: Int, _ count: Int, _ next: (Int) -> (NeighbourKind, Int)?) -> Bool {
        var cursor = cursor
        var symbols = 0
        for _ in 0..<8 {
            guard let (kind, following) = next(cursor) else { return false }
            switch kind {
            case .letter: return true
            case .other: return false
            case .symbol:
                symbols += 1
                if symbols > 2 { return false }
            case .transparent: break
            }
            cursor = following
        }
        return false
    }

    enum NeighbourKind { case letter, symbol, transparent, other }

    /// The kind of the character ending at `index` (exclusive) and where it starts.
    static func neighbourBefore(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (NeighbourKind, Int)? {
        guard index > 0 else { return nil }
        // SAFETY: reads stay within `max(0, index - 4) ..< index`, below `count`.
        if input[index - 1] < 0x80 { return (asciiKind(input[index - 1]), index - 1) }
        var start = index - 1
        while start > 0 && index - start < 4 && input[start] & 0xC0 == 0x80 { start -= 1 }
        let (scalar, length) = UTF8Scalar.decode(input, start, count)
        guard length == index - start else { return (.other, start) }
        return (scalarKind(scalar), start)
    }

    /// The kind of the character starting at `index` and where it ends.
    static func neighbourAfter(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (NeighbourKind, Int)? {
        guard index < count else { return nil }
        // SAFETY: `index < count`; `UTF8Scalar.decode` checks its own bounds.
        if input[index] < 0x80 { return (asciiKind(input[index]), index + 1) }
        let (scalar, length) = UTF8Scalar.decode(input, index, count)
        guard length > 0 else { return (.other, index + 1) }
        return (scalarKind(scalar), index + length)
    }

    @inline(__always)
    static func asciiKind(_ byte: UInt8) -> NeighbourKind {
        if (byte | 0x20) &- 0x61 < 26 { return .letter }
        if isRemovedControl(byte) { return .transparent }
        // Printable ASCII punctuation and symbols, not spaces, digits or controls.
        if byte > 0x20 && byte < 0x7F && byte &- 0x30 >= 10 { return .symbol }
        return .other
    }

    static func scalarKind(_ scalar: UInt32) -> NeighbourKind {
        let sanitised = ViewTables.sanitise.value(scalar)
        if sanitised == 1 { return .transparent }  // removed: draws nothing
        if sanitised & letterLike != 0 { return .symbol }
        let value = ViewTables.skeleton.value(scalar)
        if value == 1 { return .symbol }  // kept by the skeleton, dropped by the squeezed view
        guard value > 1 else { return .other }
        switch InWordSeparators.spelling(value) {
        case .asciiAlphanumeric: return .letter
        case .nothing: return .transparent  // a mark, part of the letter it sits on
        default: return .other
        }
    }

    /// Adds to `windows` (in the sanitised view's coordinates, each widened by `radius`) every
    /// place where `sanitise` changed `text`: a scalar removed or replaced. Everything else in the
    /// sanitised view is the text's own bytes, which a pass over the text has already read.
    /// Call `windows.reset(textCount:)` with the sanitised view's length first.
    /// - Complexity: O(n); ASCII runs are skipped eight bytes at a time.
    public static func addChanges(of text: UnsafeRawBufferPointer, radius: Int, into windows: inout ViewWindows) {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = text.count
        let trie = ViewTables.sanitise
        var index = 0
        var written = 0  // the offset in the sanitised view that corresponds to `index`
        // SAFETY: reads stay below `count` (`UTF8Scalar.decode` checks its own bounds).
        while index < count {
            while index + 8 <= count {
                let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                if word & 0x8080_8080_8080_8080 != 0 || mayHoldControl(word) { break }
                index += 8
                written += 8
            }
            if index == count { break }
            if input[index] < 0x80 {
                if isRemovedControl(input[index]) {
                    windows.add(written..<written, radius: radius)
                } else {
                    written += 1
                }
                index += 1
                continue
            }
            let (scalar, length) = UTF8Scalar.decode(input, index, count)
            if length == 0 {
                index += 1
                written += 1
                continue
            }
            let value = trie.value(scalar)
            let size = outputSize(value, input, index, length, count)
            if value != 0 { windows.add(written..<written + size, radius: radius) }
            written += size
            index += length
        }
    }
}
