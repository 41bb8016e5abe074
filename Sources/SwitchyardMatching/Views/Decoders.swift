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
///   marks), or is a QP space or tab (`=20` between words makes a sentence one token), and a
///   cluster of them only with at least three such: "C:\dev", "\bad\b" and "?id=41" stay as written.
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
        var origins: [(output: Range<Int>, source: Range<Int>)]? = nil
        return decode(text, budget: budget, into: &output, origins: &origins)
    }

    /// The range of `text` holding the blob whose decoding (at any depth) `span` of `decode`'s
    /// output lies in, or nil if it lies in none. Decodes again: for showing a decoded match in
    /// the request (`--explain`), not for the hot path.
    package static func blob(of span: Range<Int>, in text: UnsafeRawBufferPointer, budget: DecodeBudget) -> Range<Int>? {
        var output: [UInt8] = []
        var origins: [(output: Range<Int>, source: Range<Int>)]? = []
        _ = decode(text, budget: budget, into: &output, origins: &origins)
        // The innermost segment holding the span's start (deeper segments follow their parent).
        return origins?.last { $0.output.contains(span.lowerBound) || ($0.output.isEmpty && $0.output.lowerBound == span.lowerBound) }?.source
    }

    private static func decode(_ text: UnsafeRawBufferPointer, budget: DecodeBudget, into output: inout [UInt8],
                               origins: inout [(output: Range<Int>, source: Range<Int>)]?) -> DecodeReport {
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
            decoder.origins = origins
            decoder.level(source: input, count: count, depth: 1)
            report = decoder.report
            written = decoder.written
            origins = decoder.origins
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
    /// `x`, `X` or hex group separator; 4 = a byte that can start an escape or an invisible run;
    /// 8 = an ascii85 character (`!`–`u`, `z`).
    static let prefilter = ByteTable { value in
        let bits = table[UInt8(value)]
        var result: UInt8 = 0
        if bits & base64 != 0 || value == 0x3D { result |= 1 }
        if bits & hexDigit != 0 || value == 0x78 || value == 0x58 || value == 0x20 || value == 0x2C
            || value == 0x3A || value == 0x3B { result |= 2 }
        if bits & special != 0 { result |= 4 }
        if (0x21...0x75).contains(value) || value == 0x7A { result |= 8 }
        return result
    }

    /// `prefilter`'s four kinds as 64-byte masks (classes 0-3: its bits 1, 2, 4, 8).
    static let prefilterMasks = ByteClassMasks { value in prefilter[UInt8(value)] }

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
