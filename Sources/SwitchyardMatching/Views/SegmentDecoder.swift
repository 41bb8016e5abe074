// The decoders' writer: decodes each candidate into the output buffer, within the budget.

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
    /// When not nil, each committed segment's output range and the range of the text (depth 1)
    /// it comes from: for mapping decoded spans back (`Decoders.blob`), never on the hot path.
    var origins: [(output: Range<Int>, source: Range<Int>)]? = nil
    /// The depth-1 candidate being decoded (deeper segments come from it too).
    private var topSource = 0..<0

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
            if depth == 1 { topSource = candidate.range }
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
            origins?.append((segmentStart..<segmentStart + kept, topSource))
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
