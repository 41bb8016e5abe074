// DisguiseGates: one pass that finds where the skeleton and squeezed views can differ from the
// text (leet between letters, "maIware" casing, look-alike letters; split letters and in-word
// markup), so that those views are built only around such places.
//
// The pass reads eight bytes at a time. Each byte's kind comes from one 256-entry table (bits
// below); the eight kinds sit in one UInt64, one byte lane each, so "a leet byte right after a
// letter" is a shift and an AND across all eight lanes at once. Ordinary prose rarely sets any
// candidate lane, and only candidate lanes go through the exact byte-level checks.

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
    /// - Complexity: O(n), eight bytes per step.
    @discardableResult
    public static func find(_ text: UnsafeRawBufferPointer, radius: Int, skeleton: inout ViewWindows, squeezed: inout ViewWindows,
                            caseSwaps: inout ViewWindows) -> Findings {
        var findings = Findings()
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return findings }
        let count = text.count
        var singles = SingleRun()
        let table = kindTable
        var seen: UInt64 = 0
        var previous: UInt64 = 0
        var current = kinds(input, 0, count, table)
        var offset = 0
        while offset < count {
            let next = kinds(input, offset + 8, count, table)
            seen |= current
            let before = current << 8 | previous >> 56  // lane i: the kind of the byte before byte i
            let after = current >> 8 | next << 56       // lane i: the kind of the byte after byte i
            let leetAfterLetter = current >> 2 & before
            let upperAfterLower = current >> 1 & before >> 6
            let alone = current >> 3 & ~(before >> 3) & ~(after >> 3)
            let nonASCIIStart = current >> 5 & ~(before >> 3)
            let markupAfterToken = current >> 4 & before >> 3
            var skeletonLanes = (leetAfterLetter | upperAfterLower) & lanes
            var singleLanes = (alone | nonASCIIStart) & lanes
            var markupLanes = markupAfterToken & lanes
            // The first byte that can start a separator inside a word: an ASCII separator or a
            // non-ASCII byte right after an ASCII letter (`InWordSeparators` starts there).
            if findings.separatorsFrom == nil {
                let separatorLanes = (current >> 7 | current >> 5) & before & lanes
                if separatorLanes != 0 { findings.separatorsFrom = offset + separatorLanes.trailingZeroBitCount / 8 }
            }
            // SAFETY (all three loops): a lane is set only for a byte inside the text (`kinds`
            // leaves lanes past the end zero), so `index < count`.
            while skeletonLanes != 0 {
                let index = offset + skeletonLanes.trailingZeroBitCount / 8
                skeletonLanes &= skeletonLanes - 1
                switch checkSkeleton(input, index, count, radius: radius, into: &skeleton, caseSwaps: &caseSwaps) {
                case .leet:
                    findings.skeleton = true
                case .caseSwap:
                    findings.caseSwaps = true
                case .none:
                    break
                }
            }
            while singleLanes != 0 {
                let index = offset + singleLanes.trailingZeroBitCount / 8
                singleLanes &= singleLanes - 1
                if singles.token(at: index, input, count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            while markupLanes != 0 {
                let index = offset + markupLanes.trailingZeroBitCount / 8
                markupLanes &= markupLanes - 1
                if checkMarkup(input, index, count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            previous = current
            current = next
            offset += 8
        }
        if seen & lanes << 5 != 0 && TextViews.addLatinLookalikes(text, radius: radius, into: &skeleton) {
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
    /// The lowest bit of every byte lane.
    static let lanes: UInt64 = 0x0101_0101_0101_0101

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

    /// The kinds of bytes `offset ..< offset + 8`, one per lane (lane 0 = byte `offset`); lanes
    /// past `count` are 0, as if the text ended in non-token bytes.
    @inline(__always)
    static func kinds(_ input: UnsafePointer<UInt8>, _ offset: Int, _ count: Int, _ table: ByteTable) -> UInt64 {
        var word: UInt64 = 0
        if offset + 8 <= count {
            // SAFETY: `offset + 8 <= count`.
            let bytes = UnsafeRawPointer(input + offset).loadUnaligned(as: UInt64.self)
            for lane in 0..<8 {
                word |= UInt64(table[UInt8(truncatingIfNeeded: bytes >> (8 * UInt64(lane)))]) << (8 * UInt64(lane))
            }
        } else if offset < count {
            // SAFETY: `offset + lane < count`.
            for lane in 0..<(count - offset) {
                word |= UInt64(table[input[offset + lane]]) << (8 * UInt64(lane))
            }
        }
        return word
    }

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
