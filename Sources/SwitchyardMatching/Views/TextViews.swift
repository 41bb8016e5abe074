/// Builders for the matching views. All write into caller-owned buffers (replacing contents) and
/// do not allocate once the buffer has capacity (`text.count + 64` bytes covers every input whose
/// view does not grow); all are pure functions of the input bytes.
///
/// ## Skeleton view
/// Per scalar, iterated to a fixed point by the table generator (so `skeleton` is idempotent):
/// 1. the sanitiser's mapping (invisibles removed, U+2800 → space, NFKC, full case fold), so raw
///    and sanitised text give the same skeleton;
/// 2. NFD with nonspacing and enclosing marks (Mn, Me) dropped: diacritics, Zalgo;
/// 3. a Switchyard supplement: turned letters (ɐ ǝ ɹ ʇ ɯ ʍ … → a e r t m w), small capitals
///    (ᴀ ʙ ᴄ … → a b c), regional indicators and negative circled/squared capitals (→ a–z), and
///    a few letter-like UTS #39 prototypes (ĸ for κ → k, ꞓ for ε and € → e, ɜ for з → e,
///    ƅ → b, ȷ → j);
/// 4. otherwise the UTS #39 confusables prototype (Cyrillic а → a, Greek ο → o, 𝐚 → a …), with
///    the prototypes "rn" → "m", "''" → `"`, ʍ → m and ß (Greek β) → b rewritten;
/// 5. full case folding;
/// 6. ASCII goes through the leet table below.
///
/// ASCII table (UTS #39 entries whose source is ASCII, such as "m" → "rn", are not used):
/// letters are lowercased, then these classes collapse to their first member:
///
/// | class | members |
/// |---|---|
/// | a | a A 4 @ |
/// | b | b B 8 |
/// | e | e E 3 |
/// | g | g G 9 |
/// | i | i I l L 1 \| ! |
/// | o | o O 0 |
/// | s | s S 5 $ |
/// | t | t T 7 + |
/// | z | z Z 2 |
///
/// and `` ` `` → `'`. Digits 6 and everything else ASCII map to themselves (lowercased), so
/// spaces and other punctuation keep word boundaries. Digits inside ordinary numbers map too;
/// that is fine because keyword terms go through the same function. Invalid UTF-8 bytes are
/// copied unchanged.
///
/// ## Squeezed view
/// The skeleton with everything but letters, digits and spacing marks (General_Category L*, N*,
/// Mc) removed: "r a n s o m", "r.a.n.s.o.m", "ran**som**ware", "r-a-n-s" and "r4n$0m" all
/// become "ransom". Invalid UTF-8 bytes are dropped. Because the skeleton is idempotent,
/// `squeeze(x) == squeeze(skeleton(x))`.
public enum TextViews {
    // MARK: Skeleton

    /// Writes the skeleton view of `text` (raw or sanitised UTF-8) into `output`, replacing its
    /// contents. See the type's documentation for the exact mapping.
    public static func skeleton(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        mapped(text, ascii: ViewTables.asciiSkeleton, into: &output)
    }

    /// The readable view: like the skeleton for non-ASCII text (look-alikes to their Latin
    /// prototypes, diacritics dropped), but ASCII letters stay themselves (lowercased) and only
    /// leet digits and symbols become letters: 4 @ → a, 8 → b, 3 → e, 9 → g, 1 → i, 0 → o,
    /// 5 $ → s, 7 → t. Regexes written for plain English can run on it, which they cannot on the
    /// skeleton, whose letter classes merge l into i.
    public static func readable(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        mapped(text, ascii: ViewTables.asciiReadable, into: &output)
    }

    /// The skeleton mapping with `ascii` as the table for ASCII bytes.
    static func mapped(_ text: UnsafeRawBufferPointer, ascii: ByteTable, into output: inout [UInt8]) {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else {
            output.removeAll(keepingCapacity: true)
            return
        }
        let count = text.count
        let trie = ViewTables.skeleton
        let bytes = ViewTables.bytes.base
        ViewOutput.fill(&output, inputCount: count) { out, capacity, written, index in
            // SAFETY: as in `Sanitiser.sanitise`: reads below `count`; writes keep
            // `written + (count - index) + slack <= capacity` (checked before each non-ASCII
            // scalar, whose output is at most 63 bytes); offsets come from validated tables.
            while index < count {
                while index + 8 <= count {
                    let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    out[written] = ascii[input[index]]
                    out[written + 1] = ascii[input[index + 1]]
                    out[written + 2] = ascii[input[index + 2]]
                    out[written + 3] = ascii[input[index + 3]]
                    out[written + 4] = ascii[input[index + 4]]
                    out[written + 5] = ascii[input[index + 5]]
                    out[written + 6] = ascii[input[index + 6]]
                    out[written + 7] = ascii[input[index + 7]]
                    written += 8
                    index += 8
                }
                if index == count { break }
                let lead = input[index]
                if lead < 0x80 {
                    out[written] = ascii[lead]
                    written += 1
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
                if value <= 1 {
                    for k in 0..<length { out[written + k] = input[index + k] }
                    written += length
                } else {
                    let offset = Int(value >> 13), size = Int(value & 63)
                    for k in 0..<size { out[written + k] = bytes[offset + k] }
                    written += size
                }
                index += length
            }
        }
    }

    /// The bytes the skeleton (or readable) view reads and writes at `index`: for mapping a span
    /// of the view back to the text.
    @inline(__always)
    package static func outputLength(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (input: Int, output: Int) {
        // SAFETY: `index < count`; `UTF8Scalar.decode` checks its own bounds.
        if input[index] < 0x80 { return (1, 1) }
        let (scalar, length) = UTF8Scalar.decode(input, index, count)
        guard length > 0 else { return (1, 1) }
        let value = ViewTables.skeleton.value(scalar)
        return (length, value <= 1 ? length : Int(value & 63))
    }

    /// The skeleton of a term, for compiling keywords (allocates).
    public static func skeleton(of term: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        term.withUnsafeBytes { skeleton($0, into: &output) }
        return output
    }

    // MARK: Squeeze

    /// Writes the squeezed view of `text` (raw or sanitised UTF-8) into `output`, replacing its
    /// contents: the skeleton's letters and digits only. See the type's documentation.
    public static func squeeze(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else {
            output.removeAll(keepingCapacity: true)
            return
        }
        let count = text.count
        let trie = ViewTables.skeleton
        let bytes = ViewTables.bytes.base
        let ascii = ViewTables.asciiSkeleton
        let keeps = ViewTables.asciiSqueezeKeeps
        ViewOutput.fill(&output, inputCount: count) { out, capacity, written, index in
            // SAFETY: as in `skeleton`; an ASCII byte writes one byte and advances `written`
            // by 0 or 1, so the invariant holds.
            while index < count {
                while index + 8 <= count {
                    let word = UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self)
                    if word & 0x8080_8080_8080_8080 != 0 { break }
                    for k in 0..<8 {
                        let byte = input[index + k]
                        out[written] = ascii[byte]
                        written &+= Int(keeps[byte])
                    }
                    index += 8
                }
                if index == count { break }
                let lead = input[index]
                if lead < 0x80 {
                    out[written] = ascii[lead]
                    written &+= Int(keeps[lead])
                    index += 1
                    continue
                }
                if written + (count - index) + ViewOutput.slack > capacity { return }
                let (scalar, length) = UTF8Scalar.decode(input, index, count)
                if length == 0 {
                    index += 1  // invalid byte: not a letter
                    continue
                }
                let value = trie.value(scalar)
                if value == 0 {
                    for k in 0..<length { out[written + k] = input[index + k] }
                    written += length
                } else if value > 1 {
                    let skeletonLength = Int(value & 63), size = Int(value >> 6 & 63)
                    let offset = Int(value >> 13) + (value & 0x1000 != 0 ? skeletonLength : 0)
                    for k in 0..<size { out[written + k] = bytes[offset + k] }
                    written += size
                }
                index += length
            }
        }
    }

    /// The squeezed form of a term, for compiling keywords (allocates).
    public static func squeeze(of term: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        term.withUnsafeBytes { squeeze($0, into: &output) }
        return output
    }

    // MARK: Look-alikes (the skeleton gate's non-ASCII part)

    /// Adds the byte range of every non-ASCII look-alike (see `nextLatinLookalike`), widened by
    /// `radius`, to `windows`; returns whether there was one.
    static func addLatinLookalikes(_ text: UnsafeRawBufferPointer, radius: Int, into windows: inout ViewWindows) -> Bool {
        var found = false
        var index = 0
        while let lookalike = nextLatinLookalike(text, from: index) {
            windows.add(lookalike, radius: radius)
            found = true
            index = lookalike.upperBound
        }
        return found
    }

    /// The byte range of the first non-ASCII look-alike at or after `start`, if any: a scalar whose
    /// skeleton contains an ASCII letter or digit (Cyrillic а, 𝐚, ｋ, é …) rather than punctuation,
    /// symbols, emoji or scripts with no Latin prototype, which the skeleton leaves alone; or a
    /// mark the skeleton drops right after an ASCII letter. Text whose only non-ASCII characters
    /// are curly quotes, dashes or emoji opens no skeleton window.
    static func nextLatinLookalike(_ text: UnsafeRawBufferPointer, from start: Int) -> Range<Int>? {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        let count = text.count
        let trie = ViewTables.skeleton
        let bytes = ViewTables.bytes.base
        var index = start
        // SAFETY: reads stay below `count`; trie outputs are range-checked offsets into `bytes`.
        while index < count {
            if input[index] < 0x80 {
                index += 1
                // ASCII runs are passed eight bytes at a time.
                while index + 8 <= count && UnsafeRawPointer(input + index).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    index += 8
                }
                continue
            }
            let (scalar, length) = UTF8Scalar.decode(input, index, count)
            if length == 0 {
                index += 1
                continue
            }
            let value = trie.value(scalar)
            if value > 1 {
                let offset = Int(value >> 13), size = Int(value & 63)
                // A mark the skeleton drops (combining accent, strike-through, Zalgo stacks) on an
                // ASCII letter: "ranso\u{301}mware" reads "ransomware" in the skeleton.
                if size == 0 && index > 0 && EvasionScan.isASCIILetter(input[index - 1]) { return index..<index + length }
                for k in 0..<size {
                    let byte = bytes[offset + k]
                    if (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) { return index..<index + length }
                }
            }
            index += length
        }
        return nil
    }
}
