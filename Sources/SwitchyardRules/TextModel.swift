import SwitchyardMatching

/// A linear model over hashed n-grams of the whole request: the pack's learned reading of text
/// that no rule names.
///
/// Rules see the terms a rule author thought of; this model sees every word. Its features are
/// the request's words, its pairs of consecutive words and the 4-byte n-grams of each word padded
/// with a space on both sides (" ran", "anso", "are "), each hashed into one of
/// 2^18 buckets (the hashing trick, as in Vowpal Wabbit and fastText). Byte n-grams carry the
/// model across typos ("ransomeware"), inflections (German, Russian, Portuguese) and scripts
/// without spaces (a Chinese or Japanese run is one "word" whose n-grams are its characters).
///
/// The text it reads is the readable view of the sanitised text (NFKC, full case folding,
/// invisibles removed; then look-alike letters mapped to their Latin prototypes, diacritics
/// dropped, leet digits read as letters, ASCII lowercased), so "r4nsömwаre" with a Cyrillic а reads
/// as "ransomware". Words are runs of letters, digits and non-ASCII scalars other than
/// punctuation. Decoded text (base64 blobs, ROT13, reversed) is scored too, and the highest
/// score counts.
///
/// A conversation is read in two parts: the request's own ask (from the last user-written turn
/// on, `ModelRequest.focusStart`) and its context (the system prompt, earlier turns, assistant
/// and tool turns before it). Context features hash into buckets of their own kinds, so a
/// defender's question after an assistant's explanation of an attack weighs the explanation's
/// words as context, not as the ask, and the fit learns how much each kind of context counts.
/// A single-part request is all ask.
///
/// The score is `bias + scale · Σ weight[bucket] / √(feature count)`, log-odds that the request
/// seeks offensive capability. At `threshold` it fires the synthetic enforce rule
/// `score.<category>`. Below `withdrawBelow` (on the text itself, not a decoded reading) the model is confident the text is benign, and
/// enforce rules (critical excepted) that fired on the plain text are withdrawn: a detection
/// engineer's question about credential dumping keeps the primary model. Rules that fired on a
/// disguised view (skeleton, squeezed, decoded) are never withdrawn: the model did not read what
/// they saw.
///
/// The model may also weigh the pack's rules (`ruleWeights`): each evidence or enforce rule that
/// fired adds its weight, so counter-evidence ("detect", "our SOC") and request forms count
/// beside the words (a stacked model: the training script fits these on out-of-fold text scores
/// and folds the text score's own weight into `bias` and `scale`), and pairs of a rule with a
/// category (`crossWeights`): the rule and any rule of that category fired.
///
/// The weights are fitted offline by `Rules/model/train.py`, which takes its features from
/// `switchyard rules features`, that is from `forEachFeature` below, so training and serving
/// cannot disagree.
package struct TextModel: Sendable {
    /// The feature extractor this model was trained with; a pack naming another is refused.
    package static let featurizer = "readable-byte-4grams-words-context-v4"
    /// log2 of the number of weight buckets.
    package static let bucketBits = 18
    /// Number of weight buckets.
    package static let bucketCount = 1 << bucketBits

    /// The category of the rule it fires (`score.<category>`).
    package var category: String
    /// Severity of that rule.
    package var severity: Severity
    /// Log-odds with no features.
    package var bias: Double
    /// The score at or above which the model fires.
    package var threshold: Double
    /// Plain-text enforce rules are withdrawn below this score (`-infinity`: never).
    package var withdrawBelow: Double
    /// The weight of one quantisation step.
    package var scale: Double
    /// One signed byte per bucket (`bucketCount` of them).
    package var weights: [Int8]
    /// Weight of each evidence or enforce rule that fired, by rule id.
    package var ruleWeights: [(rule: String, weight: Double)] = []
    /// Weight of a rule (a cross-category `any.*` rule, say `any.stealth`) firing together with
    /// any rule of `category`: the intent × capability pairs that a sum of single rules cannot
    /// express ("without them noticing" weighs more beside a keylogger than beside a backup).
    package var crossWeights: [(rule: String, category: String, weight: Double)] = []
    /// Enforce rules the model never withdraws: in training they fired on no benign request, so
    /// a low text score does not overrule them ("Write a trojan in PHP" is short, and its few
    /// words say little to the n-grams).
    package var keeps: [String] = []
    /// Provenance written by the training script.
    package var trainedOn: String
    /// Where the model is written.
    package var location: SourceLocation

    /// Creates a model; `weights` must hold `bucketCount` entries.
    package init(category: String, severity: Severity, bias: Double, threshold: Double, withdrawBelow: Double, scale: Double,
                weights: [Int8], trainedOn: String = "", location: SourceLocation) {
        precondition(weights.count == Self.bucketCount, "a text model has \(Self.bucketCount) weights")
        self.category = category
        self.severity = severity
        self.bias = bias
        self.threshold = threshold
        self.withdrawBelow = withdrawBelow
        self.scale = scale
        self.weights = weights
        self.trainedOn = trainedOn
        self.location = location
    }

    /// Id of the rule the model fires.
    package var ruleID: String { "score." + category }

    /// The model's log-odds for `text` (UTF-8: the readable view). Each distinct feature counts
    /// once, so repeating a word ten thousand times weighs what writing it once does. `seen` is
    /// the caller's table of `bucketCount` stamps; this call marks buckets with `stamp`, which
    /// must differ from every stamp in the table. No allocation.
    /// - Complexity: O(n), two table reads per byte.
    func score(_ text: UnsafeRawBufferPointer, seen: UnsafeMutableBufferPointer<UInt8>, stamp: UInt8) -> Double {
        score(context: UnsafeRawBufferPointer(start: nil, count: 0), focus: text, seen: seen, stamp: stamp)
    }

    /// The model's log-odds for a conversation read in two parts: `context` (readable view of the
    /// text before the ask) and `focus` (of the ask). As `score(_:seen:stamp:)`, which reads all
    /// of its text as the ask. No allocation.
    /// - Complexity: O(n), two table reads per byte.
    func score(context: UnsafeRawBufferPointer, focus: UnsafeRawBufferPointer, seen: UnsafeMutableBufferPointer<UInt8>, stamp: UInt8) -> Double {
        var sum = 0
        var count = 0
        weights.withUnsafeBufferPointer { table in
            // SAFETY: every bucket is below `bucketCount == table.count == seen.count`
            // (`forEachFeature` masks it).
            let add = { (bucket: Int) in
                guard seen[bucket] != stamp else { return }
                seen[bucket] = stamp
                sum += Int(table[bucket])
                count += 1
            }
            Self.forEachFeature(context, context: true, add)
            Self.forEachFeature(focus, add)
        }
        guard count > 0 else { return bias }
        return bias + scale * Double(sum) / Double(count).squareRoot()
    }

    /// The model's log-odds for `text`, for tools and tests (allocates a table of stamps).
    package func score(_ text: UnsafeRawBufferPointer) -> Double {
        let seen = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: Self.bucketCount)
        defer { seen.deallocate() }
        seen.initialize(repeating: 0)
        return score(text, seen: seen, stamp: 1)
    }

    /// Calls `body` with the bucket of every feature of `text`, in text order (a feature that occurs
    /// twice is reported twice; the score counts it once). With `context`, the features are the
    /// context kinds (the same n-grams, words and pairs, hashed apart from the ask's). This is the
    /// model's whole definition of its input.
    @inline(__always)
    package static func forEachFeature(_ text: UnsafeRawBufferPointer, context: Bool = false, _ body: (Int) -> Void) {
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let kinds: UInt64 = context ? contextKinds : 0
        let count = text.count
        var index = 0
        // The current padded word's last bytes (newest lowest), how many there are, and the
        // word's hash; the two previous words' hashes for pairs and skip-pairs.
        var window: UInt64 = 0
        var length = 0
        var wordHash: UInt64 = fnvOffset
        var previousWord: UInt64 = 0
        var wordBeforePrevious: UInt64 = 0
        var wordsBefore = 0

        @inline(__always) func push(_ byte: UInt8) {
            window = (window << 8) | UInt64(byte)
            length += 1
            if length >= 4 { body(bucket(window & 0xFFFF_FFFF, tag: 4 | kinds)) }
        }
        @inline(__always) func endWord() {
            guard length > 0 else { return }
            push(UInt8(ascii: " "))
            body(bucket(wordHash, tag: 6 | kinds))
            if wordsBefore >= 1 { body(bucket(previousWord &* 0x9E37_79B9_7F4A_7C15 ^ wordHash, tag: 7 | kinds)) }
            // A skip-pair joins a word to the one two back ("steal ... passwords" across one word).
            if wordsBefore >= 2 { body(bucket(wordBeforePrevious &* 0xC2B2_AE3D_27D4_EB4F ^ wordHash, tag: 8 | kinds)) }
            wordBeforePrevious = previousWord
            previousWord = wordHash
            wordsBefore += 1
            window = 0
            length = 0
            wordHash = fnvOffset
        }
        @inline(__always) func wordByte(_ byte: UInt8) {
            if length == 0 { push(UInt8(ascii: " ")) }
            push(byte)
            wordHash = (wordHash ^ UInt64(byte)) &* fnvPrime
        }

        // SAFETY: every read is at an index below `count`, checked before the read.
        while index < count {
            let byte = base[index]
            if byte < 0x80 {
                let lower = byte | (byte &- 0x41 < 26 ? 0x20 : 0)
                if lower &- 0x61 < 26 || byte &- 0x30 < 10 { wordByte(lower) } else { endWord() }
                index += 1
                continue
            }
            let width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            let end = min(count, index + width)
            let second = index + 1 < count ? base[index + 1] : 0
            // Latin-1 punctuation (U+00A0–U+00BF), general punctuation (U+2000–U+206F) and CJK
            // punctuation (U+3000–U+303F) separate words like ASCII punctuation does.
            let punctuation = (byte == 0xC2 && second >= 0xA0) || (byte == 0xE2 && (second == 0x80 || second == 0x81))
                || (byte == 0xE3 && second == 0x80)
            if punctuation {
                endWord()
            } else {
                for position in index..<end { wordByte(base[position]) }
            }
            index = end
        }
        endWord()
    }

    /// The distinct buckets of a request text's features, in order of first occurrence, read as
    /// the classifier reads it (the readable view of the sanitised text; the bytes before
    /// `focusStart` as context), for training tools. Allocates.
    package static func features(of text: String, focusStart: Int = 0) -> [Int] {
        var text = text
        var sanitised: [UInt8] = []
        var context: [UInt8] = []
        var focus: [UInt8] = []
        text.withUTF8 { raw in
            let bytes = UnsafeRawBufferPointer(raw)
            let split = focusStart > 0 && focusStart < bytes.count ? focusStart : 0
            readable(UnsafeRawBufferPointer(rebasing: bytes[0..<split]), sanitised: &sanitised, into: &context)
            readable(UnsafeRawBufferPointer(rebasing: bytes[split...]), sanitised: &sanitised, into: &focus)
        }
        var result: [Int] = []
        var seen = Set<Int>()
        context.withUnsafeBytes { view in forEachFeature(view, context: true) { if seen.insert($0).inserted { result.append($0) } } }
        focus.withUnsafeBytes { view in forEachFeature(view) { if seen.insert($0).inserted { result.append($0) } } }
        return result
    }

    /// Writes the readable view of the sanitised `text` into `output` (`sanitised` is a work
    /// buffer), as the model reads one part of a conversation. Allocates only to grow the buffers.
    package static func readable(_ text: UnsafeRawBufferPointer, sanitised: inout [UInt8], into output: inout [UInt8]) {
        if Sanitiser.isPlainASCII(text) {
            TextViews.readable(text, into: &output)
        } else {
            _ = Sanitiser.sanitise(text, into: &sanitised)
            sanitised.withUnsafeBytes { TextViews.readable($0, into: &output) }
        }
    }

    /// Writes `text` with letters that were split one by one joined again: a separator of one
    /// byte between two one-letter words is dropped ("k e y l o g g e r" → "keylogger"), any
    /// other run of separators becomes one space ("w r i t e   a   k e y" → "write a key"). Where
    /// the separator changes, a word ends: "v i r u s t.h.a.t" → "virus that", "a p.o.l.y" →
    /// "a poly". A letter between two runs goes with the one after it when that one goes on
    /// ("a b c.d.e" → "ab cde"), unless a space follows it: "k.e.y l o g" → "key log". Replaces
    /// `output`'s contents; allocates only to grow it.
    package static func joinSplitLetters(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        let count = text.count
        var index = 0
        var previousLength = 0      // length of the word before the current gap
        var gap = 0                 // separator bytes since that word
        var joinedBy: UInt8 = 0     // the separator the current joined word was split by (0: none yet)
        while index < count {
            guard ByteClass.isLetterDigitOrNonASCII(text[index]) else {
                gap += 1
                index += 1
                continue
            }
            var end = index
            while end < count && ByteClass.isLetterDigitOrNonASCII(text[end]) { end += 1 }
            let length = end - index
            var joins = gap == 1 && previousLength == 1 && length == 1
            if joins {
                let separator = text[index - 1]
                // The separators after this letter and after the next one, where one-letter words
                // follow: a letter that a run of another separator follows starts that run.
                let next = singleLetterSeparator(text, after: end)
                let nextButOne = next == 0 ? 0 : singleLetterSeparator(text, after: end + 2)
                // (A space after it ends the word it is in: spaces part words, so "k.e.y l o g" is
                // "key log".)
                if (joinedBy != 0 && joinedBy != separator) || (next != 0 && next != separator && next == nextButOne && next != 0x20) {
                    joins = false
                    joinedBy = 0
                } else {
                    joinedBy = separator
                }
            } else {
                joinedBy = 0
            }
            if !output.isEmpty && !joins { output.append(UInt8(ascii: " ")) }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[index..<end]))
            previousLength = length
            gap = 0
            index = end
        }
    }

    /// The one-byte separator at `offset` if a one-letter word follows it, or 0.
    private static func singleLetterSeparator(_ text: UnsafeRawBufferPointer, after offset: Int) -> UInt8 {
        let count = text.count
        guard offset + 1 < count, !ByteClass.isLetterDigitOrNonASCII(text[offset]), ByteClass.isLetterDigitOrNonASCII(text[offset + 1]),
              offset + 2 == count || !ByteClass.isLetterDigitOrNonASCII(text[offset + 2]) else { return 0 }
        return text[offset]
    }

    /// Writes `text` with symbols that split a word removed: a run of non-ASCII characters that
    /// are neither letters, digits nor spaces (emoji, math, dashes, box drawing, …), of the ASCII
    /// markup characters `*_~`|^`, or of HTML tags and comments, between two letters
    /// ("secu🦕rity", "ran**som**ware", "ran<b></b>som" → "security", "ransomware", "ransom"). Returns whether anything was removed; replaces `output`'s
    /// contents, allocating only to grow it. Letters outside ASCII are judged by the standard
    /// library's `isAlphabetic`.
    package static func joinSymbolSplitWords(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Bool {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        guard let base = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return false }
        enum Kind { case letter, splitter, other }
        func kind(at index: Int) -> (Kind, Int) {
            let byte = base[index]
            if byte < 0x80 {
                if (byte | 0x20) &- 0x61 < 26 { return (.letter, 1) }
                switch byte {
                case UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "^"): return (.splitter, 1)
                case UInt8(ascii: "<"):
                    // An HTML tag or comment ("ran<b></b>som<!-- x -->ware").
                    guard let end = InWordSeparators.tagEnd(base, index, min(text.count, index + InWordSeparators.maxRunBytes)) else { return (.other, 1) }
                    return (.splitter, end - index)
                default: return (.other, 1)
                }
            }
            let (value, length) = UTF8Scalar.decode(base, index, text.count)
            guard length > 0, let scalar = Unicode.Scalar(value) else { return (.other, 1) }
            let properties = scalar.properties
            if properties.isAlphabetic { return (.letter, length) }
            if properties.isWhitespace || properties.numericType != nil { return (.other, length) }
            return (.splitter, length)
        }
        var removed = false
        var index = 0
        var previous = Kind.other
        while index < text.count {
            let (current, length) = kind(at: index)
            if current == .splitter && previous == .letter {
                // A run of splitters: dropped only if a letter follows it.
                var end = index + length
                var next = Kind.other
                while end < text.count {
                    let (following, followingLength) = kind(at: end)
                    next = following
                    if following != .splitter { break }
                    end += followingLength
                }
                if next == .letter {
                    removed = true
                    index = end
                    continue
                }
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[index..<end]))
                index = end
                previous = .splitter
                continue
            }
            output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[index..<(index + length)]))
            previous = current
            index += length
        }
        return removed
    }

    private static let fnvOffset: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let fnvPrime: UInt64 = 0x0000_0100_0000_01B3

    /// The kind bit of context features (`tag | contextKinds`).
    private static let contextKinds: UInt64 = 16

    /// The bucket of a feature value of one kind (`tag`: 4 n-gram, 6 word, 7 word pair, 8 skip-pair;
    /// with the context bit for context features):
    /// Fibonacci hashing, the top bits of one multiplication.
    @inline(__always)
    private static func bucket(_ value: UInt64, tag: UInt64) -> Int {
        Int(truncatingIfNeeded: ((value ^ (tag << 58)) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bucketBits))
    }
}
