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

    // MARK: Gates

    /// Whether the skeleton view can show anything the raw/sanitised views do not. True when
    /// the text contains a non-ASCII byte, or any of these adjacent ASCII byte pairs:
    /// - an ASCII letter followed by a leet digit or symbol (`0–5 7–9 @ $ + |`), e.g. "r4n",
    ///   "m@l", "k3y", "c++" (letter then `!` does not count: "Thanks!" is prose);
    /// - a leet digit or symbol, or `!`, followed by a letter, e.g. "|og", "4dmin", "h!dden";
    /// - a lowercase letter followed by `I` ("maIware", "keyIogger", also camelCase "isIdle");
    /// - `l` followed by an uppercase letter ("MAlWARE", "lNJECT"; not an uppercase letter
    ///   followed by `l`, which is every "Please" and "All").
    ///
    /// Not detected (the skeleton view would still match them, but the gate says false): a
    /// lowercase i/l swap between lowercase letters ("maiware"; "expl0it" is caught by the 0),
    /// `I` directly after an uppercase letter (all-caps words), a final `l` in an all-caps word
    /// ("MALWARl"), and tokens made only of leet digits and symbols ("5@7").
    /// - Complexity: one pass, two table loads per byte.
    public static func needsSkeleton(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return false }
        let count = text.count
        let roles = skeletonRoles
        // SAFETY: every index read is below `count`; `roles` has 256 entries.
        var previous = roles[input[0]]
        var high = input[0]
        var hit: UInt16 = 0
        var index = 1
        while index < count {
            let end = Swift.min(index + 64, count)
            while index < end {
                let byte = input[index]
                let role = roles[byte]
                high |= byte
                hit |= previous & (role >> 8)
                previous = role
                index += 1
            }
            if hit & 0xFF != 0 { return true }
        }
        if hit & 0xFF != 0 { return true }
        return high >= 0x80 && hasLatinLookalike(text)
    }

    /// Adds the byte range of every non-ASCII look-alike (see `hasLatinLookalike`), widened by
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

    /// Whether some non-ASCII scalar's skeleton contains an ASCII letter or digit: a look-alike
    /// (Cyrillic а, 𝐚, ｋ, é …) rather than punctuation, symbols, emoji or scripts with no Latin
    /// prototype, which the skeleton leaves alone. Lets text whose only non-ASCII characters are
    /// curly quotes, dashes or emoji skip the skeleton passes.
    static func hasLatinLookalike(_ text: UnsafeRawBufferPointer) -> Bool {
        nextLatinLookalike(text, from: 0) != nil
    }

    /// The byte range of the first non-ASCII look-alike at or after `start`, if any.
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
                for k in 0..<size {
                    let byte = bytes[offset + k]
                    if (byte >= 0x30 && byte <= 0x39) || ((byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A) { return index..<index + length }
                }
            }
            index += length
        }
        return nil
    }

    /// Role bits per byte for `needsSkeleton`: the low byte says what the byte is as the left
    /// member of a pair, the high byte what it needs on its left, so a pair hits when
    /// `left.low & right.high != 0`.
    static let skeletonRoles: RoleTable = RoleTable { byte in
        let letterLeft: UInt16 = 1, leetLeft: UInt16 = 2, lowerLeft: UInt16 = 4, ellLeft: UInt16 = 8
        var left: UInt16 = 0, right: UInt16 = 0
        let isUpper = (0x41...0x5A).contains(byte), isLower = (0x61...0x7A).contains(byte)
        let isLeet = (0x30...0x35).contains(byte) || (0x37...0x39).contains(byte)
            || [0x40, 0x24, 0x2B, 0x7C].contains(byte)  // @ $ + |
        if isUpper || isLower {
            left |= letterLeft
            right |= leetLeft
        }
        if isLower { left |= lowerLeft }
        if isUpper { right |= ellLeft }
        if isLeet {
            left |= leetLeft
            right |= letterLeft
        }
        if byte == 0x21 { left |= leetLeft }  // "!" only before a letter
        if byte == 0x49 { right |= lowerLeft }  // "I" after a lowercase letter
        if byte == 0x6C { left |= ellLeft }  // "l" before an uppercase letter
        return left | right << 8
    }

    /// Whether the squeezed view can show anything the skeleton view does not. True when the
    /// text contains a non-ASCII byte (call it on the sanitised view; non-ASCII separators such
    /// as "•" are not analysed), or either of these in the ASCII text:
    /// 1. three or more consecutive single-character alphanumeric tokens separated by anything
    ///    non-alphanumeric: "r a n", "r.a.n", "r\na\nn", "x, y, z";
    /// 2. inside a word (alphanumerics on both sides), a run of non-space ASCII punctuation:
    ///    "ran**som", "mal-ware", "e.g", "snake_case", "a.txt" — except a single `. , : / -`
    ///    between two digits ("3.14", "10:30", "1,000") and a word's first single apostrophe
    ///    ("don't"; a second one in the same word, "ran'som'ware", counts).
    ///
    /// Not detected: letters split into chunks of two or more by spaces only ("ra ns om").
    /// - Complexity: one pass of a small table-driven automaton, two bytes per table step; texts
    ///   of 512 bytes or more run as two interleaved halves.
    public static func needsSqueeze(_ text: UnsafeRawBufferPointer) -> Bool {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self), text.count > 0 else { return false }
        let count = text.count
        let machine = SqueezeGate.shared
        let hit = SqueezeGate.hitState
        // Long texts: split at a space that follows a token of two or more alphanumerics, where
        // the automaton is back in its start state whatever came before, and run both halves
        // interleaved (two independent dependency chains).
        var split = -1
        if count >= 512 {
            // SAFETY: indexes stay in `2..<count`.
            let classes = machine.classes
            let space = SqueezeGate.Class.space.rawValue, letter = SqueezeGate.Class.letter.rawValue
            let digit = SqueezeGate.Class.digit.rawValue
            var index = count / 2
            let limit = Swift.min(count - 1, index + 256)
            while index < limit {
                if classes[input[index]] == space {
                    let a = classes[input[index - 1]], b = classes[input[index - 2]]
                    if (a == letter || a == digit) && (b == letter || b == digit) {
                        split = index + 1
                        break
                    }
                }
                index += 1
            }
        }
        if split < 0 {
            let state = machine.run(input, from: 0, to: count, state: SqueezeGate.startState)
            return machine.finish(state) == hit
        }
        let (first, second) = machine.run2(input, split: split, count: count)
        return first == hit || machine.finish(second) == hit
    }
}

/// A 256-entry UInt16 table in never-freed memory.
struct RoleTable: @unchecked Sendable {
    // @unchecked Sendable: written once in `init`, immutable and never freed afterwards.
    let base: UnsafePointer<UInt16>

    init(_ entry: (UInt8) -> UInt16) {
        let table = UnsafeMutablePointer<UInt16>.allocate(capacity: 256)
        for byte in 0..<256 { table[byte] = entry(UInt8(byte)) }
        base = UnsafePointer(table)
    }

    @inline(__always)
    subscript(byte: UInt8) -> UInt16 {
        // SAFETY: a UInt8 index is always within the 256 entries.
        base[Int(byte)]
    }
}

/// The automaton behind `TextViews.needsSqueeze`, built once from the rules in its documentation.
struct SqueezeGate: @unchecked Sendable {
    // @unchecked Sendable: tables written once in `init`, immutable and never freed afterwards.
    enum Class: UInt8, CaseIterable {
        case letter, digit, space, apostrophe, numericPunctuation, otherPunctuation, nonASCII
    }

    /// State of the rules while reading: rule 1 (single-character tokens) and rule 2 (punctuation
    /// inside a word).
    struct Rules: Hashable {
        var token: UInt8 = 0       // current alphanumeric token: 0 none, 1 one char, 2 longer
        var singles: UInt8 = 0     // completed consecutive single-char tokens (0...2)
        var word: UInt8 = 0        // 0 not after an alphanumeric, 1 just after one, 2 in punctuation after one
        var lastWasDigit = false   // the last alphanumeric was a digit
        var run: UInt8 = 0         // punctuation run in a word: 0 single apostrophe, 1 single numeric punctuation, 2 other
        var apostrophes: UInt8 = 0 // single-apostrophe splits already seen in this word (0...1)

        /// The next rules state, or nil when a rule fires.
        func next(_ input: Class) -> Rules? {
            var state = self
            switch input {
            case .nonASCII:
                return nil
            case .letter, .digit:
                let isDigit = input == .digit
                if word == 2 {
                    switch run {
                    case 0:
                        if apostrophes >= 1 { return nil }
                        state.apostrophes = 1
                    case 1:
                        if !(lastWasDigit && isDigit) { return nil }
                    default:
                        return nil
                    }
                }
                state.token = Swift.min(token + 1, 2)
                state.word = 1
                state.lastWasDigit = isDigit
                state.run = 0
            case .space, .apostrophe, .numericPunctuation, .otherPunctuation:
                if token == 1 {
                    if singles == 2 { return nil }
                    state.singles = singles + 1
                } else if token == 2 {
                    state.singles = 0
                }
                state.token = 0
                if input == .space {
                    state.word = 0
                    state.run = 0
                    state.apostrophes = 0
                    state.lastWasDigit = false
                } else if word == 1 {
                    state.word = 2
                    state.run = input == .apostrophe ? 0 : input == .numericPunctuation ? 1 : 2
                } else if word == 2 {
                    state.run = 2
                }
            }
            if state.word == 0 {  // canonical form outside words
                state.run = 0
                state.lastWasDigit = false
            }
            return state
        }
    }

    /// Runs the automaton over `input[from..<to]` starting in `state`, two bytes per step,
    /// stopping early once the hit state is reached.
    @inline(__always)
    func run(_ input: UnsafePointer<UInt8>, from: Int, to end: Int, state start: UInt8) -> UInt8 {
        // SAFETY: indexes in `from..<end`; class values are below 8 and states below 256, so
        // `state << 6 | pair` < 16384 and `state << 3 | class` < 2048, the tables' sizes.
        var state = start
        var index = from
        while index + 2 <= end {
            let chunkEnd = index + Swift.min(128, (end - index) & ~1)
            while index < chunkEnd {
                let pair = Int(classes[input[index]]) &<< 3 | Int(classes[input[index + 1]])
                state = pairTransitions[Int(state) &<< 6 | pair]
                index += 2
            }
            if state == SqueezeGate.hitState { return state }
        }
        if index < end { state = transitions[Int(state) &<< 3 | Int(classes[input[index]])] }
        return state
    }

    /// Both halves (`0..<split` from the start state, `split..<count` from the start state)
    /// interleaved; returns the two final states.
    @inline(__always)
    func run2(_ input: UnsafePointer<UInt8>, split: Int, count: Int) -> (UInt8, UInt8) {
        // SAFETY: as in `run`; `a` stays below `split`, `b` below `count`.
        var first = SqueezeGate.startState, second = SqueezeGate.startState
        var a = 0, b = split
        let steps = Swift.min(split, count - split) / 2
        var done = 0
        while done < steps {
            let chunk = Swift.min(64, steps - done)
            for _ in 0..<chunk {
                let pairA = Int(classes[input[a]]) &<< 3 | Int(classes[input[a + 1]])
                let pairB = Int(classes[input[b]]) &<< 3 | Int(classes[input[b + 1]])
                first = pairTransitions[Int(first) &<< 6 | pairA]
                second = pairTransitions[Int(second) &<< 6 | pairB]
                a += 2
                b += 2
            }
            done += chunk
            if first == SqueezeGate.hitState || second == SqueezeGate.hitState { break }
        }
        if first != SqueezeGate.hitState { first = run(input, from: a, to: split, state: first) }
        if first == SqueezeGate.hitState { return (first, second) }
        if second != SqueezeGate.hitState { second = run(input, from: b, to: count, state: second) }
        return (first, second)
    }

    /// The state after the end of the text (read as a space).
    @inline(__always)
    func finish(_ state: UInt8) -> UInt8 {
        // SAFETY: state < 256 and class < 8.
        transitions[Int(state) &<< 3 | Int(Class.space.rawValue)]
    }

    static let classCount = 8
    static let startState: UInt8 = 0
    static let hitState: UInt8 = 255
    static let shared = SqueezeGate()

    let classes: ByteTable
    /// `transitions[state << 3 | class]`.
    let transitions: UnsafePointer<UInt8>
    /// `pairTransitions[state << 6 | first << 3 | second]`: two steps at once.
    let pairTransitions: UnsafePointer<UInt8>
    let stateCount: Int

    init() {
        classes = ByteTable { byte in
            switch UInt8(byte) {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"): return Class.letter.rawValue
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return Class.digit.rawValue
            case 0...0x20, 0x7F: return Class.space.rawValue
            case UInt8(ascii: "'"): return Class.apostrophe.rawValue
            case UInt8(ascii: "."), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "/"), UInt8(ascii: "-"):
                return Class.numericPunctuation.rawValue
            case 0x80...0xFF: return Class.nonASCII.rawValue
            default: return Class.otherPunctuation.rawValue
            }
        }
        // Breadth-first enumeration of the reachable rule states.
        var ids: [Rules: UInt8] = [Rules(): 0]
        var states: [Rules] = [Rules()]
        var table: [UInt8] = []
        var cursor = 0
        while cursor < states.count {
            let state = states[cursor]
            cursor += 1
            var row = [UInt8](repeating: SqueezeGate.hitState, count: SqueezeGate.classCount)
            for input in Class.allCases {
                guard let next = state.next(input) else { continue }
                if let id = ids[next] {
                    row[Int(input.rawValue)] = id
                } else {
                    precondition(states.count < Int(SqueezeGate.hitState))
                    let id = UInt8(states.count)
                    ids[next] = id
                    states.append(next)
                    row[Int(input.rawValue)] = id
                }
            }
            table.append(contentsOf: row)
        }
        // The hit state is absorbing; pad the table up to it.
        let total = (Int(SqueezeGate.hitState) + 1) * SqueezeGate.classCount
        table.append(contentsOf: repeatElement(SqueezeGate.hitState, count: total - table.count))
        let storage = UnsafeMutablePointer<UInt8>.allocate(capacity: total)
        storage.initialize(from: table, count: total)
        transitions = UnsafePointer(storage)
        let pairs = UnsafeMutablePointer<UInt8>.allocate(capacity: (Int(SqueezeGate.hitState) + 1) * 64)
        for state in 0...Int(SqueezeGate.hitState) {
            for first in 0..<8 {
                let middle = Int(table[state * 8 + first])
                for second in 0..<8 { pairs[state << 6 | first << 3 | second] = table[middle * 8 + second] }
            }
        }
        pairTransitions = UnsafePointer(pairs)
        stateCount = states.count
    }
}
