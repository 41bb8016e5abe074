// The decoders' candidate scanner: where in a text a blob, an escape cluster or a run of
// invisible characters begins and ends (see `Decoders` for what counts).

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

    /// The bytes of the source it covers.
    var range: Range<Int> {
        switch self {
        case .run(let start, let end, _, _, _), .hexGroups(let start, let end), .escapes(let start, let end),
             .tags(let start, let end, _), .variationSelectors(let start, let end, _), .ascii85(let start, let end):
            return start..<end
        }
    }
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
    /// Whether it hides a letter or digit (see `Decoders`), or another escape, or is a
    /// quoted-printable space or tab: written `=20`, the spaces glue the words of a sentence
    /// into one token ("Write=20ransomware=20in"), so no word boundary is found in it.
    var notable: Bool {
        if wrapsEscape { return true }
        if kind == .quotedPrintable && (value == 0x20 || value == 0x09) { return true }
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
    /// End of the last token `bareAscii85` looked at.
    var bareAscii85CheckedUntil = 0
    /// The prefilter's masks of bytes `maskedFrom ..< maskedFrom + maskedCount`, kept for its next
    /// call: a text dense with stops (code full of `=`) is classified once, not once per stop.
    var masked = ByteClassMasks.Block()
    var maskedFrom = 0
    var maskedCount = 0

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
            // A long run of the ascii85 alphabet: a bare ascii85 blob, if its token is one.
            if event.ascii85Run >= Self.minBareAscii85, let candidate = bareAscii85(around: event.index) {
                return found(candidate)
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
    /// Sixty-four bytes at a time: `DecodeClass.prefilterMasks` gives one mask per kind, and the
    /// first stop in a block and the runs that end there are found with shifts and bit counts
    /// (`firstReach`, `runEnding`), carrying each run's length across blocks. The answer is the
    /// byte loop's (`prefilterEventByteByByte`, checked by tests).
    mutating func prefilterEvent(from: Int) -> (index: Int, base64Run: Int, hexRun: Int, ascii85Run: Int)? {
        let shortest = Swift.min(minBase64, minHex)
        var base64Run = 0, hexRun = 0, ascii85Run = 0
        var offset = from
        while offset < count {
            if offset < maskedFrom || offset >= maskedFrom + maskedCount {
                maskedFrom = offset
                maskedCount = Swift.min(64, count - offset)
                // SAFETY: `offset + maskedCount <= count`.
                masked = DecodeClass.prefilterMasks.block(input + offset, count: maskedCount)
            }
            // This call's block: the kept masks from `offset` on.
            let skip = UInt64(offset - maskedFrom)
            let length = maskedFrom + maskedCount - offset
            let base64 = masked[0] >> skip, hex = masked[1] >> skip, special = masked[2] >> skip, ascii85 = masked[3] >> skip
            var stop = special == 0 ? 64 : special.trailingZeroBitCount
            stop = Swift.min(stop, Self.firstReach(base64Run, base64, shortest))
            stop = Swift.min(stop, Self.firstReach(hexRun, hex, minHex))
            stop = Swift.min(stop, Self.firstReach(ascii85Run, ascii85, Self.minBareAscii85))
            if stop < length {
                return (offset + stop, Self.runEnding(at: stop, base64Run, base64), Self.runEnding(at: stop, hexRun, hex),
                        Self.runEnding(at: stop, ascii85Run, ascii85))
            }
            base64Run = Self.runEnding(at: length - 1, base64Run, base64)
            hexRun = Self.runEnding(at: length - 1, hexRun, hex)
            ascii85Run = Self.runEnding(at: length - 1, ascii85Run, ascii85)
            offset += length
        }
        return nil
    }

    /// The prefilter's definition, one byte at a time from `from` with the given runs before it.
    func prefilterEventByteByByte(from: Int, base64Run: Int = 0, hexRun: Int = 0, ascii85Run: Int = 0)
        -> (index: Int, base64Run: Int, hexRun: Int, ascii85Run: Int)? {
        let filter = DecodeClass.prefilter
        let shortest = Swift.min(minBase64, minHex)
        var base64Run = base64Run, hexRun = hexRun, ascii85Run = ascii85Run
        var offset = from
        // SAFETY: `offset < count`.
        while offset < count {
            let bits = filter[input[offset]]
            base64Run = bits & 1 != 0 ? base64Run + 1 : 0
            hexRun = bits & 2 != 0 ? hexRun + 1 : 0
            ascii85Run = bits & 8 != 0 ? ascii85Run + 1 : 0
            if bits & 4 != 0 || base64Run >= shortest || hexRun >= minHex || ascii85Run >= Self.minBareAscii85 {
                return (offset, base64Run, hexRun, ascii85Run)
            }
            offset += 1
        }
        return nil
    }

    /// The first bit at which a run that had `run` (< `length`) characters before the block,
    /// continued by the block's `mask` (bit i: byte i belongs to the run's kind), is `length`
    /// long; 64 if it never is in the block.
    @inline(__always)
    static func firstReach(_ run: Int, _ mask: UInt64, _ length: Int) -> Int {
        if run + (~mask).trailingZeroBitCount >= length { return length - run - 1 }
        let found = windows(mask, length)
        return found == 0 ? 64 : found.trailingZeroBitCount + length - 1
    }

    /// Bit i set where bits i ..< i + `length` of `mask` are all set (none when `length` > 64):
    /// windows of doubling width ANDed with themselves shifted, then one last overlapping step.
    @inline(__always)
    static func windows(_ mask: UInt64, _ length: Int) -> UInt64 {
        guard length <= 64 else { return 0 }
        var found = mask
        var width = 1
        while width * 2 <= length {
            found &= found >> UInt64(width)
            width *= 2
        }
        if width < length { found &= found >> UInt64(length - width) }
        return found
    }

    /// The length of the run that ends at bit `index` (0-63) of `mask`, given `run` characters
    /// before bit 0: the set bits down from `index`, plus `run` when they reach bit 0.
    @inline(__always)
    static func runEnding(at index: Int, _ run: Int, _ mask: UInt64) -> Int {
        let ones = (~(mask << UInt64(63 - index))).leadingZeroBitCount
        return ones == index + 1 ? run + ones : ones
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
                if let candidate = bareAscii85(around: cursor) { return found(candidate) }
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

    /// Ascii85 without its `<~ ~>`: the whitespace-delimited token around `index` (a `%`, `&`,
    /// `=` or `\\`, which most blobs hold), if it has at least `minBareAscii85` characters, all of
    /// the alphabet (`!`–`u`, `z`), with punctuation among them at least every `bareAscii85Spacing`
    /// characters: a run that long and that dense is neither a word nor a base64 blob. URLs and
    /// paths can pass; what they decode to is not text, and the decoder drops it.
    private mutating func bareAscii85(around index: Int) -> Candidate? {
        // Each token is looked at once, whatever the number of special bytes in it (linear time).
        guard index >= bareAscii85CheckedUntil else { return nil }
        // SAFETY: every read is at an index in `floor ..< count`.
        var end = index
        var punctuation = 0, escapeLike = 0
        while end < count, Self.isAscii85(input[end]) {
            let bits = DecodeClass.table[input[end]]
            if bits & DecodeClass.alphanumeric == 0 { punctuation += 1 }
            if bits & DecodeClass.special != 0 { escapeLike += 1 }
            end += 1
        }
        bareAscii85CheckedUntil = end
        var start = index
        while start > floor, Self.isAscii85(input[start - 1]) {
            start -= 1
            let bits = DecodeClass.table[input[start]]
            if bits & DecodeClass.alphanumeric == 0 { punctuation += 1 }
            if bits & DecodeClass.special != 0 { escapeLike += 1 }
        }
        // Escapes (`%77%72`, `&#107;`, `\\167`) have their lead byte every few characters; in
        // ascii85 `%`, `&`, `=` and `\\` are 4 of 85 characters. Escapes are the escape
        // decoder's to read.
        guard start == 0 || DecodeClass.table[input[start - 1]] & DecodeClass.space != 0,
              end == count || DecodeClass.table[input[end]] & DecodeClass.space != 0,
              end - start >= Self.minBareAscii85, punctuation * Self.bareAscii85Spacing >= end - start,
              escapeLike * Self.bareAscii85Spacing < end - start else { return nil }
        return .ascii85(start: start, end: end)
    }

    /// The shortest bare ascii85 token read (about 25 bytes of payload).
    static let minBareAscii85 = 32
    /// A bare ascii85 token has punctuation at least this often (random ascii85 has one in three).
    static let bareAscii85Spacing = 8

    @inline(__always)
    static func isAscii85(_ byte: UInt8) -> Bool { (0x21...0x75).contains(byte) || byte == UInt8(ascii: "z") }

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
