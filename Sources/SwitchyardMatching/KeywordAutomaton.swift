// KeywordAutomaton: an Aho-Corasick keyword matcher compiled into flat tables.
//
// Table layout (C = classCount, N = stateCount):
// - `byteClass[256]`: byte → class. Every byte that occurs in a pattern (ASCII letters folded to
//   lower case) has its own class; class 0 stands for all other bytes.
// - `transitions[N * C]`: the full DFA, row per state. Entries are target states premultiplied by
//   C, so a state *is* its row offset and one step is `state = transitions[state + byteClass[b]]`.
// - States are numbered so that those with outputs (their own or inherited through suffix links)
//   come first; `state < matchLimit` (also premultiplied) is the only per-byte test.
// - Match state m = state / C reports `outputs[outputStart[m] ..< outputStart[m + 1]]`: patterns
//   already merged along suffix links, so nothing is chased at scan time. Each output is one
//   UInt64 holding everything a report needs: the pattern id or the value the builder was given
//   for it (bits 0-31), its length (32-55;
//   start = end - length) and its word-boundary flags (56-63), so a hit costs one table read.

/// Receives keyword hits during a scan.
public protocol KeywordHitSink {
    /// `pattern` is the id returned by `Builder.add` (or the value given for it to
    /// `Builder.build(maxStates:reporting:)`); `start..<end` is the byte range in the scanned text.
    mutating func keywordHit(pattern: UInt32, start: Int, end: Int)
}

/// Many byte-string keywords matched in one pass, ASCII case-insensitively, with optional
/// word-boundary conditions per keyword. Build with `Builder`; immutable and shareable afterwards.
public final class KeywordAutomaton: Sendable {
    /// Collects keywords, then compiles them with `build`.
    public struct Builder: Sendable {
        var patterns: [[UInt8]] = []
        var flags: [UInt8] = []

        /// An empty builder.
        public init() {}

        /// Adds a pattern; returns its id (0, 1, 2, ... in insertion order). Duplicate byte strings are
        /// allowed and each id is reported.
        /// - Parameters:
        ///   - wordStart: the byte before a match must not be a word byte (or the match starts the text).
        ///   - wordEnd: the byte after a match must not be a word byte (or the match ends the text).
        @discardableResult
        public mutating func add(_ bytes: [UInt8], wordStart: Bool, wordEnd: Bool) -> UInt32 {
            precondition(patterns.count < Int(UInt32.max), "too many keyword patterns")
            let id = UInt32(patterns.count)
            patterns.append(bytes.map(KeywordAutomaton.foldASCII))
            flags.append((wordStart ? KeywordAutomaton.wordStartFlag : 0) | (wordEnd ? KeywordAutomaton.wordEndFlag : 0))
            return id
        }

        /// Number of patterns added so far.
        public var count: Int { patterns.count }

        /// Compiles the patterns. Throws `emptyPattern` for the first empty pattern, or
        /// `tooManyStates` if the trie would need more than `maxStates` states.
        public func build(maxStates: Int = 4_000_000) throws(KeywordAutomaton.BuildError) -> KeywordAutomaton {
            try KeywordAutomaton(patterns: patterns, flags: flags, values: nil, maxStates: maxStates)
        }

        /// Compiles the patterns as `build(maxStates:)` does, but hits on pattern `id` report
        /// `values[id]` instead of `id`: for example an offset into the caller's own table, so
        /// that a hit goes straight to what it means without a lookup by id.
        /// - Precondition: `values.count == count`.
        public func build(maxStates: Int = 4_000_000, reporting values: [UInt32]) throws(KeywordAutomaton.BuildError) -> KeywordAutomaton {
            precondition(values.count == patterns.count, "one reported value per pattern")
            return try KeywordAutomaton(patterns: patterns, flags: flags, values: values, maxStates: maxStates)
        }
    }

    /// Why an automaton could not be built.
    public enum BuildError: Error, Equatable, CustomStringConvertible {
        /// Pattern `id` is empty (it would match everywhere).
        case emptyPattern(id: UInt32)
        /// The automaton needs more than `limit` states.
        case tooManyStates(limit: Int)
        /// Pattern `id` is longer than `maxPatternBytes`.
        case patternTooLong(id: UInt32)

        /// A human-readable message.
        public var description: String {
            switch self {
            case .emptyPattern(let id): "keyword pattern \(id) is empty"
            case .tooManyStates(let limit): "keyword automaton needs more than \(limit) states"
            case .patternTooLong(let id): "keyword pattern \(id) is longer than \(KeywordAutomaton.maxPatternBytes) bytes"
            }
        }
    }

    // MARK: Tables (see the file header)

    @usableFromInline let byteClass: [UInt8]
    @usableFromInline let transitions: [UInt32]
    @usableFromInline let classCount: Int
    /// ceil(2^32 / classCount): `(state * matchReciprocal) >> 32 == state / classCount` for every
    /// premultiplied state (an exact multiple below 2^32), without a division instruction.
    @usableFromInline let matchReciprocal: UInt64
    /// Premultiplied start state (the trie root).
    @usableFromInline let startState: UInt32
    /// Premultiplied: states below this have outputs.
    @usableFromInline let matchLimit: UInt32
    @usableFromInline let outputStart: [UInt32]
    /// Packed outputs: pattern id | length << 32 | flags << 56 (see the file header).
    @usableFromInline let outputs: [UInt64]

    /// The longest pattern the packed outputs can describe.
    public static let maxPatternBytes = (1 << 24) - 1

    /// Number of patterns (ids are 0..<patternCount).
    public let patternCount: Int
    /// Number of DFA states.
    public let stateCount: Int
    /// Length of the longest pattern in bytes.
    public let longestPattern: Int
    /// Approximate size of the tables in bytes.
    public var memoryBytes: Int {
        byteClass.count + transitions.count * 4 + outputStart.count * 4 + outputs.count * 8
    }

    @usableFromInline static var wordStartFlag: UInt8 { 1 }
    @usableFromInline static var wordEndFlag: UInt8 { 2 }

    /// ASCII upper case to lower case; every other byte unchanged.
    static func foldASCII(_ byte: UInt8) -> UInt8 {
        byte &- 0x41 < 26 ? byte | 0x20 : byte
    }

    /// Word bytes: ASCII letters and digits, '_', and every byte >= 0x80.
    @inlinable @inline(__always)
    public static func isWordByte(_ byte: UInt8) -> Bool {
        // Bitmaps of the ASCII word bytes: '0'-'9' among 0x00-0x3F; 'A'-'Z', '_', 'a'-'z' among 0x40-0x7F.
        let bits: UInt64 = byte < 0x40 ? 0x03FF_0000_0000_0000 : 0x07FF_FFFE_87FF_FFFE
        return byte >= 0x80 || (bits >> UInt64(byte & 0x3F)) & 1 != 0
    }

    /// Whether the text has a word character just before `index` (false at the start). An ASCII
    /// byte is one by `isWordByte`; a non-ASCII scalar is one unless it is punctuation, a space or
    /// a CJK character (`isNonWordScalar`), so "¿cómo", "«ransomware»", "、作る" and "写个keylogger"
    /// begin and end words there.
    @inlinable
    public static func isWord(before index: Int, in text: UnsafeRawBufferPointer) -> Bool {
        guard index > 0 else { return false }
        let last = text[index &- 1]
        if last < 0x80 { return isWordByte(last) }
        // Back over at most three continuation bytes to the scalar's lead byte.
        var lead = index &- 1
        while lead > 0 && index &- lead < 4 && text[lead] & 0xC0 == 0x80 { lead &-= 1 }
        return !isNonWordScalar(at: lead, in: text, width: index &- lead)
    }

    /// Whether the text has a word character at `index` (false at the end); see `isWord(before:in:)`.
    @inlinable
    public static func isWord(at index: Int, in text: UnsafeRawBufferPointer) -> Bool {
        guard index < text.count else { return false }
        let byte = text[index]
        return byte < 0x80 ? isWordByte(byte) : !isNonWordScalar(at: index, in: text, width: nil)
    }

    /// Whether the UTF-8 scalar whose lead byte is at `index` separates words: Latin-1
    /// punctuation (¡ « » ¿ …), general punctuation (quotes, dashes, spaces), supplemental
    /// punctuation, CJK punctuation (、 。 「 」 ・), vertical and small forms, full-width ASCII
    /// punctuation, and the characters of scripts written without spaces (kana, CJK ideographs,
    /// Hangul syllables, half-width katakana): Chinese and Japanese writers put a Latin term
    /// straight against them ("写个keylogger", "EDRを回避"), and RE2's ASCII `\b` already reads a
    /// boundary there. Anything else non-ASCII, malformed bytes included, is a word character, as
    /// every byte >= 0x80 is for `isWordByte`. With `width`, the scalar must be that many bytes
    /// long (it ends where a hit starts).
    @inlinable
    static func isNonWordScalar(at index: Int, in text: UnsafeRawBufferPointer, width: Int?) -> Bool {
        let count = text.count
        let lead = UInt32(text[index])
        @inline(__always) func continuation(_ offset: Int) -> UInt32? {
            guard index &+ offset < count else { return nil }
            let byte = text[index &+ offset]
            return byte & 0xC0 == 0x80 ? UInt32(byte & 0x3F) : nil
        }
        let scalar: UInt32
        if lead & 0xE0 == 0xC0, width ?? 2 == 2, let second = continuation(1) {
            scalar = (lead & 0x1F) << 6 | second
        } else if lead & 0xF0 == 0xE0, width ?? 3 == 3, let second = continuation(1), let third = continuation(2) {
            scalar = (lead & 0x0F) << 12 | second << 6 | third
        } else {
            return false
        }
        switch scalar {
        case 0xA0...0xBF:
            // Not the ordinal indicators ª º, superscripts ² ³ ¹, micro sign µ and fractions ¼ ½ ¾
            // (bits 10, 18, 19, 21, 25, 26, 28-30 of the offset from U+00A0): letters and digits.
            let wordLike: UInt32 = 1 << 10 | 1 << 18 | 1 << 19 | 1 << 21 | 1 << 25 | 1 << 26 | 1 << 28 | 1 << 29 | 1 << 30
            return wordLike >> (scalar - 0xA0) & 1 == 0
        case 0xD7, 0xF7, 0x2000...0x206F, 0x2E00...0x2E7F, 0x3000...0x3003, 0x3008...0x3011, 0x3014...0x301F, 0x30FB,
             0xFE10...0xFE19, 0xFE30...0xFE4F, 0xFE50...0xFE6B, 0xFF01...0xFF0F, 0xFF1A...0xFF20, 0xFF3B...0xFF40,
             0xFF5B...0xFF65,
             0x3040...0x30FF, 0x31F0...0x31FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xF900...0xFAFF,
             0xFF66...0xFF9F:
            return true
        default:
            return false
        }
    }

    // MARK: Scanning

    /// Scans `text`, reporting every (overlapping) match that satisfies its word-boundary flags, in
    /// order of end offset (ties: any order). Does not allocate.
    @inlinable
    public func scan<Sink: KeywordHitSink>(_ text: UnsafeRawBufferPointer, into sink: inout Sink) {
        let count = text.count
        if count == 0 { return }
        let limit = Int(matchLimit)
        let start = Int(startState)
        transitions.withUnsafeBufferPointer { table in
            byteClass.withUnsafeBufferPointer { classes in
                // SAFETY: `table` is never empty (the root row), so it has a base address.
                let base = table.baseAddress!
                var state = start  // local to the closure so it can live in a register
                var index = 0
                while index < count {
                    // Inner loop: step until a match state or the end of the text. Kept apart from
                    // the reporting code so that its few variables stay in registers.
                    repeat {
                        // SAFETY: `index < count`; `classes` has 256 entries, so any byte indexes it;
                        // every transition entry is a premultiplied state (a row start, at most
                        // (N - 1) * C) and every class is < C, so `state + class < N * C == table.count`.
                        // Adding the class to the pointer rather than to the state keeps the add off
                        // the state → load → state dependency chain.
                        let column = base + Int(classes[Int(text[index])])
                        state = Int(column[state])
                        index &+= 1
                    } while state >= limit && index < count
                    if state < limit {
                        reportMatches(state: UInt32(truncatingIfNeeded: state), end: index, text: text, into: &sink)
                    }
                }
            }
        }
    }

    /// Texts at least this long are scanned as `AutomatonEvents.lanes` interleaved segments by
    /// `scan(_:into:events:)`.
    public static let minimumInterleavedBytes = 512

    /// Like `scan(_:into:)`, and reports the same hits in the same order, but reads a long text as
    /// four segments stepped together. One scan is a chain of dependent table loads, each waiting
    /// for the last; four independent chains overlap their waits. The steps do not branch on
    /// matches: each lane writes its state to `events` at every step and moves its write position
    /// on only in a match state, so the loop runs without mispredicted exits, and the recorded
    /// match states are reported afterwards, lane by lane, in order of end offset. Lane k > 0
    /// starts `longestPattern - 1` bytes before its segment so that it sees every match ending in
    /// it, and drops the matches it sees ending before.
    @inlinable
    public func scan<Sink: KeywordHitSink>(_ text: UnsafeRawBufferPointer, into sink: inout Sink, events: AutomatonEvents) {
        let count = text.count
        let overlap = longestPattern - 1
        let segment = count / AutomatonEvents.lanes
        guard count >= Self.minimumInterleavedBytes, count <= Int(UInt32.max), segment > overlap else {
            scan(text, into: &sink)
            return
        }
        // Lane k reports matches ending in (bound[k], bound[k + 1]] and starts reading at
        // first[k]; lane 0 reads from 0, the others `overlap` bytes before their bound. Lane 0
        // has the fewest steps, so all four step together for that many, then lanes 1-3 finish.
        let bounds = (0, segment, 2 * segment, 3 * segment)
        let firsts = (0, segment - overlap, 2 * segment - overlap, 3 * segment - overlap)
        let together = segment
        events.reset()
        transitions.withUnsafeBufferPointer { table in
            byteClass.withUnsafeBufferPointer { classes in
                // SAFETY: lane k reads `text[firsts.k + step]` for `step` below its own length, so
                // every read is inside the text (lane 3 ends at `count`, the others at the next
                // bound). Every state is a row start and every class < C, so `state + class`
                // stays inside the table. `events.room(for:)` guarantees room for one write per
                // step in every lane before each round.
                let base = table.baseAddress!
                let bytes = text.baseAddress!.assumingMemoryBound(to: UInt8.self)
                let limit = Int(matchLimit)
                let t0 = bytes + firsts.0, t1 = bytes + firsts.1, t2 = bytes + firsts.2, t3 = bytes + firsts.3
                var q0 = Int(startState), q1 = q0, q2 = q0, q3 = q0
                var step = 0
                while step < together {
                    let roundEnd = min(step + AutomatonEvents.roundSteps, together)
                    var w = events.room(for: roundEnd - step)
                    // The end offset of each lane's current byte, in the high half of an event.
                    var ends = (UInt64(firsts.0 + step + 1) << 32, UInt64(firsts.1 + step + 1) << 32,
                                UInt64(firsts.2 + step + 1) << 32, UInt64(firsts.3 + step + 1) << 32)
                    while step < roundEnd {
                        q0 = Int((base + Int(classes[Int(t0[step])]))[q0])
                        q1 = Int((base + Int(classes[Int(t1[step])]))[q1])
                        q2 = Int((base + Int(classes[Int(t2[step])]))[q2])
                        q3 = Int((base + Int(classes[Int(t3[step])]))[q3])
                        w.0.pointee = UInt64(truncatingIfNeeded: q0) | ends.0
                        w.1.pointee = UInt64(truncatingIfNeeded: q1) | ends.1
                        w.2.pointee = UInt64(truncatingIfNeeded: q2) | ends.2
                        w.3.pointee = UInt64(truncatingIfNeeded: q3) | ends.3
                        w.0 += q0 < limit ? 1 : 0
                        w.1 += q1 < limit ? 1 : 0
                        w.2 += q2 < limit ? 1 : 0
                        w.3 += q3 < limit ? 1 : 0
                        ends.0 &+= 1 << 32
                        ends.1 &+= 1 << 32
                        ends.2 &+= 1 << 32
                        ends.3 &+= 1 << 32
                        step &+= 1
                    }
                    events.wrote(w)
                }
                // Lanes 1-3 read to their own ends, one at a time.
                finishLane(1, from: firsts.1 + together, to: bounds.2, state: q1, bytes: bytes, base: base, classes: classes, events: events)
                finishLane(2, from: firsts.2 + together, to: bounds.3, state: q2, bytes: bytes, base: base, classes: classes, events: events)
                finishLane(3, from: firsts.3 + together, to: count, state: q3, bytes: bytes, base: base, classes: classes, events: events)
            }
        }
        for lane in 0..<AutomatonEvents.lanes {
            let lower = lane * segment  // bound[lane]: earlier ends belong to the lane before
            let recorded = events.recorded(lane)
            for index in 0..<recorded.count {
                let event = recorded[index]
                let end = Int(truncatingIfNeeded: event >> 32)
                if end > lower {
                    reportMatches(state: UInt32(truncatingIfNeeded: event), end: end, text: text, into: &sink)
                }
            }
        }
    }

    /// Steps one lane of `scan(_:into:events:)` over `bytes[from..<to]`, recording its match states.
    @inlinable
    func finishLane(_ lane: Int, from: Int, to: Int, state: Int, bytes: UnsafePointer<UInt8>, base: UnsafePointer<UInt32>,
                    classes: UnsafeBufferPointer<UInt8>, events: AutomatonEvents) {
        let limit = Int(matchLimit)
        var q = state
        var index = from
        while index < to {
            let roundEnd = min(index + AutomatonEvents.roundSteps, to)
            var write = events.room(lane, for: roundEnd - index)
            var end = UInt64(index + 1) << 32
            // SAFETY: `index < to <= text.count`; as in `scan(_:into:events:)` for the table, and
            // `room` left a slot for every step of this round.
            while index < roundEnd {
                q = Int((base + Int(classes[Int(bytes[index])]))[q])
                write.pointee = UInt64(truncatingIfNeeded: q) | end
                write += q < limit ? 1 : 0
                end &+= 1 << 32
                index &+= 1
            }
            events.wrote(lane, write)
        }
    }

    /// Reports the outputs of match state `state` (premultiplied) for a match ending at `end`.
    @inlinable
    func reportMatches<Sink: KeywordHitSink>(
        state: UInt32, end: Int, text: UnsafeRawBufferPointer, into sink: inout Sink
    ) {
        let match = Int(truncatingIfNeeded: (UInt64(state) &* matchReciprocal) >> 32)
        let count = text.count
        outputStart.withUnsafeBufferPointer { starts in
            outputs.withUnsafeBufferPointer { entries in
                // SAFETY: `state < matchLimit`, so `match` < the number of match states and `starts`
                // has one more entry (the sentinel); its values are offsets into `entries`.
                // `isWord` reads only inside the text; a state's outputs are never longer than
                // the bytes consumed to reach it, so `start >= 0`.
                let wordAfter = Self.isWord(at: end, in: text)
                var slot = Int(starts[match])
                let last = Int(starts[match &+ 1])
                while slot < last {
                    let entry = entries[slot]
                    slot &+= 1
                    let start = end &- Int(truncatingIfNeeded: entry >> 32 & 0xFF_FFFF)
                    let wordBefore = Self.isWord(before: start, in: text)
                    // The flags this occurrence would violate: one test instead of a branch per flag.
                    let unmet = (wordBefore ? Self.wordStartFlag : 0) | (wordAfter ? Self.wordEndFlag : 0)
                    if UInt8(truncatingIfNeeded: entry >> 56) & unmet == 0 {
                        sink.keywordHit(pattern: UInt32(truncatingIfNeeded: entry), start: start, end: end)
                    }
                }
            }
        }
    }

    /// Convenience for tests and tools (allocates): all hits as (pattern, start, end), sorted by
    /// (end, pattern).
    public func hits(in text: [UInt8]) -> [(pattern: UInt32, start: Int, end: Int)] {
        var sink = CollectingSink()
        text.withUnsafeBytes { scan($0, into: &sink) }
        return sink.hits.sorted { ($0.end, $0.pattern) < ($1.end, $1.pattern) }
    }

    private struct CollectingSink: KeywordHitSink {
        var hits: [(pattern: UInt32, start: Int, end: Int)] = []
        mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
            hits.append((pattern, start, end))
        }
    }

    // MARK: Building

    /// Compiles folded `patterns`: trie → BFS (suffix links, full DFA rows, merged outputs) →
    /// renumbering with match states first → premultiplied flat tables.
    private init(patterns: [[UInt8]], flags: [UInt8], values: [UInt32]?, maxStates: Int) throws(BuildError) {
        if let empty = patterns.firstIndex(where: \.isEmpty) {
            throw .emptyPattern(id: UInt32(empty))
        }
        if let long = patterns.firstIndex(where: { $0.count > Self.maxPatternBytes }) {
            throw .patternTooLong(id: UInt32(long))
        }

        // Byte classes: one per distinct (folded) pattern byte, class 0 for the rest.
        var byteClass = [UInt8](repeating: 0, count: 256)
        var used = [Bool](repeating: false, count: 256)
        for pattern in patterns {
            for byte in pattern { used[Int(byte)] = true }
        }
        var classCount = 1
        for byte in 0..<256 where used[byte] {
            byteClass[byte] = UInt8(classCount)  // at most 230 bytes used: upper case never is
            classCount += 1
        }
        for upper in UInt8(ascii: "A")...UInt8(ascii: "Z") {
            byteClass[Int(upper)] = byteClass[Int(upper | 0x20)]
        }

        // Premultiplied states must fit in UInt32.
        let stateLimit = min(maxStates, Int(UInt32.max) / classCount)
        guard stateLimit >= 1 else { throw .tooManyStates(limit: maxStates) }

        // Trie, stored as dense rows; 0 means "no child" (the root is nobody's child). Room for
        // every state the patterns could need is reserved up front, and a new row is a copy of
        // one zero row.
        let mostStates = min(stateLimit, 1 + patterns.reduce(0) { $0 + $1.count })
        let zeroRow = [UInt32](repeating: 0, count: classCount)
        var delta = zeroRow
        delta.reserveCapacity(mostStates * classCount)
        var stateCount = 1
        // The ids of the patterns ending exactly at each state, in order: a list through `nextOwn`.
        var firstOwn = [Int32](repeating: -1, count: mostStates)
        var lastOwn = [Int32](repeating: -1, count: mostStates)
        var nextOwn = [Int32](repeating: -1, count: patterns.count)
        for (id, pattern) in patterns.enumerated() {
            var state = 0
            for byte in pattern {
                let slot = state * classCount + Int(byteClass[Int(byte)])
                if delta[slot] == 0 {
                    guard stateCount < stateLimit else { throw .tooManyStates(limit: maxStates) }
                    delta[slot] = UInt32(stateCount)
                    delta.append(contentsOf: zeroRow)
                    stateCount += 1
                }
                state = Int(delta[slot])
            }
            if lastOwn[state] < 0 { firstOwn[state] = Int32(id) } else { nextOwn[Int(lastOwn[state])] = Int32(id) }
            lastOwn[state] = Int32(id)
        }

        // BFS: suffix links and the full DFA. A state's suffix link is shallower, so its row is
        // already complete when the state is reached.
        var suffix = [Int](repeating: 0, count: stateCount)
        var order = [Int]()
        order.reserveCapacity(stateCount)
        order.append(0)
        var head = 0
        delta.withUnsafeMutableBufferPointer { delta in
            suffix.withUnsafeMutableBufferPointer { suffix in
                // SAFETY: every state is < stateCount, so its row lies inside `delta`, and every
                // child and suffix link is a state.
                while head < order.count {
                    let state = order[head]
                    head += 1
                    let row = state * classCount
                    let suffixRow = suffix[state] * classCount
                    for symbol in 0..<classCount {
                        // This row is still pure trie here: only rows of visited states have been filled.
                        let child = Int(delta[row + symbol])
                        if child != 0 {
                            suffix[child] = state == 0 ? 0 : Int(delta[suffixRow + symbol])
                            order.append(child)
                        } else if state != 0 {
                            delta[row + symbol] = delta[suffixRow + symbol]
                        }
                        // At the root, missing children stay 0: the root loops to itself.
                    }
                }
            }
        }

        // Renumber: states with outputs first (in BFS order), then the rest.
        var hasOutput = [Bool](repeating: false, count: stateCount)
        for state in order {
            hasOutput[state] = firstOwn[state] >= 0 || (state != 0 && hasOutput[suffix[state]])
        }
        var newIndex = [Int](repeating: 0, count: stateCount)
        var matchStates = 0
        for state in order where hasOutput[state] {
            newIndex[state] = matchStates
            matchStates += 1
        }
        var next = matchStates
        for state in order where !hasOutput[state] {
            newIndex[state] = next
            next += 1
        }

        // Merged outputs: own ids, then the suffix link's (already flattened: it is earlier in BFS).
        var outputStart = [UInt32]()
        outputStart.reserveCapacity(matchStates + 1)
        var outputs = [UInt64]()
        for state in order where hasOutput[state] {
            guard outputs.count <= Int(UInt32.max) else { throw .tooManyStates(limit: maxStates) }
            outputStart.append(UInt32(outputs.count))
            var own = Int(firstOwn[state])
            while own >= 0 {
                let value = values?[own] ?? UInt32(own)
                outputs.append(UInt64(value) | UInt64(patterns[own].count) << 32 | UInt64(flags[own]) << 56)
                own = Int(nextOwn[own])
            }
            let link = suffix[state]
            if state != 0 && hasOutput[link] {
                let linked = newIndex[link]
                // Index loop rather than appending a slice of `outputs`, which would copy the array.
                for slot in Int(outputStart[linked])..<Int(outputStart[linked + 1]) {
                    outputs.append(outputs[slot])
                }
            }
        }
        guard outputs.count <= Int(UInt32.max) else { throw .tooManyStates(limit: maxStates) }
        outputStart.append(UInt32(outputs.count))

        // Final table: rows moved to their new positions, targets renumbered and premultiplied.
        let transitions = [UInt32](unsafeUninitializedCapacity: stateCount * classCount) { table, initialized in
            delta.withUnsafeBufferPointer { delta in
                newIndex.withUnsafeBufferPointer { newIndex in
                    // SAFETY: `newIndex` is a permutation of 0..<stateCount, so every row of `table`
                    // is written exactly once, and every `delta` entry is a state.
                    for old in 0..<stateCount {
                        let oldRow = old * classCount
                        let newRow = newIndex[old] * classCount
                        for symbol in 0..<classCount {
                            table[newRow + symbol] = UInt32(newIndex[Int(delta[oldRow + symbol])] * classCount)
                        }
                    }
                }
            }
            initialized = stateCount * classCount
        }

        self.byteClass = byteClass
        self.transitions = transitions
        self.classCount = classCount
        self.matchReciprocal = ((1 << 32) + UInt64(classCount) - 1) / UInt64(classCount)
        self.startState = UInt32(newIndex[0] * classCount)
        self.matchLimit = UInt32(matchStates * classCount)
        self.outputStart = outputStart
        self.outputs = outputs
        self.patternCount = patterns.count
        self.longestPattern = patterns.map(\.count).max() ?? 0
        self.stateCount = stateCount
    }
}
