/// Limits on decoding, so a hostile request cannot make decoding expensive.
public struct DecodeBudget: Sendable {
    /// Decoded segments kept, over all depths.
    public var maxSegments = 32
    /// Total bytes written to the output (segments and their "\n" separators).
    public var maxOutputBytes = 256 << 10
    /// Decode the decoded output again, up to this depth (1: decode the text only; 2: also
    /// decode each decoded segment, e.g. base64 of hex). Clamped to 0...8.
    public var maxDepth = 2
    /// Shortest base64 run considered (characters, not counting `=` padding).
    public var minBase64Length = 16
    /// Shortest hex run considered (hex digits).
    public var minHexLength = 16
    public init() {}
}

/// Which decoders produced output.
public struct DecodedKinds: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let base64 = DecodedKinds(rawValue: 1 << 0)
    /// Hex digit runs ("7772…", "77 72 …", "0x77,0x72") and `\xHH` escapes.
    public static let hex = DecodedKinds(rawValue: 1 << 1)
    /// `%HH` escapes.
    public static let percent = DecodedKinds(rawValue: 1 << 2)
    /// `&#NNN;`, `&#xHH;` and named entities.
    public static let htmlEntity = DecodedKinds(rawValue: 1 << 3)
    /// `\uXXXX` (with surrogate pairs), `\u{X…}`, `\UXXXXXXXX`.
    public static let unicodeEscape = DecodedKinds(rawValue: 1 << 4)
    /// Unicode tag characters U+E0020–E007E read as ASCII.
    public static let tagCharacters = DecodedKinds(rawValue: 1 << 5)
    /// Variation-selector runs read as bytes.
    public static let variationSelectors = DecodedKinds(rawValue: 1 << 6)
    /// Base32 runs (RFC 4648: capitals and 2-7).
    public static let base32 = DecodedKinds(rawValue: 1 << 7)
    /// Quoted-printable `=HH` (capital hex digits, as the encoding writes them).
    public static let quotedPrintable = DecodedKinds(rawValue: 1 << 8)
    /// CSS escapes: `\` and one to six hex digits, then an optional space.
    public static let cssEscape = DecodedKinds(rawValue: 1 << 9)
    /// Octal byte escapes `\NNN` (first digit 0-3).
    public static let octal = DecodedKinds(rawValue: 1 << 10)
    /// A gzip or zlib stream (inside base64, base32 or hex), inflated.
    public static let compressed = DecodedKinds(rawValue: 1 << 11)
    /// Ascii85 between Adobe's `<~` and `~>` delimiters.
    public static let ascii85 = DecodedKinds(rawValue: 1 << 12)
}

/// What decoding found: signals for the verdict.
public struct DecodeReport: Sendable, Equatable {
    /// Decoded segments written.
    public var segments: Int = 0
    /// Which decoders produced output.
    public var kinds: DecodedKinds = []
    /// Something decodable (that would have been kept) was left undecoded because of the budget,
    /// or a segment was cut short by `maxOutputBytes`.
    public var budgetExhausted = false
    /// Unicode tag characters (U+E0000–E007F) outside emoji subdivision flags, plus variation
    /// selectors in runs of two or more (one after a base character is ordinary use).
    public var hiddenCharacters: Int = 0
    public init() {}
}

/// Budgeted decoders for the `decoded:*` views.
///
/// What counts as a decodable blob:
/// - **base64**: a run of at least `minBase64Length` characters of `A–Z a–z 0–9 + / - _`
///   (standard or URL-safe), then up to two `=`, containing a lowercase letter and an uppercase
///   letter other than the first character (base64 of text always has both; prose words,
///   capitalised words and paths rarely do). A line break
///   continues the run when the line so far holds a multiple of 4 and at least 32 characters.
///   Bad padding and a dangling final character are tolerated.
/// - **base32**: a word of at least 16 (and `minBase64Length`) capitals and digits 2-7, at least
///   half of them letters, then up to six `=` (RFC 4648; prose in capitals has spaces).
/// - **escapes** also: `%25` before two hex digits counts as hiding a character, so URL encoding
///   applied twice decodes twice (the second time at depth 2).
/// - **hex**: a word of at least `minHexLength` hex digits (optionally `0x`-prefixed; an odd
///   final digit is dropped), or two-digit tokens ("77 72", "77:72", "0x77, 0x72") separated by
///   one or two of `␠ , : ;`, with at least `minHexLength` digits in all.
/// - **escapes** (`%HH`, `\xHH`, `\uXXXX`, `\u{…}`, `\UXXXXXXXX`, `&#NNN;`, `&#xHH;`, named
///   entities): escapes at most 32 bytes apart form a cluster; the segment is the cluster
///   widened to whole words (up to 64 bytes each side), with every valid escape decoded and the
///   rest copied. A cluster is decoded only if one of its escapes hides a letter or digit
///   (ASCII alphanumeric, a byte >= 0x80, or a scalar >= U+00C0 outside General Punctuation):
///   "%20" or "&amp;" alone say nothing a keyword could miss. Malformed escapes (truncated
///   `%4`, `\u12`, lone surrogates, unknown entities, values above U+10FFFF) stay literal.
/// - **weak escapes**, whose shapes also occur in ordinary text (paths, regexes, query strings):
///   quoted-printable `=HH` (capital hex), octal `\NNN` (first digit 0-3) and CSS `\H…`
///   (one to six hex digits, one following space consumed; exactly three octal digits read as octal).
///   One counts as notable only when it hides an ASCII letter or digit, a byte >= 0x80 (QP and
///   octal) or a scalar that folds to one (CSS: full-width, mathematical, enclosed, combining
///   marks), and a cluster of them only with at least three such: "C:\dev", "\bad\b" and "?id=41" stay as written.
/// - **tag characters**: a run of U+E0000–E007F; U+E0020–E007E decode to ASCII 0x20–0x7E. An
///   emoji subdivision flag (U+1F3F4, 2–6 tags of `0–9 a–z`, U+E007F) is left alone.
/// - **variation selectors**: a run of two or more of U+FE00–FE0F (bytes 0–15) and
///   U+E0100–E01EF (bytes 16–255).
///
/// - **ascii85**: `<~`, then at least 10 characters of `!`–`u`, `z` and whitespace, then `~>`
///   (or the end of that alphabet: a missing terminator is tolerated).
/// - **compressed**: a base64, base32 or hex blob that decodes to a gzip member or a zlib stream
///   is inflated (by zlib, bounded by the output budget: a stream cut short exhausts the budget).
///
/// A decoded segment is kept only if it is valid UTF-8, at least 90% printable (no C0/C1
/// controls other than tab, CR, LF; no U+FFFD) and has a letter or digit.
public enum Decoders {
    /// Whether `text` contains anything any decoder could decode: exactly the candidates
    /// `decode` looks at, without decoding them (false for ordinary prose). When false, `decode`
    /// writes nothing and reports no hidden characters.
    public static func mightDecode(_ text: UnsafeRawBufferPointer, budget: DecodeBudget) -> Bool {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return false }
        var scanner = CandidateScanner(input, count: text.count, budget: budget)
        return scanner.next() != nil
    }

    /// Decodes every decodable blob of `text` into `output` (replacing contents), each segment
    /// followed by "\n", recursing up to `budget.maxDepth` on decoded segments (a segment's own
    /// decodings follow it). Segments are kept only when plausible text (see the type's
    /// documentation). Does not allocate once `output` has capacity for
    /// `min(maxOutputBytes, maxDepth × (text.count + maxSegments + 1)) + min(text.count, 65536) + 8`.
    public static func decode(_ text: UnsafeRawBufferPointer, budget: DecodeBudget, into output: inout [UInt8]) -> DecodeReport {
        output.removeAll(keepingCapacity: true)
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return DecodeReport() }
        let count = text.count
        let depthLimit = Swift.min(Swift.max(budget.maxDepth, 0), 8)
        let maxOutput = Swift.max(budget.maxOutputBytes, 0)
        // Decoded output never exceeds its source, so each depth adds at most the text plus
        // one newline per segment.
        let perLevel = count + Swift.min(Swift.max(budget.maxSegments, 0), 1 << 24) + 1
        let committed = Swift.min(maxOutput, perLevel * Swift.max(depthLimit, 1))
        let probeRoom = Swift.min(count, 1 << 16) + 8
        ViewOutput.grow(&output, to: committed + probeRoom)
        var report = DecodeReport()
        var written = 0
        output.withUnsafeMutableBufferPointer { buffer in
            // SAFETY: `buffer` has `committed + probeRoom >= 8` elements, so `baseAddress` is non-nil.
            var decoder = SegmentDecoder(
                out: buffer.baseAddress!, committedLimit: committed, totalLimit: buffer.count,
                probeRoom: probeRoom, depthLimit: depthLimit, budget: budget)
            decoder.level(source: input, count: count, depth: 1)
            report = decoder.report
            written = decoder.written
        }
        output.removeLast(output.count - written)
        return report
    }
}

// MARK: - Byte classes

/// Byte classes shared by the scanner and the decoders.
enum DecodeClass {
    static let base64: UInt8 = 1      // A–Z a–z 0–9 + / - _
    static let hexDigit: UInt8 = 2    // 0–9 a–f A–F
    static let upper: UInt8 = 4       // A–Z
    static let lower: UInt8 = 8       // a–z
    static let special: UInt8 = 16    // % & \ = ~ and the lead bytes 0xEF, 0xF3
    static let nonHex: UInt8 = 32     // a base64 character that is not a hex digit
    static let space: UInt8 = 64      // ASCII whitespace and controls: word boundaries
    static let alphanumeric: UInt8 = 128

    static let table = ByteTable { value in
        let byte = UInt8(value)
        var bits: UInt8 = 0
        let isUpper = (0x41...0x5A).contains(byte), isLower = (0x61...0x7A).contains(byte)
        let isDigit = (0x30...0x39).contains(byte)
        if isUpper || isLower || isDigit || byte == 0x2B || byte == 0x2F || byte == 0x2D || byte == 0x5F { bits |= base64 }
        if isDigit || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) {
            bits |= hexDigit
        } else if bits & base64 != 0 {
            bits |= nonHex
        }
        if isUpper { bits |= upper }
        if isLower { bits |= lower }
        if isUpper || isLower || isDigit { bits |= alphanumeric }
        if byte == 0x25 || byte == 0x26 || byte == 0x5C || byte == 0x3D || byte == 0x7E || byte == 0xEF || byte == 0xF3 { bits |= special }
        if byte <= 0x20 || byte == 0x7F { bits |= space }
        return bits
    }

    /// Prefilter bits (see `CandidateScanner.next`): 1 = base64 character or `=`; 2 = hex digit,
    /// `x`, `X` or hex group separator; 4 = a byte that can start an escape or an invisible run.
    static let prefilter = ByteTable { value in
        let bits = table[UInt8(value)]
        var result: UInt8 = 0
        if bits & base64 != 0 || value == 0x3D { result |= 1 }
        if bits & hexDigit != 0 || value == 0x78 || value == 0x58 || value == 0x20 || value == 0x2C
            || value == 0x3A || value == 0x3B { result |= 2 }
        if bits & special != 0 { result |= 4 }
        return result
    }

    /// Hex digit value, or 0xFF.
    static let hexValue = ByteTable { value in
        switch UInt8(value) {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return UInt8(value) - 0x30
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return UInt8(value) - 0x61 + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return UInt8(value) - 0x41 + 10
        default: return 0xFF
        }
    }
}

// MARK: - Candidates

/// A decodable blob found by `CandidateScanner`.
enum Candidate: Equatable {
    /// A base64/hex/base32 run: try hex first when `hex`, then base64 when `base64`, then base32
    /// when `base32`.
    case run(start: Int, end: Int, hex: Bool, base64: Bool, base32: Bool)
    /// Two-digit hex tokens with separators.
    case hexGroups(start: Int, end: Int)
    /// A cluster of escapes widened to words.
    case escapes(start: Int, end: Int)
    /// A run of tag characters, and how many scalars it has.
    case tags(start: Int, end: Int, scalars: Int)
    /// A run of two or more variation selectors.
    case variationSelectors(start: Int, end: Int, scalars: Int)
    /// Ascii85 characters between `<~` and `~>` (the delimiters excluded).
    case ascii85(start: Int, end: Int)
}

/// One decoded escape.
struct Escape {
    var length: Int       // source bytes
    var value: UInt32     // a byte (when `isByte`) or a scalar value
    var isByte: Bool
    var kind: DecodedKinds
    /// A `%25` followed by two hex digits: URL encoding applied twice ("%2577" is "%77", "w").
    var wrapsEscape = false
    /// A shape ordinary text also has (quoted-printable, octal, CSS): see `Decoders`.
    var weak = false
    /// Whether it hides a letter or digit (see `Decoders`), or another escape.
    var notable: Bool {
        if wrapsEscape { return true }
        if weak && (value < 0x80 || !isByte) { return hidesASCIIAlphanumeric || (!isByte && Self.foldsToASCII(value)) }
        if value < 0x80 {
            let byte = UInt8(value)
            return DecodeClass.table[byte] & DecodeClass.alphanumeric != 0
        }
        if isByte { return true }
        return value >= 0xC0 && !(0x2000...0x206F).contains(value) && value != 0x3000 && value != 0xFEFF
    }

    /// Scalars that stand for ASCII letters or digits, or decorate them: full-width forms,
    /// mathematical and enclosed alphanumerics, combining diacritical marks. A CSS escape hiding
    /// one of these is notable; one hiding any other scalar ("\\cafe", "\\bad" in a path) is not.
    static func foldsToASCII(_ value: UInt32) -> Bool {
        (0xFF10...0xFF5A).contains(value) || (0x1D400...0x1D7FF).contains(value) || (0x2460...0x24FF).contains(value)
            || (0x1F130...0x1F189).contains(value) || (0x0300...0x036F).contains(value)
    }

    var hidesASCIIAlphanumeric: Bool {
        value < 0x80 && DecodeClass.table[UInt8(value)] & DecodeClass.alphanumeric != 0
    }

    /// How many weak escapes hiding a letter or digit make a cluster worth decoding.
    static let weakClusterMinimum = 3
}

/// Finds decodable blobs left to right. Shared by `mightDecode` and `decode`, so the two agree.
struct CandidateScanner {
    let input: UnsafePointer<UInt8>
    let count: Int
    let minBase64: Int
    let minHex: Int
    var position = 0
    /// End of the last candidate returned: escape clusters do not widen back past it.
    var floor = 0

    init(_ input: UnsafePointer<UInt8>, count: Int, budget: DecodeBudget) {
        self.input = input
        self.count = count
        self.minBase64 = Swift.max(budget.minBase64Length, 4)
        self.minHex = Swift.max(budget.minHexLength, 2)
    }

    /// The next candidate, or nil at the end of the text.
    ///
    /// A branch-light prefilter skips text that cannot hold a candidate; it stops at any `%`, `=`,
    /// `&`, `\\` or 0xEF/0xF3 lead byte, at a run of base64 characters (or `=`) reaching the
    /// shortest blob length, and at a run of hex digits, `x` and group separators reaching
    /// `minHex` (a superset of every candidate's shape). From there the exact scanner takes over
    /// until it has passed that point.
    mutating func next() -> Candidate? {
        while position < count {
            guard let event = prefilterEvent(from: position) else {
                position = count
                return nil
            }
            // Start the exact scan at the beginning of the run or hex region that ends here.
            var start = event.index + 1 - Swift.max(Swift.max(event.base64Run, event.hexRun), 1)
            while start > position, DecodeClass.table[input[start - 1]] & DecodeClass.base64 != 0 { start -= 1 }
            position = start
            if let candidate = exactNext(through: event.index) { return candidate }
        }
        return nil
    }

    /// Where the prefilter, reading from `from` with empty runs, first stops: the byte's index and
    /// the lengths of the base64 and hex runs that end there (counted from `from`), or nil.
    ///
    /// Eight bytes at a time: each byte's prefilter bits go into one lane of a `UInt64`, the
    /// lanes' bits are gathered into one mask per kind, and a run is tracked across words by its
    /// length at the end of each word. A word that holds the stop is read again byte by byte, so
    /// the answer is the byte loop's.
    func prefilterEvent(from: Int) -> (index: Int, base64Run: Int, hexRun: Int)? {
        let filter = DecodeClass.prefilter
        let longestRun = Self.longestRun
        let shortest = Swift.min(minBase64, minHex)
        let lanes: UInt64 = 0x0101_0101_0101_0101
        var base64Run = 0, hexRun = 0
        var offset = from
        // SAFETY: eight-byte loads at `offset + 8 <= count`, single bytes below `count`.
        while offset + 8 <= count {
            let word = UnsafeRawPointer(input + offset).loadUnaligned(as: UInt64.self)
            var kinds: UInt64 = 0
            for lane in 0..<8 {
                kinds |= UInt64(filter[UInt8(truncatingIfNeeded: word >> (8 * UInt64(lane)))]) << (8 * UInt64(lane))
            }
            let base64Mask = Self.gather(kinds & lanes), hexMask = Self.gather(kinds >> 1 & lanes)
            if kinds & lanes << 2 != 0 || Self.runReaches(base64Run, base64Mask, shortest, longestRun)
                || Self.runReaches(hexRun, hexMask, minHex, longestRun) {
                break
            }
            base64Run = Self.runAtEnd(base64Run, base64Mask)
            hexRun = Self.runAtEnd(hexRun, hexMask)
            offset += 8
        }
        while offset < count {
            let bits = filter[input[offset]]
            base64Run = bits & 1 != 0 ? base64Run + 1 : 0
            hexRun = bits & 2 != 0 ? hexRun + 1 : 0
            if bits & 4 != 0 || base64Run >= shortest || hexRun >= minHex { return (offset, base64Run, hexRun) }
            offset += 1
        }
        return nil
    }

    /// The low bit of each byte lane of `lanes`, as one bit per lane (lane 0 → bit 0).
    @inline(__always)
    static func gather(_ lanes: UInt64) -> UInt8 {
        UInt8(truncatingIfNeeded: (lanes &* 0x0102_0408_1020_4080) >> 56)
    }

    /// Whether a run that had `run` characters before this word reaches `length` inside it, given
    /// the word's `mask` (bit i: byte i belongs to the run's kind).
    @inline(__always)
    static func runReaches(_ run: Int, _ mask: UInt8, _ length: Int, _ longestRun: ByteTable) -> Bool {
        if mask == 0xFF { return run + 8 >= length }
        return run + (~mask).trailingZeroBitCount >= length || Int(longestRun[mask]) >= length
    }

    /// The length of the run at the end of the word, given its length before it and the word's `mask`.
    @inline(__always)
    static func runAtEnd(_ run: Int, _ mask: UInt8) -> Int {
        mask == 0xFF ? run + 8 : (~mask).leadingZeroBitCount
    }

    /// Per byte: the longest run of set bits in it.
    static let longestRun = ByteTable { value in
        var longest = 0, current = 0
        for bit in 0..<8 {
            current = value >> bit & 1 != 0 ? current + 1 : 0
            longest = Swift.max(longest, current)
        }
        return UInt8(longest)
    }

    /// The exact scanner: the next candidate starting at or before `limit` (a run that starts
    /// there is read to its end), or nil with `position` past `limit`.
    mutating func exactNext(through limit: Int) -> Candidate? {
        let classes = DecodeClass.table
        let shortest = Swift.min(minBase64, minHex)
        var cursor = position
        // SAFETY: every read of `input` below is at an index checked against `count`.
        while cursor < count && cursor <= limit {
            let byte = input[cursor]
            let bits = classes[byte]
            if bits & DecodeClass.base64 != 0 {
                // The first character's case is ignored: a capitalised word is not base64.
                let start = cursor
                var flags = bits & ~DecodeClass.upper
                cursor += 1
                while cursor < count {
                    let b = classes[input[cursor]]
                    if b & DecodeClass.base64 == 0 { break }
                    flags |= b
                    cursor += 1
                }
                let length = cursor - start
                // Cheap filter before the full check: long enough for a blob, or a two-digit
                // hex token ("7f", "0x7f") that may start hex groups.
                let hexToken = (length == 2 && flags & DecodeClass.nonHex == 0)
                    || (length == 4 && byte == UInt8(ascii: "0") && input[start + 1] | 0x20 == UInt8(ascii: "x"))
                if length >= shortest || hexToken {
                    position = cursor
                    if let candidate = runCandidate(start: start, end: cursor, flags: flags) { return found(candidate) }
                    cursor = position
                }
                continue
            }
            if bits & DecodeClass.special != 0 {
                position = cursor
                if byte >= 0x80 {
                    if let candidate = invisibleRun(at: cursor) { return found(candidate) }
                    cursor = Swift.max(position, cursor + 1)
                    continue
                }
                if byte == UInt8(ascii: "~") {
                    if let candidate = ascii85(at: cursor) { return found(candidate) }
                    cursor = Swift.max(position, cursor + 1)
                    continue
                }
                if let candidate = escapeCluster(at: cursor) { return found(candidate) }
                cursor = position  // escapeCluster advanced `position`
                continue
            }
            cursor += 1
        }
        position = cursor
        return nil
    }

    private mutating func found(_ candidate: Candidate) -> Candidate {
        switch candidate {
        case .run(_, let end, _, _, _), .hexGroups(_, let end), .escapes(_, let end),
             .tags(_, let end, _), .variationSelectors(_, let end, _), .ascii85(_, let end):
            position = Swift.max(position, end)
            floor = end
        }
        return candidate
    }

    // MARK: Runs

    private mutating func runCandidate(start: Int, end runEnd: Int, flags: UInt8) -> Candidate? {
        let length = runEnd - start
        if length < 2 { return nil }
        let atWordStart = start == 0 || DecodeClass.table[input[start - 1]] & DecodeClass.alphanumeric == 0
        // Two-digit hex token (optionally 0x-prefixed): maybe the start of hex groups.
        if atWordStart, let groups = hexGroups(from: start) { return groups }
        var hex = false
        if atWordStart {
            if flags & DecodeClass.nonHex == 0 {
                hex = length >= minHex
            } else if length >= 2 + minHex, input[start] == UInt8(ascii: "0"),
                      input[start + 1] | 0x20 == UInt8(ascii: "x"), allHex(start + 2, runEnd) {
                hex = true
            }
        }
        // Base64, with line-break continuation and padding.
        var end = runEnd
        var allFlags = flags
        var lineStart = start
        while end < count {
            let lineLength = end - lineStart
            guard lineLength >= 32, lineLength % 4 == 0 else { break }
            var next = end
            if input[next] == 0x0D { next += 1 }
            guard next < count, input[next] == 0x0A else { break }
            next += 1
            guard next < count, DecodeClass.table[input[next]] & DecodeClass.base64 != 0 else { break }
            var scan = next
            while scan < count {
                let b = DecodeClass.table[input[scan]]
                if b & DecodeClass.base64 == 0 { break }
                allFlags |= b
                scan += 1
            }
            lineStart = next
            end = scan
        }
        var padded = end
        while padded < count, padded - end < 2, input[padded] == UInt8(ascii: "=") { padded += 1 }
        let base64 = end - start >= minBase64
            && allFlags & DecodeClass.upper != 0 && allFlags & DecodeClass.lower != 0
        // Base32 (RFC 4648): capitals and the digits 2-7 only, padded with up to six `=`.
        let base32 = atWordStart && runEnd - start >= Swift.max(minBase64, 16) && flags & DecodeClass.lower == 0 && isBase32(start, runEnd)
        if !hex && !base64 && !base32 { return nil }
        if base64 {
            position = padded
            return .run(start: start, end: padded, hex: hex, base64: true, base32: false)
        }
        var end32 = runEnd
        if base32 {
            while end32 < count, end32 - runEnd < 6, input[end32] == UInt8(ascii: "=") { end32 += 1 }
            position = end32
        }
        return .run(start: start, end: base32 ? end32 : runEnd, hex: hex, base64: false, base32: base32)
    }

    private func isBase32(_ start: Int, _ end: Int) -> Bool {
        var index = start
        var letters = 0
        while index < end {
            let byte = input[index]
            if byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") {
                letters += 1
            } else if !(byte >= UInt8(ascii: "2") && byte <= UInt8(ascii: "7")) {
                return false
            }
            index += 1
        }
        return letters * 2 >= end - start
    }

    private func allHex(_ start: Int, _ end: Int) -> Bool {
        var index = start
        while index < end {
            if DecodeClass.table[input[index]] & DecodeClass.hexDigit == 0 { return false }
            index += 1
        }
        return true
    }

    /// Length of a two-digit hex token at `index` ("7f" or "0x7f") ending at a non-base64 byte,
    /// or 0.
    private func hexToken(at index: Int) -> Int {
        var cursor = index
        if cursor + 1 < count, input[cursor] == UInt8(ascii: "0"), input[cursor + 1] | 0x20 == UInt8(ascii: "x") {
            cursor += 2
        }
        guard cursor + 1 < count,
              DecodeClass.table[input[cursor]] & DecodeClass.hexDigit != 0,
              DecodeClass.table[input[cursor + 1]] & DecodeClass.hexDigit != 0 else { return 0 }
        cursor += 2
        if cursor < count, DecodeClass.table[input[cursor]] & DecodeClass.base64 != 0 { return 0 }
        return cursor - index
    }

    private static func isGroupSeparator(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == UInt8(ascii: ",") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: ";")
    }

    private mutating func hexGroups(from start: Int) -> Candidate? {
        var tokenLength = hexToken(at: start)
        if tokenLength == 0 { return nil }
        var digits = 0
        var end = start
        var cursor = start
        while tokenLength > 0 {
            digits += 2
            end = cursor + tokenLength
            cursor = end
            var separators = 0
            while separators < 2, cursor < count, Self.isGroupSeparator(input[cursor]) {
                cursor += 1
                separators += 1
            }
            if separators == 0 { break }
            tokenLength = hexToken(at: cursor)
        }
        guard digits >= minHex, digits >= 4 else {
            position = Swift.max(position, end)  // no suffix of these groups has more digits
            return nil
        }
        return .hexGroups(start: start, end: end)
    }

    // MARK: Escapes

    /// Parses one escape at `index` (a `%`, `&`, `=` or `\`), or nil if it is not a valid one.
    /// `cssContext`: the cluster holds a CSS escape, so `\NNN` followed by whitespace or the
    /// cluster's end is read as CSS (hex), the way a CSS encoder writes it, not as octal.
    static func parseEscape(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int, cssContext: Bool = false) -> Escape? {
        let hexValue = DecodeClass.hexValue
        // SAFETY: every read is at an index checked against `count`.
        func hex(_ from: Int, _ digits: Int) -> UInt32? {
            guard from + digits <= count else { return nil }
            var value: UInt32 = 0
            for k in 0..<digits {
                let digit = hexValue[input[from + k]]
                if digit == 0xFF { return nil }
                value = value << 4 | UInt32(digit)
            }
            return value
        }
        func isScalar(_ value: UInt32) -> Bool { value <= 0x10FFFF && value & 0x1FF800 != 0xD800 }
        func isCapitalHex(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) }
        switch input[index] {
        case UInt8(ascii: "%"):
            guard let value = hex(index + 1, 2) else { return nil }
            var escape = Escape(length: 3, value: value, isByte: true, kind: .percent)
            escape.wrapsEscape = value == 0x25 && hex(index + 3, 2) != nil
            return escape
        case UInt8(ascii: "\\"):
            guard index + 1 < count else { return nil }
            switch input[index + 1] {
            case UInt8(ascii: "x"):
                guard let value = hex(index + 2, 2) else { return nil }
                return Escape(length: 4, value: value, isByte: true, kind: .hex)
            case UInt8(ascii: "u"):
                if index + 2 < count, input[index + 2] == UInt8(ascii: "{") {
                    var cursor = index + 3
                    var value: UInt32 = 0
                    while cursor < count, cursor - (index + 3) < 6, hexValue[input[cursor]] != 0xFF {
                        value = value << 4 | UInt32(hexValue[input[cursor]])
                        cursor += 1
                    }
                    guard cursor > index + 3, cursor < count, input[cursor] == UInt8(ascii: "}"), isScalar(value) else { return nil }
                    return Escape(length: cursor + 1 - index, value: value, isByte: false, kind: .unicodeEscape)
                }
                guard let unit = hex(index + 2, 4) else { return nil }
                if unit >= 0xD800 && unit <= 0xDBFF {
                    guard index + 11 < count, input[index + 6] == UInt8(ascii: "\\"), input[index + 7] == UInt8(ascii: "u"),
                          let low = hex(index + 8, 4), low >= 0xDC00, low <= 0xDFFF else { return nil }
                    let value = 0x10000 + ((unit - 0xD800) << 10 | (low - 0xDC00))
                    return Escape(length: 12, value: value, isByte: false, kind: .unicodeEscape)
                }
                guard isScalar(unit) else { return nil }
                return Escape(length: 6, value: unit, isByte: false, kind: .unicodeEscape)
            case UInt8(ascii: "U"):
                guard let value = hex(index + 2, 8), isScalar(value) else { return nil }
                return Escape(length: 10, value: value, isByte: false, kind: .unicodeEscape)
            case UInt8(ascii: "0")...UInt8(ascii: "3") where index + 3 < count
                && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(input[index + 2])
                && (UInt8(ascii: "0")...UInt8(ascii: "7")).contains(input[index + 3])
                && (index + 4 == count || hexValue[input[index + 4]] == 0xFF)
                && !(cssContext && (index + 4 == count || input[index + 4] == 0x20 || input[index + 4] == 0x09 || input[index + 4] == 0x0A)):
                let value = UInt32(input[index + 1] - 0x30) << 6 | UInt32(input[index + 2] - 0x30) << 3 | UInt32(input[index + 3] - 0x30)
                return Escape(length: 4, value: value, isByte: true, kind: .octal, weak: true)
            default:
                // CSS: one to six hex digits, then one optional whitespace byte.
                var cursor = index + 1
                var value: UInt32 = 0
                while cursor < count, cursor - (index + 1) < 6, hexValue[input[cursor]] != 0xFF {
                    value = value << 4 | UInt32(hexValue[input[cursor]])
                    cursor += 1
                }
                guard cursor > index + 1, value != 0, isScalar(value) else { return nil }
                if cursor < count, input[cursor] == 0x20 || input[cursor] == 0x09 || input[cursor] == 0x0A { cursor += 1 }
                return Escape(length: cursor - index, value: value, isByte: false, kind: .cssEscape, weak: true)
            }
        case UInt8(ascii: "="):
            guard index + 2 < count, isCapitalHex(input[index + 1]), isCapitalHex(input[index + 2]) else { return nil }
            let value = UInt32(hexValue[input[index + 1]]) << 4 | UInt32(hexValue[input[index + 2]])
            return Escape(length: 3, value: value, isByte: true, kind: .quotedPrintable, weak: true)
        case UInt8(ascii: "&"):
            guard index + 2 < count else { return nil }
            if input[index + 1] == UInt8(ascii: "#") {
                var cursor = index + 2
                var value: UInt32 = 0
                let isHex = input[cursor] | 0x20 == UInt8(ascii: "x")
                if isHex { cursor += 1 }
                let digitsStart = cursor
                while cursor < count, cursor - digitsStart < (isHex ? 6 : 7) {
                    let byte = input[cursor]
                    if isHex {
                        let digit = hexValue[byte]
                        if digit == 0xFF { break }
                        value = value << 4 | UInt32(digit)
                    } else {
                        guard byte >= 0x30 && byte <= 0x39 else { break }
                        value = value * 10 + UInt32(byte - 0x30)
                    }
                    cursor += 1
                }
                guard cursor > digitsStart, value != 0, isScalar(value) else { return nil }
                if cursor < count, input[cursor] == UInt8(ascii: ";") {
                    cursor += 1
                } else if cursor < count, DecodeClass.table[input[cursor]] & DecodeClass.alphanumeric != 0 {
                    return nil  // "&#12ab": not an entity
                }
                return Escape(length: cursor - index, value: value, isByte: false, kind: .htmlEntity)
            }
            var cursor = index + 1
            while cursor < count, cursor - index <= 8, DecodeClass.table[input[cursor]] & DecodeClass.alphanumeric != 0 {
                cursor += 1
            }
            guard cursor < count, cursor > index + 1, input[cursor] == UInt8(ascii: ";"),
                  let value = HTMLEntities.lookup(input + index + 1, cursor - index - 1) else { return nil }
            return Escape(length: cursor + 1 - index, value: value, isByte: false, kind: .htmlEntity)
        default:
            return nil
        }
    }

    /// Whether an escape can start at `byte`.
    @inline(__always)
    static func startsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "%") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "=")
    }

    /// A cluster of escapes starting at `index`, widened to whole words, if one of them is
    /// notable. Always advances `position` past the escapes it looked at.
    private mutating func escapeCluster(at index: Int) -> Candidate? {
        guard let first = Self.parseEscape(input, index, count) else {
            position = index + 1
            return nil
        }
        // Strong escapes: one notable is enough; weak ones need `weakClusterMinimum` notables.
        var notable = !first.weak && first.notable
        var weakNotables = first.weak && first.notable ? 1 : 0
        var lastEnd = index + first.length
        var cursor = lastEnd
        while cursor < count, cursor - lastEnd <= 32 {
            let byte = input[cursor]
            if DecodeClass.table[byte] & DecodeClass.space != 0 && byte != 0x20 { break }
            if Self.startsEscape(byte), let escape = Self.parseEscape(input, cursor, count) {
                if escape.weak {
                    if escape.notable { weakNotables += 1 }
                } else {
                    notable = notable || escape.notable
                }
                cursor += escape.length
                lastEnd = cursor
            } else {
                cursor += 1
            }
        }
        position = lastEnd
        guard notable || weakNotables >= Escape.weakClusterMinimum else { return nil }
        var start = index
        while start > floor, index - start < 64, DecodeClass.table[input[start - 1]] & DecodeClass.space == 0 {
            start -= 1
        }
        var end = lastEnd
        while end < count, end - lastEnd < 64, DecodeClass.table[input[end]] & DecodeClass.space == 0 {
            end += 1
        }
        return .escapes(start: start, end: end)
    }

    // MARK: Ascii85

    /// Ascii85 after the `~` at `index`, if `<` precedes it and at least 10 characters of the
    /// alphabet (`!`–`u`, `z`; whitespace skipped) follow, up to `~>` or the first other byte.
    private mutating func ascii85(at index: Int) -> Candidate? {
        position = index + 1
        guard index > 0, input[index - 1] == UInt8(ascii: "<") else { return nil }
        var cursor = index + 1
        var characters = 0
        while cursor < count {
            let byte = input[cursor]
            if (0x21...0x75).contains(byte) || byte == UInt8(ascii: "z") {
                characters += 1
            } else if DecodeClass.table[byte] & DecodeClass.space == 0 {
                break
            }
            cursor += 1
        }
        guard characters >= 10 else { return nil }
        let end = cursor
        if cursor + 1 < count, input[cursor] == UInt8(ascii: "~"), input[cursor + 1] == UInt8(ascii: ">") { cursor += 2 }
        position = cursor
        return .ascii85(start: index + 1, end: end)
    }

    // MARK: Tags and variation selectors

    enum Invisible { case tag, selector }

    /// Whether the scalar at `index` is a tag character or a variation selector, and its value.
    static func invisible(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (Invisible, UInt32)? {
        let byte = input[index]
        guard byte == 0xEF || byte == 0xF3 else { return nil }
        let (value, length) = UTF8Scalar.decode(input, index, count)
        guard length > 0 else { return nil }
        if value >= 0xE0000 && value <= 0xE007F { return (.tag, value) }
        if (value >= 0xFE00 && value <= 0xFE0F) || (value >= 0xE0100 && value <= 0xE01EF) { return (.selector, value) }
        return nil
    }

    private mutating func invisibleRun(at index: Int) -> Candidate? {
        guard let (kind, _) = Self.invisible(input, index, count) else { return nil }
        var end = index
        var scalars = 0
        var flagShaped = true  // only 0–9 a–z tags so far (for the emoji flag exemption)
        var lastValue: UInt32 = 0
        while end < count, let (nextKind, value) = Self.invisible(input, end, count), nextKind == kind {
            if kind == .tag && scalars > 0 && lastValue == 0xE007F { break }  // a cancel tag ends a run
            if kind == .tag && value != 0xE007F
                && !((0xE0030...0xE0039).contains(value) || (0xE0061...0xE007A).contains(value)) {
                flagShaped = false
            }
            lastValue = value
            end += value >= 0x10000 ? 4 : 3
            scalars += 1
        }
        position = end
        if kind == .selector {
            return scalars >= 2 ? .variationSelectors(start: index, end: end, scalars: scalars) : nil
        }
        // Emoji subdivision flag: U+1F3F4, 2–6 tags of 0–9 a–z, U+E007F.
        if flagShaped, lastValue == 0xE007F, scalars >= 3, scalars <= 7, index >= 4,
           input[index - 4] == 0xF0, input[index - 3] == 0x9F, input[index - 2] == 0x8F, input[index - 1] == 0xB4 {
            return nil
        }
        return .tags(start: index, end: end, scalars: scalars)
    }
}

// MARK: - Decoding segments

/// Writes decoded segments into one fixed buffer: committed segments below `committedLimit`,
/// scratch space for probes above it (up to `totalLimit`).
struct SegmentDecoder {
    let out: UnsafeMutablePointer<UInt8>
    let committedLimit: Int
    let totalLimit: Int
    let probeRoom: Int
    let depthLimit: Int
    let budget: DecodeBudget
    var written = 0
    var report = DecodeReport()

    init(out: UnsafeMutablePointer<UInt8>, committedLimit: Int, totalLimit: Int, probeRoom: Int, depthLimit: Int,
         budget: DecodeBudget) {
        self.out = out
        self.committedLimit = committedLimit
        self.totalLimit = totalLimit
        self.probeRoom = probeRoom
        self.depthLimit = depthLimit
        self.budget = budget
    }

    /// Decodes the candidates of `source[0..<count]` at `depth` (1 = the request text).
    /// `source` is either the caller's text or a committed segment of `out`, which lies below
    /// `written`, so writing never overwrites it.
    mutating func level(source: UnsafePointer<UInt8>, count: Int, depth: Int) {
        var scanner = CandidateScanner(source, count: count, budget: budget)
        while let candidate = scanner.next() {
            if depth <= Swift.max(depthLimit, 1) {
                switch candidate {
                case .tags(_, _, let scalars), .variationSelectors(_, _, let scalars): report.hiddenCharacters += scalars
                default: break
                }
            }
            let canCommit = depth <= depthLimit && report.segments < budget.maxSegments && written + 1 < committedLimit
            if !canCommit {
                if report.budgetExhausted {
                    if depth > depthLimit { return }
                    continue  // keep counting hidden characters
                }
                // Probe: would this candidate have given a kept segment?
                let room = Swift.min(totalLimit - written, probeRoom)
                let (length, _, _) = decodeCandidate(candidate, source: source, at: written, limit: room)
                let kept = Self.trimToScalar(out + written, length)
                if Self.plausible(out + written, kept) {
                    report.budgetExhausted = true
                    if depth > depthLimit { return }
                }
                continue
            }
            let room = committedLimit - written - 1
            let (length, truncated, kinds) = decodeCandidate(candidate, source: source, at: written, limit: room)
            var kept = length
            if truncated {
                report.budgetExhausted = true
                kept = Self.trimToScalar(out + written, length)
            }
            guard Self.plausible(out + written, kept) else { continue }
            let segmentStart = written
            written += kept
            // SAFETY: `kept <= room = committedLimit - written_before - 1`, so this byte is below `committedLimit`.
            out[written] = 0x0A
            written += 1
            report.segments += 1
            report.kinds.formUnion(kinds)
            level(source: UnsafePointer(out + segmentStart), count: kept, depth: depth + 1)
        }
    }

    /// Decodes `candidate` into `out[at..<at + limit]`: bytes written, whether the limit cut it
    /// short, and the kinds of decoding used.
    func decodeCandidate(_ candidate: Candidate, source: UnsafePointer<UInt8>, at: Int, limit: Int)
        -> (Int, Bool, DecodedKinds) {
        guard limit > 0 else { return (0, true, []) }
        switch candidate {
        case .run(let start, let end, let hex, let base64, let base32):
            if hex {
                let (length, truncated) = decodeHex(source, start, end, at: at, limit: limit)
                let (inflated, cut, kinds) = inflatingCompressed(at: at, length: length, truncated: truncated, limit: limit, .hex)
                if !(base64 || base32) || Self.plausible(out + at, cut ? Self.trimToScalar(out + at, inflated) : inflated) {
                    return (inflated, cut, kinds)
                }
            }
            if base32 {
                let (length, truncated) = Base64.decodeBase32(source, from: start, to: end, into: out, at: at, limit: limit)
                return inflatingCompressed(at: at, length: length, truncated: truncated, limit: limit, .base32)
            }
            let (length, truncated) = Base64.decode(source, from: start, to: end, into: out, at: at, limit: limit)
            return inflatingCompressed(at: at, length: length, truncated: truncated, limit: limit, .base64)
        case .hexGroups(let start, let end):
            let (length, truncated) = decodeHex(source, start, end, at: at, limit: limit)
            return inflatingCompressed(at: at, length: length, truncated: truncated, limit: limit, .hex)
        case .ascii85(let start, let end):
            let (length, truncated) = decodeAscii85(source, start, end, at: at, limit: limit)
            return inflatingCompressed(at: at, length: length, truncated: truncated, limit: limit, .ascii85)
        case .escapes(let start, let end):
            return decodeEscapes(source, start, end, at: at, limit: limit)
        case .tags(let start, let end, _):
            var cursor = start
            var length = 0
            while cursor < end {
                let (value, size) = UTF8Scalar.decode(source, cursor, end)
                cursor += Swift.max(size, 1)
                guard value >= 0xE0020 && value <= 0xE007E else { continue }
                if length == limit { return (length, true, .tagCharacters) }
                // SAFETY: `length < limit`, and `at + limit` is within the buffer.
                out[at + length] = UInt8(value - 0xE0000)
                length += 1
            }
            return (length, false, .tagCharacters)
        case .variationSelectors(let start, let end, _):
            var cursor = start
            var length = 0
            while cursor < end {
                let (value, size) = UTF8Scalar.decode(source, cursor, end)
                cursor += Swift.max(size, 1)
                let byte: UInt32
                if value >= 0xFE00 && value <= 0xFE0F {
                    byte = value - 0xFE00
                } else if value >= 0xE0100 && value <= 0xE01EF {
                    byte = value - 0xE0100 + 16
                } else {
                    continue
                }
                if length == limit { return (length, true, .variationSelectors) }
                // SAFETY: `length < limit`, and `at + limit` is within the buffer.
                out[at + length] = UInt8(byte)
                length += 1
            }
            return (length, false, .variationSelectors)
        }
    }

    /// A decoded blob `out[at..<at + length]` that is a gzip or zlib stream is replaced by its
    /// inflated bytes (at most `limit`; a cut stream reports truncation, so the budget is
    /// exhausted and the verdict indeterminate rather than clean). Anything else is returned as is.
    /// Only a compressed blob allocates (a copy of it and zlib's state).
    func inflatingCompressed(at: Int, length: Int, truncated: Bool, limit: Int, _ kind: DecodedKinds)
        -> (Int, Bool, DecodedKinds) {
        guard !truncated, Inflate.isCompressed(out + at, length) else { return (length, truncated, kind) }
        let compressed = UnsafeMutablePointer<UInt8>.allocate(capacity: length)
        defer { compressed.deallocate() }
        // SAFETY: `out[at..<at + length]` was just written by the decoder, and `compressed` has
        // `length` elements; inflating writes at most `limit` bytes from `out + at`, the room the
        // caller gave the decoder.
        compressed.update(from: out + at, count: length)
        guard let (written, cut) = Inflate.inflate(compressed, length, into: out + at, limit: limit) else {
            return (0, false, kind)
        }
        return (written, cut, kind.union(.compressed))
    }

    /// Ascii85 of `source[start..<end]` as bytes: each group of five characters (`!` is 0, `u` is
    /// 84, base 85, most significant first) is four bytes, `z` four zero bytes, whitespace
    /// skipped; a final group of n characters is padded with `u` and gives n - 1 bytes. A group
    /// above 2^32 - 1 ends the data. Never writes more than four fifths of the source.
    func decodeAscii85(_ source: UnsafePointer<UInt8>, _ start: Int, _ end: Int, at: Int, limit: Int) -> (Int, Bool) {
        var length = 0
        var value: UInt64 = 0
        var digits = 0
        // SAFETY: reads are below `end <= count`; each write is at `at + length` with `length < limit`.
        func emit(_ group: UInt64, _ bytes: Int) -> Bool {
            for index in 0..<bytes {
                if length == limit { return false }
                out[at + length] = UInt8(truncatingIfNeeded: group >> (24 - 8 * UInt64(index)))
                length += 1
            }
            return true
        }
        var cursor = start
        while cursor < end {
            let byte = source[cursor]
            cursor += 1
            if byte == UInt8(ascii: "z") && digits == 0 {
                if !emit(0, 4) { return (length, true) }
                continue
            }
            guard (0x21...0x75).contains(byte) else { continue }
            value = value * 85 + UInt64(byte - 0x21)
            digits += 1
            if digits == 5 {
                guard value <= UInt64(UInt32.max) else { return (length, false) }
                if !emit(value, 4) { return (length, true) }
                value = 0
                digits = 0
            }
        }
        if digits >= 2 {
            for _ in digits..<5 { value = value * 85 + 84 }
            if value <= UInt64(UInt32.max), !emit(value, digits - 1) { return (length, true) }
        }
        return (length, false)
    }

    /// Hex digits of `source[start..<end]` as bytes: `0x` prefixes and separators skipped, an
    /// odd final digit dropped.
    func decodeHex(_ source: UnsafePointer<UInt8>, _ start: Int, _ end: Int, at: Int, limit: Int) -> (Int, Bool) {
        let hexValue = DecodeClass.hexValue
        var cursor = start
        var length = 0
        var high: UInt8 = 0xFF
        var tokenStart = true
        // SAFETY: reads in `start..<end`; writes below `at + limit`.
        while cursor < end {
            let byte = source[cursor]
            if tokenStart, byte == UInt8(ascii: "0"), cursor + 1 < end, source[cursor + 1] | 0x20 == UInt8(ascii: "x") {
                cursor += 2
                tokenStart = false
                continue
            }
            tokenStart = false
            let digit = hexValue[byte]
            cursor += 1
            if digit == 0xFF {
                tokenStart = true
                continue
            }
            if high == 0xFF {
                high = digit
                continue
            }
            if length == limit { return (length, true) }
            out[at + length] = high << 4 | digit
            length += 1
            high = 0xFF
        }
        return (length, false)
    }

    /// Copies `source[start..<end]` with every valid escape decoded.
    func decodeEscapes(_ source: UnsafePointer<UInt8>, _ start: Int, _ end: Int, at: Int, limit: Int)
        -> (Int, Bool, DecodedKinds) {
        var cursor = start
        var length = 0
        var kinds: DecodedKinds = []
        // A cluster with one escape only CSS writes reads its `\NNN ` escapes as CSS too.
        var cssContext = false
        while cursor < end && !cssContext {
            if source[cursor] == UInt8(ascii: "\\"), let escape = CandidateScanner.parseEscape(source, cursor, end) {
                cssContext = escape.kind == .cssEscape
                cursor += escape.length
            } else {
                cursor += 1
            }
        }
        cursor = start
        // SAFETY: reads in `start..<end` (escapes are parsed against `end`); every write is
        // preceded by a check that it fits below `at + limit`.
        while cursor < end {
            let byte = source[cursor]
            if CandidateScanner.startsEscape(byte), let escape = CandidateScanner.parseEscape(source, cursor, end, cssContext: cssContext) {
                let size = escape.isByte ? 1 : escape.value < 0x80 ? 1 : escape.value < 0x800 ? 2 : escape.value < 0x10000 ? 3 : 4
                if length + size > limit { return (length, true, kinds) }
                if escape.isByte {
                    out[at + length] = UInt8(escape.value)
                } else {
                    _ = UTF8Scalar.encode(escape.value, into: out, at: at + length)
                }
                length += size
                kinds.formUnion(escape.kind)
                cursor += escape.length
                continue
            }
            if length == limit { return (length, true, kinds) }
            out[at + length] = byte
            length += 1
            cursor += 1
        }
        return (length, false, kinds)
    }

    /// `length` cut back so the bytes do not end inside a UTF-8 sequence.
    static func trimToScalar(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Int {
        // SAFETY: reads only at indexes in `0..<length`.
        var lead = length - 1
        while lead >= 0 && length - lead <= 3 && bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0 else { return length }
        let byte = bytes[lead]
        let needed = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
        return length - lead >= needed ? length : lead
    }

    /// Valid UTF-8, at least 90% printable, at least one letter or digit.
    static func plausible(_ bytes: UnsafePointer<UInt8>, _ length: Int) -> Bool {
        guard length > 0 else { return false }
        var index = 0
        var scalars = 0
        var unprintable = 0
        var letters = 0
        // SAFETY: reads below `length` (`UTF8Scalar.decode` checks its own bounds).
        while index < length {
            let byte = bytes[index]
            scalars += 1
            if byte < 0x80 {
                if (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) || byte == 0x7F {
                    unprintable += 1
                } else if DecodeClass.table[byte] & DecodeClass.alphanumeric != 0 {
                    letters += 1
                }
                index += 1
                continue
            }
            let (value, size) = UTF8Scalar.decode(bytes, index, length)
            if size == 0 { return false }
            if value < 0xA0 || value == 0xFFFD || value == 0xFFFE || value == 0xFFFF {
                unprintable += 1
            } else if value >= 0xC0 {
                letters += 1
            }
            index += size
        }
        return letters > 0 && unprintable * 10 <= scalars
    }
}

// MARK: - HTML entities

/// Named HTML entities decoded by `Decoders`: ASCII punctuation names, a few spaces and dashes,
/// and the Latin-1 letters.
enum HTMLEntities {
    static let table: [(name: [UInt8], value: UInt32)] = {
        let entries: [(String, UInt32)] = [
            ("amp", 0x26), ("lt", 0x3C), ("gt", 0x3E), ("quot", 0x22), ("apos", 0x27), ("nbsp", 0xA0),
            ("Tab", 0x09), ("NewLine", 0x0A), ("excl", 0x21), ("num", 0x23), ("dollar", 0x24), ("percnt", 0x25),
            ("lpar", 0x28), ("rpar", 0x29), ("ast", 0x2A), ("plus", 0x2B), ("comma", 0x2C), ("period", 0x2E),
            ("sol", 0x2F), ("colon", 0x3A), ("semi", 0x3B), ("equals", 0x3D), ("quest", 0x3F), ("commat", 0x40),
            ("lsqb", 0x5B), ("bsol", 0x5C), ("rsqb", 0x5D), ("Hat", 0x5E), ("lowbar", 0x5F), ("grave", 0x60),
            ("lcub", 0x7B), ("verbar", 0x7C), ("rcub", 0x7D), ("shy", 0xAD), ("hyphen", 0x2010),
            ("ndash", 0x2013), ("mdash", 0x2014), ("lsquo", 0x2018), ("rsquo", 0x2019), ("ldquo", 0x201C),
            ("rdquo", 0x201D), ("hellip", 0x2026), ("zwnj", 0x200C), ("zwj", 0x200D),
            ("Agrave", 0xC0), ("Aacute", 0xC1), ("Acirc", 0xC2), ("Atilde", 0xC3), ("Auml", 0xC4), ("Aring", 0xC5),
            ("AElig", 0xC6), ("Ccedil", 0xC7), ("Egrave", 0xC8), ("Eacute", 0xC9), ("Ecirc", 0xCA), ("Euml", 0xCB),
            ("Igrave", 0xCC), ("Iacute", 0xCD), ("Icirc", 0xCE), ("Iuml", 0xCF), ("ETH", 0xD0), ("Ntilde", 0xD1),
            ("Ograve", 0xD2), ("Oacute", 0xD3), ("Ocirc", 0xD4), ("Otilde", 0xD5), ("Ouml", 0xD6), ("times", 0xD7),
            ("Oslash", 0xD8), ("Ugrave", 0xD9), ("Uacute", 0xDA), ("Ucirc", 0xDB), ("Uuml", 0xDC), ("Yacute", 0xDD),
            ("THORN", 0xDE), ("szlig", 0xDF), ("agrave", 0xE0), ("aacute", 0xE1), ("acirc", 0xE2), ("atilde", 0xE3),
            ("auml", 0xE4), ("aring", 0xE5), ("aelig", 0xE6), ("ccedil", 0xE7), ("egrave", 0xE8), ("eacute", 0xE9),
            ("ecirc", 0xEA), ("euml", 0xEB), ("igrave", 0xEC), ("iacute", 0xED), ("icirc", 0xEE), ("iuml", 0xEF),
            ("eth", 0xF0), ("ntilde", 0xF1), ("ograve", 0xF2), ("oacute", 0xF3), ("ocirc", 0xF4), ("otilde", 0xF5),
            ("ouml", 0xF6), ("divide", 0xF7), ("oslash", 0xF8), ("ugrave", 0xF9), ("uacute", 0xFA), ("ucirc", 0xFB),
            ("uuml", 0xFC), ("yacute", 0xFD), ("thorn", 0xFE), ("yuml", 0xFF),
        ]
        return entries.map { (Array($0.0.utf8), $0.1) }
    }()

    /// The value of the entity named by `name[0..<length]` (case-sensitive), or nil.
    static func lookup(_ name: UnsafePointer<UInt8>, _ length: Int) -> UInt32? {
        // SAFETY: reads below `length`, which the caller took from its own bounded scan.
        for entry in table where entry.name.count == length {
            var equal = true
            for k in 0..<length where entry.name[k] != name[k] {
                equal = false
                break
            }
            if equal { return entry.value }
        }
        return nil
    }
}
