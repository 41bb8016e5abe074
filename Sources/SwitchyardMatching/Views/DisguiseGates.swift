// DisguiseGates: one pass that finds where the skeleton and squeezed views can differ from the
// text (leet between letters, "maIware" casing, look-alike letters; split letters and in-word
// markup), so that those views are built only around such places.
//
// The pass reads 64 bytes at a time. Each byte's kinds come from one 256-entry table (bits
// below), read as one 64-bit mask per kind (`ByteClassMasks`, SIMD nibble lookups), so "a leet
// byte right after a letter" is `leet & letter << 1` for the whole block. Ordinary prose rarely
// sets any candidate bit, and only candidate bytes go through the exact byte-level checks.

/// Finds the windows of the skeleton and squeezed views of a text (see `ViewWindows`).
public enum DisguiseGates {
    /// The places found, as windows widened by `radius`, into `skeleton` (leet between letters,
    /// each non-ASCII look-alike) and `squeezed` (three or more single characters in a row, at
    /// least two of them letters, split only by light separators: "r a n s", "m.a.l"; markup
    /// inside a word, not an underscore alone: "ran**som", "key~log"); and into `caseSwaps`,
    /// unwidened, each `I` after a lowercase letter and each uppercase letter after an `l`
    /// ("maIware", "lNJECT"): camelCase identifiers make these too ("getItem"), so the caller
    /// decides which deserve a skeleton window. Reset all three windows first.
    ///
    /// Stricter than "any digit" or "any single letter", so that version numbers, hashes,
    /// identifiers ("md5", "x86", "$var", "snake_case"), "a C function", "e.g." and Markdown code
    /// spans in long technical texts open no window.
    /// - Returns: whether each view got a window, and why.
    /// - Complexity: O(n), 64 bytes per step.
    @discardableResult
    public static func find(_ text: UnsafeRawBufferPointer, radius: Int, skeleton: inout ViewWindows, squeezed: inout ViewWindows,
                            caseSwaps: inout ViewWindows) -> Findings {
        var findings = Findings()
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return findings }
        let count = text.count
        var singles = SingleRun()
        let masks = kindMasks
        var seenHigh: UInt64 = 0
        // The last byte of the block before: whether it was a letter, a lowercase letter, a token.
        var letterCarry: UInt64 = 0, lowerCarry: UInt64 = 0, tokenCarry: UInt64 = 0
        // SAFETY: `block` reads `min(64, count - offset)` bytes at `offset < count`.
        var current = masks.block(input, count: Swift.min(64, count))
        var offset = 0
        while offset < count {
            let nextOffset = offset + 64
            let next = nextOffset < count ? masks.block(input + nextOffset, count: Swift.min(64, count - nextOffset)) : ByteClassMasks.Block()
            // Bit i: byte i is of the kind (`kindTable`'s bit `kind`); "before" and "after" are the
            // bytes either side, across block edges.
            let letter = current[0], upper = current[1], leetByte = current[2], tokenByte = current[3]
            let markupByte = current[4], highByte = current[5], lowerByte = current[6], separatorByte = current[7]
            let letterBefore = letter << 1 | letterCarry
            let tokenBefore = tokenByte << 1 | tokenCarry
            let tokenAfter = tokenByte >> 1 | next[3] << 63
            seenHigh |= highByte
            var skeletonBits = leetByte & letterBefore | upper & (lowerByte << 1 | lowerCarry)
            var singleBits = tokenByte & ~tokenBefore & ~tokenAfter | highByte & ~tokenBefore
            var markupBits = markupByte & tokenBefore
            // The first byte that can start a separator inside a word: an ASCII separator or a
            // non-ASCII byte right after an ASCII letter (`InWordSeparators` starts there).
            if findings.separatorsFrom == nil {
                let separatorBits = (separatorByte | highByte) & letterBefore
                if separatorBits != 0 { findings.separatorsFrom = offset + separatorBits.trailingZeroBitCount }
            }
            // SAFETY (all three loops): a bit is set only for a byte inside the text (the masks
            // are zero past its end), so `index < count`.
            while skeletonBits != 0 {
                let index = offset + skeletonBits.trailingZeroBitCount
                skeletonBits &= skeletonBits - 1
                switch checkSkeleton(input, index, count, radius: radius, into: &skeleton, caseSwaps: &caseSwaps) {
                case .leet:
                    findings.skeleton = true
                case .caseSwap:
                    findings.caseSwaps = true
                case .none:
                    break
                }
            }
            while singleBits != 0 {
                let index = offset + singleBits.trailingZeroBitCount
                singleBits &= singleBits - 1
                if singles.token(at: index, input, count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            while markupBits != 0 {
                let index = offset + markupBits.trailingZeroBitCount
                markupBits &= markupBits - 1
                if checkMarkup(input, index, count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            letterCarry = letter >> 63
            lowerCarry = lowerByte >> 63
            tokenCarry = tokenByte >> 63
            current = next
            offset = nextOffset
        }
        if seenHigh != 0 && TextViews.addLatinLookalikes(text, radius: radius, into: &skeleton) {
            findings.skeleton = true
        }
        return findings
    }

    /// What `find` found.
    public struct Findings: Sendable {
        /// The skeleton view got a window: leet between letters or a non-ASCII look-alike.
        public var skeleton = false
        /// Some `I`/`l` case swap was recorded in `caseSwaps`.
        public var caseSwaps = false
        /// The squeezed view got a window.
        public var squeezed = false
        /// The first byte that could start a separator inside a word (`InWordSeparators`): an
        /// ASCII separator or markup byte, or a non-ASCII byte, right after an ASCII letter. Nil:
        /// `InWordSeparators.find` would find nothing; otherwise it finds nothing before this.
        public var separatorsFrom: Int? = nil
    }

    /// Why `checkSkeleton` opened a window.
    enum SkeletonReason {
        case none, leet, caseSwap
    }

    // MARK: Byte kinds

    static let letter: UInt8 = 0x01   // ASCII letter
    static let upper: UInt8 = 0x02    // ASCII uppercase letter
    static let leet: UInt8 = 0x04     // 0-5 7-9 @ $ + | !  (6 is left out: "6" rarely stands for a letter)
    static let token: UInt8 = 0x08    // ASCII letter or digit, or any byte >= 0x80
    static let markup: UInt8 = 0x10   // * _ ~ ` | ^
    static let high: UInt8 = 0x20     // >= 0x80
    static let lower: UInt8 = 0x40    // ASCII lowercase letter
    static let separator: UInt8 = 0x80 // may start a separator inside a word: - _ / \ + * ~ ` | ^ < LF CR

    static let kindTable = ByteTable { value in
        let byte = UInt8(value)
        var bits: UInt8 = 0
        if (0x61...0x7A).contains(byte) { bits |= letter | lower | token }
        if (0x41...0x5A).contains(byte) { bits |= letter | upper | token }
        if (0x30...0x39).contains(byte) { bits |= token }
        if byte >= 0x80 { bits |= token | high }
        if ((0x30...0x35).contains(byte) || (0x37...0x39).contains(byte)) || [0x40, 0x24, 0x2B, 0x7C, 0x21].contains(byte) { bits |= leet }
        if TextTransforms.isMarkup(byte) { bits |= markup }
        if InWordSeparators.byteKinds[byte] & InWordSeparators.separatorStart != 0 && byte < 0x80 { bits |= separator }
        return bits
    }

    /// `kindTable` as 64-byte masks: class k is its bit 1 << k.
    static let kindMasks = ByteClassMasks { value in kindTable[UInt8(value)] }

    // MARK: Exact checks at candidate bytes

    /// Byte `index` is a leet byte after a letter, or an uppercase letter after a lowercase one.
    @inline(__always)
    static func checkSkeleton(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int, radius: Int, into windows: inout ViewWindows,
                              caseSwaps: inout ViewWindows) -> SkeletonReason {
        let table = kindTable
        let kind = table[input[index]]
        if kind & leet != 0 {
            // A leet run that a letter closes: "h4ck", "pa$$word".
            var end = index
            while end < count && table[input[end]] & (leet | letter) == leet { end += 1 }
            guard end < count && table[input[end]] & letter != 0 else { return .none }
            windows.add(index - 1..<end + 1, radius: radius)
            return .leet
        }
        // "maIware" (I for l) and "Ioader"-style swaps: an I after a lowercase letter, or an
        // uppercase letter after an l.
        guard input[index] == 0x49 || input[index - 1] == 0x6C else { return .none }
        caseSwaps.add(index - 1..<index + 1, radius: 0)
        return .caseSwap
    }

    /// Byte `index` starts a separator run right after a token, with markup first: a window if
    /// the run is all markup (not only underscores) and a token follows.
    @inline(__always)
    static func checkMarkup(_ input: UnsafePointer<UInt8>, _ index: Int, _ count: Int, radius: Int, into windows: inout ViewWindows) -> Bool {
        let table = kindTable
        var end = index
        var underscoresOnly = true
        while end < count && table[input[end]] & token == 0 {
            guard table[input[end]] & markup != 0 else { return false }
            if input[end] != 0x5F { underscoresOnly = false }
            end += 1
        }
        guard end < count && !underscoresOnly else { return false }
        windows.add(index - 1..<end + 1, radius: radius)
        return true
    }

    /// The run of single-character tokens being read.
    struct SingleRun {
        var count = 0
        var letters = 0
        var start = 0
        var end = 0

        /// Byte `index` starts a token that may be a single character (a lone byte, or a token
        /// that starts with a non-ASCII byte). Extends or restarts the run; adds the run as a
        /// window once it has three singles, two of them letters.
        @inline(__always)
        mutating func token(at index: Int, _ input: UnsafePointer<UInt8>, _ count: Int, radius: Int, into windows: inout ViewWindows) -> Bool {
            var tokenEnd = index + 1
            while tokenEnd < count && tokenEnd - index <= 4 && DisguiseGates.kindTable[input[tokenEnd]] & DisguiseGates.token != 0 { tokenEnd += 1 }
            let length = tokenEnd - index
            // (The scan stops past four bytes: a fifth token byte means "not single".)
            let single = length == 1 || (length <= 4 && input[index] >= 0xC0 && characters(input, index, tokenEnd) == 1)
            guard single else { return false }
            // The run goes on only if everything since the last single is light separators (a
            // longer token or heavier punctuation in between ends it).
            if self.count > 0 && lightOnly(input, self.end, index) {
                self.count += 1
            } else {
                self.count = 1
                self.letters = 0
                self.start = index
            }
            if !(input[index] >= 0x30 && input[index] <= 0x39) { letters += 1 }
            end = tokenEnd
            guard self.count >= 3 && letters >= 2 else { return false }
            windows.add(start..<tokenEnd, radius: radius)
            return true
        }

        /// Whether `input[from ..< to]` is all light separators.
        @inline(__always)
        func lightOnly(_ input: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Bool {
            for index in from..<to where !TextTransforms.isLight(input[index]) { return false }
            return true
        }

        /// Characters (not bytes) in `input[from ..< to]`: continuation bytes do not count.
        @inline(__always)
        func characters(_ input: UnsafePointer<UInt8>, _ from: Int, _ to: Int) -> Int {
            var characters = 0
            for index in from..<to where input[index] & 0xC0 != 0x80 { characters += 1 }
            return characters
        }
    }
}
