import SwitchyardMatching
import Synchronization

/// Settings fixed when a classifier is built.
public struct ClassifierOptions: Sendable {
    /// Texts longer than this are inspected up to this many bytes and get an `oversize`
    /// (indeterminate) verdict.
    public var maxTextBytes: Int = 8 << 20
    /// Options for every regex in the pack.
    public var regexOptions = RE2Options()
    /// Ceiling on the keyword automaton's states (memory is states × byte classes × 4 bytes).
    public var maxAutomatonStates = 4_000_000
    /// A regex is confirmed only within this many bytes around the atoms that made it a candidate,
    /// so its cost does not grow with the text: a pattern's match must be at most this long to be
    /// found. (Merged windows; past 64 separate windows, the closest two merge.)
    public var regexWindowBytes = 256
    /// An `unless` term cancels a rule only if it lies within this many bytes of the span that
    /// fired the rule.
    public var exceptionDistance = 48
    /// Limits on decoding base64, hex, escapes and hidden characters per request.
    public var decodeBudget = DecodeBudget()
    /// Creates options with the defaults above.
    public init() {}
}

/// A rule pack compiled for matching: immutable after `init` and shared by every thread. Each
/// thread classifies with its own `ClassificationScratch`.
///
/// Per view of the text, one automaton pass finds every keyword, `near` term, `unless` term and
/// regex atom; regexes whose atoms were all seen close together are then confirmed by RE2 on that
/// view.
public final class Classifier: Sendable {
    /// The pack this classifier was built from.
    public let pack: RulePack
    /// The options it was built with.
    public let options: ClassifierOptions
    let tables: RuleTables
    let scoring: ScoringTables
    /// Distinguishes this classifier from every other in the process, so that a scratch made by
    /// one is never used with another (after a hot reload, say) whose tables differ.
    let identity: UInt64
    private static let identities = Atomic<UInt64>(0)
    /// The pack's text model and the index of its rule (-1: none).
    let textModel: TextModel?
    let textModelRule: Int
    /// Per rule: its weight in the text model (0 for most).
    let textRuleWeight: [Double]
    /// Per rule: whether the text model keeps it however low the text scores (`TextModel.keeps`).
    let textKeeps: [Bool]
    /// The text model's crosses (`TextModel.crossWeights`), flat: per rule, the bit of its
    /// category among the crossed ones (0: none), and the start of its row of weights, one per
    /// crossed category (-1: the rule has no crosses).
    let textCrossBit: [UInt64]
    let textCrossRow: [Int]
    let textCrossWeight: [Double]

    /// Why a validated pack still could not be compiled (e.g. the automaton grew past its limit).
    public struct BuildError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Compiles `pack`.
    public init(pack: RulePack, options: ClassifierOptions = ClassifierOptions()) throws(BuildError) {
        self.pack = pack
        self.options = options
        identity = Self.identities.add(1, ordering: .relaxed).newValue
        do {
            tables = try RuleTables(rules: pack.rules, compiled: pack.compiledPatterns, regexOptions: options.regexOptions,
                                   maxAutomatonStates: options.maxAutomatonStates, regexWindowBytes: options.regexWindowBytes,
                                   exceptionDistance: options.exceptionDistance)
        } catch {
            throw BuildError(description: error.message)
        }
        scoring = pack.scoring.map { ScoringTables(model: $0, rules: pack.rules) } ?? ScoringTables(ruleCount: pack.rules.count)
        textModel = pack.textModel
        textModelRule = pack.textModel.map { model in pack.rules.lastIndex { $0.id == model.ruleID } ?? -1 } ?? -1
        var ruleWeight = Array(repeating: 0.0, count: pack.rules.count)
        var keeps = Array(repeating: false, count: pack.rules.count)
        let indexByID = Dictionary(pack.rules.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        if let model = pack.textModel {
            for (id, weight) in model.ruleWeights { if let index = indexByID[id] { ruleWeight[index] += weight } }
            for id in model.keeps { if let index = indexByID[id] { keeps[index] = true } }
        }
        textRuleWeight = ruleWeight
        textKeeps = keeps
        (textCrossBit, textCrossRow, textCrossWeight) = Self.crossTables(pack.textModel?.crossWeights ?? [], rules: pack.rules, indexByID: indexByID)
    }

    /// Flattens the text model's crosses for `applyScoring`: at most 64 crossed categories (the
    /// loader refuses more).
    private static func crossTables(_ crosses: [(rule: String, category: String, weight: Double)], rules: [Rule],
                                    indexByID: [String: Int]) -> ([UInt64], [Int], [Double]) {
        let categories = Array(Set(crosses.map(\.category))).sorted()
        let bitOf = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($1, $0) })
        var bits = Array(repeating: UInt64(0), count: rules.count)
        for (index, rule) in rules.enumerated() { if let bit = bitOf[rule.category] { bits[index] = 1 << UInt64(bit) } }
        var rows = Array(repeating: -1, count: rules.count)
        var weights: [Double] = []
        for cross in crosses {
            guard let rule = indexByID[cross.rule], let bit = bitOf[cross.category] else { continue }
            if rows[rule] < 0 {
                rows[rule] = weights.count
                weights += Array(repeating: 0, count: categories.count)
            }
            weights[rows[rule] + bit] += cross.weight
        }
        return (bits, rows, weights)
    }

    /// The pack's rules; `RuleHit.rule` indexes this array.
    public var rules: [Rule] { pack.rules }

    /// Size facts for `rules check` and benchmarks (the automata summed over the plain, skeleton
    /// and joined passes).
    public var statistics: (automatonStates: Int, automatonPatterns: Int, automatonBytes: Int, prefilteredRegexes: Int, unfilteredRegexes: Int) {
        let automata = [tables.plain.automaton, tables.skeleton.automaton, tables.joined.automaton]
        return (automata.reduce(0) { $0 + $1.stateCount }, automata.reduce(0) { $0 + $1.patternCount }, automata.reduce(0) { $0 + $1.memoryBytes },
                tables.regexes.count, tables.unfilteredRules.count)
    }

    /// Size facts per automaton: (pass kind, states, patterns, longest pattern in bytes, table bytes).
    package var automatonSizes: [(pass: String, states: Int, patterns: Int, longest: Int, bytes: Int)] {
        [("plain", tables.plain), ("skeleton", tables.skeleton), ("joined", tables.joined)].map {
            ($0.0, $0.1.automaton.stateCount, $0.1.automaton.patternCount, $0.1.automaton.longestPattern, $0.1.automaton.memoryBytes)
        }
    }

    /// Fresh scratch sized for this classifier. Make one per thread and reuse it.
    public func makeScratch() -> ClassificationScratch {
        let scratch = ClassificationScratch(owner: identity, ruleCount: pack.rules.count, listCount: tables.nearLists.count, regexCount: tables.regexes.count,
                                            exceptionGroupCount: tables.exceptionGroupCount, modelCount: scoring.modelCount,
                                            textBuckets: textModel == nil ? 0 : TextModel.bucketCount)
        scratch.evidenceRadius = 2 * tables.windowRadius
        return scratch
    }

    /// Scratch kept for reuse by `withScratch`: made under load, dropped past `pooledScratchLimit`.
    private let scratchPool = Locked<[ClassificationScratch]>([])
    static let pooledScratchLimit = 64

    /// Runs `body` with a scratch of this classifier taken from its pool (made when the pool is
    /// empty) and returned afterwards: for callers without a scratch of their own (servers,
    /// batch workers, `classify(_:)`). `body` must not keep the scratch.
    public func withScratch<T>(_ body: (ClassificationScratch) throws -> T) rethrows -> T {
        let scratch = scratchPool.withLock { $0.popLast() } ?? makeScratch()
        defer {
            scratchPool.withLock { pool in
                if pool.count < Self.pooledScratchLimit { pool.append(scratch) }
            }
        }
        return try body(scratch)
    }

    /// Classifies one convenience-string text with a pooled scratch (no scratch is built per
    /// call once the pool is warm). Threads with a long-lived scratch use `classify(_:using:)`.
    public func classify(_ text: String) -> Verdict {
        withScratch { classify(text, using: $0) }
    }

    /// Classifies `text` with the caller's scratch. `focusStart` is the UTF-8 offset where the
    /// request's own ask begins (`ModelRequest.focusStart`); the text model reads what comes
    /// before it as context. 0: the whole text is the ask.
    public func classify(_ text: String, focusStart: Int = 0, using scratch: ClassificationScratch) -> Verdict {
        var text = text
        return text.withUTF8 { classify(UnsafeRawBufferPointer($0), focusStart: focusStart, using: scratch) }
    }

    /// Classifies the UTF-8 bytes of one request's text.
    ///
    /// The raw pass always runs; it also stands for the sanitised view when the text is pure
    /// ASCII or sanitising changed nothing. The skeleton, squeezed and decoded passes run only
    /// when a cheap scan says they can show something the raw text does not (look-alike or leet
    /// characters, letters split by spaces or markup, encoded blobs, hidden characters, or a hit on
    /// a term's ROT13 or reversed form). Clean ASCII prose is read once. `focusStart`: as in
    /// `classify(_:focusStart:using:)`.
    /// - Complexity: O(n) in the text length per pass, plus regex confirmation in bounded windows.
    public func classify(_ text: UnsafeRawBufferPointer, focusStart: Int = 0, using scratch: ClassificationScratch) -> Verdict {
        precondition(scratch.owner == identity, "scratch was made by a different classifier: use this classifier's makeScratch()")
        var indeterminate: Indeterminate? = nil
        var inspected = text
        if text.count > options.maxTextBytes {
            inspected = UnsafeRawBufferPointer(rebasing: text[0..<options.maxTextBytes])
            indeterminate = .oversize
        }
        scratch.beginRequest(textCount: inspected.count)
        scratch.statistics.requests &+= 1
        scratch.statistics.textBytes &+= inspected.count
        var complete = true
        var signals: Signals = []
        let ascii = Sanitiser.isPlainASCII(inspected)

        // Raw, then sanitised. `base` is the text the derived views are built from.
        var sanitisedDiffers = false
        if ascii {
            complete = scan(inspected, views: .rawAndSanitised, forms: .plainPass, using: scratch) && complete
        } else {
            let removed = Sanitiser.sanitise(inspected, into: &scratch.sanitised)
            sanitisedDiffers = !scratch.sanitised.withUnsafeBytes { Sanitiser.equalIgnoringASCIICase($0, inspected) }
            complete = scan(inspected, views: sanitisedDiffers ? .rawOnly : .rawAndSanitised, forms: .plainPass, using: scratch) && complete
            if sanitisedDiffers {
                complete = through(.sanitised, from: inspected, scratch) {
                    scratch.sanitised.withUnsafeBytes { sanitisedPass($0, text: inspected, using: scratch) }
                } && complete
            }
            if removed >= 2 && EvasionScan.invisibleInsideWords(inspected) >= 2 { signals.insert(Signals(.hiddenCharacters)) }
            if EvasionScan.hasMixedScriptWord(inspected) { signals.insert(Signals(.mixedScript)) }
        }
        let base = sanitisedDiffers ? scratch.sanitised : nil
        if let base { scratch.baseCount = base.count }
        // The text model reads the readable view of the sanitised text.
        if let textModel {
            if let base { base.withUnsafeBytes { TextViews.readable($0, into: &scratch.textModelView) } } else { TextViews.readable(inspected, into: &scratch.textModelView) }
            if focusStart > 0 && focusStart < inspected.count {
                // A conversation: its context and its ask are read apart (each part sanitised
                // alone, as `TextModel.features(of:focusStart:)` reads them for training).
                TextModel.readable(UnsafeRawBufferPointer(rebasing: inspected[0..<focusStart]), sanitised: &scratch.textPartSanitised, into: &scratch.textContextView)
                TextModel.readable(UnsafeRawBufferPointer(rebasing: inspected[focusStart...]), sanitised: &scratch.textPartSanitised, into: &scratch.textFocusView)
                scratch.textPlainScore = scratch.textContextView.withUnsafeBytes { context in
                    scratch.textFocusView.withUnsafeBytes { focus in
                        textModel.score(context: context, focus: focus, seen: scratch.textSeen, stamp: scratch.nextTextStamp())
                    }
                }
            } else {
                scratch.textPlainScore = scratch.textModelView.withUnsafeBytes { textModel.score($0, seen: scratch.textSeen, stamp: scratch.nextTextStamp()) }
            }
            scratch.textScore = scratch.textPlainScore
        }

        // Skeleton and squeezed views of the (sanitised) text.
        let derived = base.map { base in
            through(.sanitised, from: inspected, scratch) { base.withUnsafeBytes { derivedPasses($0, view: nil, using: scratch) } }
        } ?? derivedPasses(inspected, view: nil, using: scratch)
        complete = complete && derived.complete
        // Letters split by spaces or dots ("k e y l o g g e r"): the model also reads them joined.
        if let textModel, derived.splitLetters {
            scratch.textModelView.withUnsafeBytes { TextModel.joinSplitLetters($0, into: &scratch.windowScratch) }
            scratch.textScore = max(scratch.textScore, scratch.windowScratch.withUnsafeBytes { textModel.score($0, seen: scratch.textSeen, stamp: scratch.nextTextStamp()) })
        }
        // Words split by symbols, emoji or markup ("secu🦕rity"): the model also reads them whole.
        if let textModel, derived.disguisedLetters,
           scratch.textModelView.withUnsafeBytes({ TextModel.joinSymbolSplitWords($0, into: &scratch.windowScratch) }) {
            scratch.textScore = max(scratch.textScore, scratch.windowScratch.withUnsafeBytes { textModel.score($0, seen: scratch.textSeen, stamp: scratch.nextTextStamp()) })
        }

        // Decoded: blobs, hidden characters, then ROT13 and reversed text when a term's ROT13 or
        // reversed form was seen.
        if Decoders.mightDecode(inspected, budget: options.decodeBudget) {
            scratch.statistics.blobDecodes &+= 1
            let report = Decoders.decode(inspected, budget: options.decodeBudget, into: &scratch.decoded)
            if report.hiddenCharacters > 0 { signals.insert(Signals(.hiddenCharacters)) }
            if report.budgetExhausted && indeterminate == nil { indeterminate = .decodeBudget }
            if !scratch.decoded.isEmpty {
                let blobs = ViewStep.decodedBlobs(options.decodeBudget)
                swap(&scratch.decoded, &scratch.transformed)
                complete = through(blobs, from: inspected, scratch) { decodedPasses(using: scratch) } && complete
                swap(&scratch.decoded, &scratch.transformed)
                // A blob may hide a letter cipher too (ROT13 inside base64): read it back as well.
                if scratch.decoded.count <= Self.cipherLimit, let substitution = scratch.decoded.withUnsafeBytes({ Ciphers.detect($0) }) {
                    scratch.statistics.cipherDecodes &+= 1
                    scratch.decoded.withUnsafeBytes { Ciphers.decode($0, substitution, into: &scratch.transformed) }
                    complete = through(blobs, from: inspected, scratch) {
                        scratch.decoded.withUnsafeBytes { decoded in through(.sameLength, from: decoded, scratch) { decodedPasses(using: scratch) } }
                    } && complete
                }
            }
        }
        // The ROT13 and reversed readings, where their evidence confirms itself.
        scratch.localiseTransformedReadings()
        // A short disguised text may also be ROT13 or reversed underneath its disguise, where no
        // term form can show it: decode both anyway (cheap at this size).
        let blind = inspected.count <= Self.blindDecodeLimit && derived.disguisedLetters
        if blind {
            scratch.rot13Windows.coverAll()
            scratch.reversedWindows.coverAll()
        }
        // The letter survey (ciphers below); a text whose letter pairs read better backwards is
        // read reversed whole, term forms or not.
        // (Over the sanitised text when sanitising changed it: invisible characters between
        // letters would break their pairs.)
        let survey = inspected.count > Self.cipherLimit ? nil
            : base.map { base in base.withUnsafeBytes { Ciphers.Survey($0) } } ?? Ciphers.Survey(inspected)
        let readsBackwards = survey?.readsBackwards ?? false
        if readsBackwards { scratch.reversedWindows.coverAll() }
        // The ROT13 and reversed readings cover the windows around the evidence (a term's ROT13
        // or reversed form, seen at two separate places), or the whole text. (Unrolled, not a loop over an array literal:
        // that would allocate on every request.)
        if !scratch.rot13Windows.isEmpty && (blind || scratch.rot13Evidence.confirmed) {
            scratch.statistics.rot13Decodes &+= 1
            complete = transformedPasses(.rot13, windows: scratch.rot13Windows, base: base, inspected: inspected, using: scratch) && complete
        }
        if !scratch.reversedWindows.isEmpty && (blind || readsBackwards || scratch.reversedEvidence.confirmed) {
            scratch.statistics.reversedDecodes &+= 1
            complete = transformedPasses(.reversed, windows: scratch.reversedWindows, base: base, inspected: inspected, using: scratch) && complete
        }

        // Letter ciphers (a Caesar shift, Atbash, swapped pairs), Morse code and character codes (binary,
        // decimal), in texts short enough to be a request written that way: read back when the
        // letter counts or the tokens say so.
        if let survey {
            var substitution = Ciphers.detect(inspected, survey: survey)
            // "Decode this: <cipher text>": the text after the instruction, when its letters (the
            // survey counted them) are unlike prose.
            if substitution == nil, survey.lettersAfterBreak < survey.letters, !survey.afterBreak.looksLikeProse,
               let start = Ciphers.instructionEnd(inspected) {
                substitution = Ciphers.detect(UnsafeRawBufferPointer(rebasing: inspected[start...]), survey: survey.afterBreak)
            }
            if let substitution {
                scratch.statistics.cipherDecodes &+= 1
                Ciphers.decode(inspected, substitution, into: &scratch.transformed)
                complete = through(.sameLength, from: inspected, scratch) { decodedPasses(using: scratch) } && complete
            }
            if Ciphers.swappedPairs(inspected, survey: survey) {
                scratch.statistics.cipherDecodes &+= 1
                Ciphers.swapPairs(inspected, into: &scratch.transformed)
                complete = through(.sameLength, from: inspected, scratch) { decodedPasses(using: scratch) } && complete
            }
            if Ciphers.mightBeMorse(inspected, survey: survey) {
                scratch.statistics.cipherDecodes &+= 1
                Ciphers.decodeMorse(inspected, into: &scratch.transformed)
                complete = through(.whole, from: inspected, scratch) { decodedPasses(using: scratch) } && complete
            }
            if Ciphers.decodeCharacterCodes(inspected, survey: survey, into: &scratch.transformed) {
                scratch.statistics.cipherDecodes &+= 1
                complete = through(.whole, from: inspected, scratch) { decodedPasses(using: scratch) } && complete
            }
        }

        if !complete && indeterminate == nil { indeterminate = .regexFailure }
        var verdict = verdict(from: scratch, indeterminate: indeterminate, signals: signals)
        if textModel != nil && (scratch.keepsEvidence || !verdict.hits.isEmpty) { verdict.textScore = scratch.textScore }
        return verdict
    }

    /// The sanitised pass, over the windows around the scalars that sanitising changed: the rest
    /// of the sanitised view is the text's own bytes, which the raw pass has read. (A chat context
    /// with a few emoji variation selectors is not read twice.) When some rule reads the
    /// sanitised view but not the raw one, the whole view is read.
    private func sanitisedPass(_ sanitised: UnsafeRawBufferPointer, text: UnsafeRawBufferPointer, using scratch: ClassificationScratch) -> Bool {
        guard !tables.hasSanitisedOnlyRules else { return scan(sanitised, views: .sanitisedOnly, forms: .plainPass, using: scratch) }
        scratch.windows.reset(textCount: sanitised.count)
        Sanitiser.addChanges(of: text, radius: tables.windowRadius, into: &scratch.windows)
        if scratch.windows.coversAll { return scan(sanitised, views: .sanitisedOnly, forms: .plainPass, using: scratch) }
        // The skeleton buffer is free until the derived passes rebuild it.
        scratch.windows.build(sanitised, .identity, separator: tables.windowSeparatorBytes, into: &scratch.skeleton, scratch: &scratch.windowScratch)
        return through(.windows(scratch.windows, .identity, separator: tables.windowSeparatorBytes), from: sanitised, scratch) {
            scratch.skeleton.withUnsafeBytes { scan($0, views: .sanitisedOnly, forms: .plainPass, excerpt: true, using: scratch) }
        }
    }

    /// Reads `transform` of `windows` of the text (`base` when sanitising changed it, else
    /// `inspected`) through every decoded pass.
    private func transformedPasses(_ transform: ViewTransform, windows: ViewWindows, base: [UInt8]?, inspected: UnsafeRawBufferPointer,
                                   using scratch: ClassificationScratch) -> Bool {
        let separator = tables.windowSeparatorBytes
        let step = ViewStep.windows(windows, transform, separator: separator)
        if let base {
            base.withUnsafeBytes { windows.build($0, transform, separator: separator, into: &scratch.transformed, scratch: &scratch.windowScratch) }
            return through(.sanitised, from: inspected, scratch) {
                base.withUnsafeBytes { base in through(step, from: base, scratch) { decodedPasses(using: scratch) } }
            }
        }
        windows.build(inspected, transform, separator: separator, into: &scratch.transformed, scratch: &scratch.windowScratch)
        return through(step, from: inspected, scratch) { decodedPasses(using: scratch) }
    }

    /// Skeleton and squeezed passes over `source` (the sanitised text, or the raw text when
    /// sanitising changed nothing), each only where its gate says it can reveal something: the
    /// views are built from windows around those places (or the whole text when they are many).
    /// - Returns: whether every search finished, and whether `source` has disguised letters (leet
    ///   between letters, look-alikes, split letters or in-word markup; `I`/`l` case swaps alone do
    ///   not count, camelCase makes them).
    private func derivedPasses(_ source: UnsafeRawBufferPointer, view: ViewKind?, using scratch: ClassificationScratch) -> (complete: Bool, disguisedLetters: Bool, splitLetters: Bool) {
        var complete = true
        let radius = tables.windowRadius
        let separator = tables.windowSeparatorBytes
        scratch.windows.reset(textCount: source.count)
        scratch.squeezedWindows.reset(textCount: source.count)
        scratch.caseSwapWindows.reset(textCount: source.count)
        let gates = DisguiseGates.find(source, radius: radius, skeleton: &scratch.windows, squeezed: &scratch.squeezedWindows,
                                       caseSwaps: &scratch.caseSwapWindows)
        let caseSwapsDisguiseTerms = gates.caseSwaps && keepCaseSwapsThatDisguiseTerms(source, using: scratch)
        if gates.skeleton || caseSwapsDisguiseTerms {
            let views = ViewSet(rawValue: (view ?? .skeleton).bit)
            let excerpt = scratch.windows.build(source, .skeleton, separator: separator, into: &scratch.skeleton, scratch: &scratch.windowScratch)
            let transforms: TermForms = view == .decoded ? [] : TermForms.transforms
            let passed = through(.windows(scratch.windows, .skeleton, separator: separator), from: source, scratch) {
                scratch.skeleton.withUnsafeBytes { scan($0, views: views, forms: transforms.union(.skeleton), excerpt: excerpt, using: scratch) }
            }
            // The readable variant (letters kept, look-alikes and leet mapped) lets the plain
            // terms and the regexes run on disguised text too.
            scratch.windows.build(source, .readable, separator: separator, into: &scratch.readable, scratch: &scratch.windowScratch)
            let readablePassed = through(.windows(scratch.windows, .readable, separator: separator), from: source, scratch) {
                scratch.readable.withUnsafeBytes { scan($0, views: views, forms: transforms.union(.plain), excerpt: excerpt, using: scratch) }
            }
            complete = complete && passed && readablePassed
        }
        // Separators inside words ("ran-som-ware", "ran😀som", "mal<b></b>ware"): markup, symbols
        // and tags open squeezed windows at once; hyphens, underscores, slashes and newlines only
        // where the word read whole shows a term.
        scratch.joinableCompounds.reset(textCount: source.count)
        var splitTerms = false
        if let from = gates.separatorsFrom {
            splitTerms = InWordSeparators.find(source, from: from, radius: radius, strong: &scratch.squeezedWindows, joinable: &scratch.joinableCompounds) { compound in
                joinedRevealsTerm(in: UnsafeRawBufferPointer(rebasing: source[compound]), using: scratch)
            }
        }
        if gates.squeezed || splitTerms {
            // Split letters joined back, over the skeleton, read with the skeleton forms.
            let excerpt = scratch.squeezedWindows.buildSqueezed(source, separator: separator, joinable: scratch.joinableCompounds,
                                                                into: &scratch.squeezed, mask: &scratch.joinedMask,
                                                        skeleton: &scratch.skeleton, scratch: &scratch.windowScratch, scratchMask: &scratch.windowScratchMask)
            let views = ViewSet(rawValue: (view ?? .squeezed).bit)
            let step = ViewStep.squeezed(scratch.squeezedWindows, joinable: scratch.joinableCompounds, separator: separator)
            let passed = through(step, from: source, scratch) {
                scratch.squeezed.withUnsafeBytes { text in
                    scratch.joinedMask.withUnsafeBufferPointer { mask in
                        scan(text, views: views, forms: (view == .decoded ? [] : TermForms.transforms).union(.joined), excerpt: excerpt, joinedMask: mask, using: scratch)
                    }
                }
            }
            complete = complete && passed
        }
        return (complete, gates.skeleton || gates.squeezed || splitTerms, gates.squeezed)
    }

    /// Whether the squeezed reading of `text` (a compound split by hyphens, underscores, slashes
    /// or newlines) shows a term across a joined place that the same words read apart do not:
    /// "ran-som-ware" shows ransomware; "pass-the-hash" and "etc/shadow" show only what their
    /// words already say. Uses the squeezed buffers, free at this point; allocates nothing.
    private func joinedRevealsTerm(in text: UnsafeRawBufferPointer, using scratch: ClassificationScratch) -> Bool {
        // The words joined: the actions of terms across a joined place (most compounds, such as
        // two lines' last and first words, have none, and the check stops here). ASCII compounds
        // (nearly all) are joined on the stack.
        let joined = withUnsafeTemporaryAllocation(byteCount: 2 * Self.stackCompoundBytes, alignment: 8) { buffer -> JoinedSink in
            let output = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Self.stackCompoundBytes])
            let maskBytes = UnsafeMutableRawBufferPointer(rebasing: buffer[Self.stackCompoundBytes...])
            if let count = InWordSeparators.joinASCII(text, into: output, mask: maskBytes) {
                let view = UnsafeRawBufferPointer(rebasing: output[0..<count])
                // SAFETY: `maskBytes` holds `count` initialised bytes, read as UInt8 for this scan only.
                let mask = UnsafeBufferPointer(start: maskBytes.baseAddress!.assumingMemoryBound(to: UInt8.self), count: count)
                var joined = JoinedSink(program: tables.joined.program.buffer, view: view, mask: mask)
                tables.joined.automaton.scan(view, into: &joined)
                return joined
            }
            TextTransforms.squeezedReading(text, into: &scratch.squeezed, joined: &scratch.joinedMask, skeleton: &scratch.caseSwapText)
            return scratch.squeezed.withUnsafeBytes { view in
                scratch.joinedMask.withUnsafeBufferPointer { mask in
                    var joined = JoinedSink(program: tables.joined.program.buffer, view: view, mask: mask)
                    tables.joined.automaton.scan(view, into: &joined)
                    return joined
                }
            }
        }
        guard joined.count > 0 else { return false }
        // The words apart, through the skeleton pass's terms: as written ("living-off-the-land"
        // is a term) and with the separators read as spaces ("pass the hash" is one too).
        var apart = ActionSink(program: tables.skeleton.program.buffer)
        TextViews.skeleton(text, into: &scratch.caseSwapText)
        scratch.caseSwapText.withUnsafeBytes { tables.skeleton.automaton.scan($0, into: &apart) }
        InWordSeparators.mark(text, into: &scratch.squeezed, fill: 0x20)
        scratch.squeezed.withUnsafeBytes { TextViews.skeleton($0, into: &scratch.caseSwapText) }
        scratch.caseSwapText.withUnsafeBytes { tables.skeleton.automaton.scan($0, into: &apart) }
        if joined.overflowed { return true }
        for index in 0..<joined.actions.count where !apart.contains(joined.actions[index]) { return true }
        return false
    }

    /// Compounds up to this long are joined on the stack (`InWordSeparators.find` caps them at 256).
    private static let stackCompoundBytes = 320

    /// Collects the actions of every hit (terms, not their ROT13 or reversed forms) into a
    /// 256-bit filter: a false "seen" only hides a joined term, never invents one.
    private struct ActionSink: KeywordHitSink {
        let program: UnsafeBufferPointer<UInt32>
        var seen: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
            forEachAction(pattern, program) { insert($0) }
        }

        mutating func insert(_ action: UInt32) {
            let bit = Self.bit(action)
            switch bit >> 6 {
            case 0: seen.0 |= 1 << (bit & 63)
            case 1: seen.1 |= 1 << (bit & 63)
            case 2: seen.2 |= 1 << (bit & 63)
            default: seen.3 |= 1 << (bit & 63)
            }
        }

        func contains(_ action: UInt32) -> Bool {
            let bit = Self.bit(action)
            let word = bit >> 6 == 0 ? seen.0 : bit >> 6 == 1 ? seen.1 : bit >> 6 == 2 ? seen.2 : seen.3
            return word >> (bit & 63) & 1 != 0
        }

        static func bit(_ action: UInt32) -> UInt64 { UInt64((action &* 0x9E37_79B1) >> 24) }
    }

    /// Calls `body` with each action of `pattern` (none for ROT13 and reversed forms).
    @inline(__always)
    private static func forEachAction(_ pattern: UInt32, _ program: UnsafeBufferPointer<UInt32>, _ body: (UInt32) -> Void) {
        let header = program[Int(pattern)]
        guard UInt8(truncatingIfNeeded: header) & TermForms.transforms.rawValue == 0 else { return }
        let first = Int(pattern) + 1
        for index in first..<first + Int(header >> 8) { body(program[index] & ~(3 << RuleTables.boundaryShift)) }
    }

    /// Collects the actions of hits that are whole words of the joined reading and run across a
    /// joined place (they hold the letters on both sides of a removed separator: "ran|som" in
    /// "ransomware", not "write" in "write-ups", nor "rtu" inside "hacker-turned"). Keeps up to
    /// eight, with no allocation; past that, `overflowed`.
    private struct JoinedSink: KeywordHitSink {
        let program: UnsafeBufferPointer<UInt32>
        let view: UnsafeRawBufferPointer
        let mask: UnsafeBufferPointer<UInt8>
        var actions = FixedActions()
        var count = 0
        var overflowed = false

        /// Up to eight actions, inline.
        struct FixedActions {
            var storage: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0, 0, 0, 0, 0)
            var count = 0
            subscript(index: Int) -> UInt32 {
                get { withUnsafeBytes(of: storage) { $0.load(fromByteOffset: index * 4, as: UInt32.self) } }
                set { withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: newValue, toByteOffset: index * 4, as: UInt32.self) } }
            }
        }

        init(program: UnsafeBufferPointer<UInt32>, view: UnsafeRawBufferPointer, mask: UnsafeBufferPointer<UInt8>) {
            self.program = program
            self.view = view
            self.mask = mask
        }

        mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
            guard start < end, end <= view.count else { return }
            guard start == 0 || !TextTransforms.isTokenByte(view[start - 1]), end == view.count || !TextTransforms.isTokenByte(view[end]) else { return }
            let last = min(end, mask.count) - 1
            var index = start
            while index < last && !(mask[index] != 0 && mask[index + 1] != 0) { index += 1 }
            guard index < last else { return }
            Classifier.forEachAction(pattern, program) { action in
                if actions.count < 8 {
                    actions[actions.count] = action
                    actions.count += 1
                } else {
                    overflowed = true
                }
                count += 1
            }
        }
    }

    /// Adds a skeleton window around each `I`/`l` case swap whose skeleton shows a term across the
    /// swap ("maIware" reads "malware"); camelCase identifiers ("getItem", "SslStream") show none
    /// and get no window. (The readable view keeps letters as they are, so a swap can only matter
    /// to the skeleton forms.) Returns whether any was kept.
    private func keepCaseSwapsThatDisguiseTerms(_ source: UnsafeRawBufferPointer, using scratch: ClassificationScratch) -> Bool {
        if scratch.caseSwapWindows.coversAll {
            scratch.windows.coverAll()
            return true
        }
        let reach = tables.skeleton.automaton.longestPattern
        var kept = false
        for index in scratch.caseSwapWindows.ranges.indices {
            let swap = scratch.caseSwapWindows.ranges[index]
            let span = max(0, swap.lowerBound - reach)..<min(source.count, swap.upperBound + reach)
            // Where the swap lands in the skeleton of its neighbourhood: the skeleton is not
            // byte for byte ("rn" reads "m"), so measure the skeletons of what comes before it.
            TextViews.skeleton(UnsafeRawBufferPointer(rebasing: source[span.lowerBound..<swap.lowerBound]), into: &scratch.caseSwapText)
            let swapStart = scratch.caseSwapText.count
            TextViews.skeleton(UnsafeRawBufferPointer(rebasing: source[span.lowerBound..<swap.upperBound]), into: &scratch.caseSwapText)
            let swapEnd = max(scratch.caseSwapText.count, swapStart + 1)
            TextViews.skeleton(UnsafeRawBufferPointer(rebasing: source[span]), into: &scratch.caseSwapText)
            let disguises = scratch.caseSwapText.withUnsafeBytes {
                Self.hitOverlaps(max(0, swapStart - 1)..<swapEnd + 1, in: $0, automaton: tables.skeleton.automaton)
            }
            if disguises {
                scratch.windows.add(swap, radius: tables.windowRadius)
                kept = true
            }
        }
        return kept
    }

    /// Whether some pattern of `automaton` occurs in `text` across `range`.
    private static func hitOverlaps(_ range: Range<Int>, in text: UnsafeRawBufferPointer, automaton: KeywordAutomaton) -> Bool {
        var sink = OverlapSink(range: range)
        automaton.scan(text, into: &sink)
        return sink.found
    }

    /// Notes whether a hit overlaps `range`.
    private struct OverlapSink: KeywordHitSink {
        let range: Range<Int>
        var found = false
        mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
            if start < range.upperBound && end > range.lowerBound { found = true }
        }
    }

    /// Every pass over the decoded text in `scratch.transformed`: plain, sanitised, skeleton and
    /// squeezed, all reported as the decoded view.
    private func decodedPasses(using scratch: ClassificationScratch) -> Bool {
        let decodedView = ViewSet(rawValue: ViewKind.decoded.bit)
        if let textModel {
            // Decoded text (a blob, ROT13, reversed) is read by the text model too.
            scratch.transformed.withUnsafeBytes { TextViews.readable($0, into: &scratch.textModelView) }
            scratch.textScore = max(scratch.textScore, scratch.textModelView.withUnsafeBytes { textModel.score($0, seen: scratch.textSeen, stamp: scratch.nextTextStamp()) })
            // Decoding is rare: its words split by symbols are always read whole too.
            if scratch.textModelView.withUnsafeBytes({ TextModel.joinSymbolSplitWords($0, into: &scratch.windowScratch) }) {
                scratch.textScore = max(scratch.textScore, scratch.windowScratch.withUnsafeBytes { textModel.score($0, seen: scratch.textSeen, stamp: scratch.nextTextStamp()) })
            }
            // And the payload alone, after a plain instruction ("Decode this and do what it
            // says: …"), whose words would otherwise dilute it.
            scratch.textModelView.withUnsafeBytes { view in
                guard let start = Ciphers.instructionEnd(view), view.count - start >= Self.minimumPayloadBytes else { return }
                scratch.textScore = max(scratch.textScore, textModel.score(UnsafeRawBufferPointer(rebasing: view[start...]), seen: scratch.textSeen, stamp: scratch.nextTextStamp()))
            }
        }
        var complete = scratch.transformed.withUnsafeBytes { scan($0, views: decodedView, forms: .plain, using: scratch) }
        let ascii = scratch.transformed.withUnsafeBytes { Sanitiser.isPlainASCII($0) }
        var sanitisedDiffers = false
        if !ascii {
            scratch.transformed.withUnsafeBytes { Sanitiser.sanitise($0, into: &scratch.decodedDerived) }
            sanitisedDiffers = scratch.transformed.withUnsafeBytes { decoded in scratch.decodedDerived.withUnsafeBytes { Sanitiser.equalIgnoringASCIICase($0, decoded) } } == false
        }
        if sanitisedDiffers {
            let (passed, derived) = scratch.transformed.withUnsafeBytes { decoded in
                through(.sanitised, from: decoded, scratch) {
                    (scratch.decodedDerived.withUnsafeBytes { scan($0, views: decodedView, forms: .plain, using: scratch) },
                     scratch.decodedDerived.withUnsafeBytes { derivedPasses($0, view: .decoded, using: scratch) })
                }
            }
            complete = complete && passed && derived.complete
        } else {
            let derived = scratch.transformed.withUnsafeBytes { derivedPasses($0, view: .decoded, using: scratch) }
            complete = complete && derived.complete
        }
        return complete
    }

    /// One automaton pass over `view`, standing for `views`, then regex confirmation and the
    /// pass's exceptions. Returns false if RE2 could not finish a search.
    private func scan(_ view: UnsafeRawBufferPointer, views: ViewSet, forms: TermForms, excerpt: Bool = false, joinedMask: UnsafeBufferPointer<UInt8>? = nil,
                      using scratch: ClassificationScratch) -> Bool {
        // Passes over the text itself record exceptions for the request; passes over its skeleton
        // and squeezed forms honour them (an exception written plainly still holds there).
        let textPass = views.rawValue & ViewSet.rawAndSanitised.rawValue != 0
        let inheritsExceptions = views.rawValue & (ViewKind.skeleton.bit | ViewKind.squeezed.bit) != 0
        scratch.beginPass()
        scratch.passViewCount = view.count
        scratch.passIsExcerpt = excerpt
        scratch.statistics.passes &+= 1
        if views.rawValue == ViewKind.decoded.bit {
            scratch.statistics.decodedPassBytes &+= view.count
        } else if forms.contains(.joined) {
            scratch.statistics.squeezedPassBytes &+= view.count
        } else if forms.contains(.skeleton) {
            scratch.statistics.skeletonPassBytes &+= view.count
        } else {
            scratch.statistics.plainPassBytes &+= view.count
        }
        let generation = scratch.passGeneration
        let mask = views.rawValue
        // SAFETY: `self` holds `tables`, which holds every pass's tables, for the whole call, and
        // the collector reads their buffers (and `scratch`, which the caller holds) only during
        // this scan. Unowned references spare the retain and release per pass.
        unowned(unsafe) let pass = tables.passTables(for: forms)
        var collector = HitCollector(tables: tables, pass: pass, text: view, forms: forms.rawValue, scratch: scratch, viewMask: mask,
                                     generation: generation, regexWindow: options.regexWindowBytes, joinedMask: joinedMask)
        Unmanaged.passUnretained(pass.automaton)._withUnsafeGuaranteedRef { $0.scan(view, into: &collector, events: scratch.automatonEvents) }
        var complete = true
        // An `unless` term cancels a rule only within `exceptionDistance` bytes of the span that
        // fired it: a defensive phrase qualifies the request around it, not a whole chat context
        // (and an attacker cannot cancel a rule by appending an unrelated sentence).
        let distance = options.exceptionDistance
        func exceptedNear(_ rule: Int, _ span: Range<Int>) -> Bool {
            for index in Int(tables.ruleExceptionStart[rule])..<Int(tables.ruleExceptionStart[rule + 1]) {
                let group = tables.ruleExceptionGroups[index]
                guard scratch.exceptedGeneration[Int(group)] == generation else { continue }
                for entry in 0..<scratch.exceptionLogCount where scratch.exceptionLogGroup[entry] == group {
                    let exception = scratch.exceptionLogSpan[entry]
                    if exception.upperBound >= span.lowerBound - distance && exception.lowerBound <= span.upperBound + distance { return true }
                }
            }
            return false
        }
        func hasExceptions(_ rule: Int) -> Bool { tables.ruleExceptionStart[rule] != tables.ruleExceptionStart[rule + 1] }
        /// The first trigger of `rule` this pass with no exception near it (every trigger of a
        /// rule with `unless` terms is logged); nil if each one is excepted.
        func unexceptedTrigger(_ rule: Int) -> Range<Int>? {
            let first = scratch.triggeredSpan[rule]
            guard hasExceptions(rule), exceptedNear(rule, first) else { return first }
            // A trigger that did not fit the log could not be checked: it stands.
            if scratch.triggerUnlogged[rule] == generation { return first }
            for entry in 0..<scratch.triggerLogCount where scratch.triggerLogRule[entry] == UInt32(rule) {
                let span = scratch.triggerLogSpan[entry]
                if !exceptedNear(rule, span) { return span }
            }
            return nil
        }
        func holds(_ rule: Int) -> Bool {
            tables.ruleViews[rule] & mask != 0
                && (scratch.triggeredGeneration[rule] != generation || unexceptedTrigger(rule) == nil)
                && !(inheritsExceptions && scratch.exceptedInText[rule] == scratch.requestGeneration)
                && scratch.firedGeneration[rule] != scratch.requestGeneration
        }
        func trigger(_ rule: Int, _ span: Range<Int>) {
            if hasExceptions(rule) { scratch.logTrigger(rule: rule, span: span) }
            guard scratch.triggeredGeneration[rule] != generation else { return }
            scratch.triggeredGeneration[rule] = generation
            scratch.triggeredSpan[rule] = span
            scratch.touchedRules[scratch.touchedCount] = UInt32(rule)
            scratch.touchedCount += 1
        }
        // Candidates whose rule is still undecided: each regex runs only inside the windows around
        // its atoms, and stops at its first match.
        for index in 0..<(forms.contains(.plain) ? scratch.candidateCount : 0) {
            let candidate = Int(scratch.candidates[index])
            let regex = tables.regexes[candidate]
            let rule = Int(regex.rule)
            guard holds(rule) else { continue }
            let count = Int(scratch.windowCounts[candidate])
            scratch.statistics.regexRuns &+= 1
            let base = candidate * ClassificationScratch.windowStride
            // A match with an exception near it does not settle the rule: the search goes on
            // (from the next byte, then in the later windows) for one without. Only excepted
            // matches cost more than one search.
            let excepted = hasExceptions(rule)
            if let profile = scratch.profile { profile.regexRuns[rule] += 1 }
            let started = scratch.profile == nil ? nil : ContinuousClock.now
            windows: for window in 0..<count {
                var lower = max(0, scratch.windowBounds[base + window * 2])
                let upper = min(view.count, scratch.windowBounds[base + window * 2 + 1])
                scratch.statistics.regexBytes &+= upper - lower
                if let profile = scratch.profile { profile.regexBytes[rule] += upper - lower }
                while lower < upper, let span = regex.pattern.firstMatch(in: view, range: lower..<upper) {
                    trigger(rule, span)
                    if !excepted || !exceptedNear(rule, span) { break windows }
                    lower = span.lowerBound + 1
                }
            }
            if let started, let profile = scratch.profile {
                let elapsed = ContinuousClock.now - started
                profile.regexNanoseconds[rule] += Int(elapsed.components.seconds) * 1_000_000_000 + Int(elapsed.components.attoseconds / 1_000_000_000)
            }
        }
        if let unfiltered = tables.unfiltered, forms.contains(.plain) {
            do {
                // The allocation-free "any?" pass first, so the clean path allocates nothing.
                if try unfiltered.matchesAny(in: view) {
                    try unfiltered.matches(in: view, scratch: scratch.setScratch) { index in
                        let rule = Int(tables.unfilteredRules[index])
                        if holds(rule) { trigger(rule, 0..<view.count) }
                    }
                }
            } catch {
                complete = false
            }
        }
        for index in 0..<scratch.touchedCount {
            let rule = Int(scratch.touchedRules[index])
            guard scratch.firedGeneration[rule] != scratch.requestGeneration,
                  !(inheritsExceptions && scratch.exceptedInText[rule] == scratch.requestGeneration) else { continue }
            // The first trigger with no exception near it: a defensive sentence near one trigger
            // must not hide another.
            guard let span = unexceptedTrigger(rule) else {
                // Excepted here; the text's derived views honour it too.
                if textPass { scratch.exceptedInText[rule] = scratch.requestGeneration }
                continue
            }
            scratch.firedGeneration[rule] = scratch.requestGeneration
            if let profile = scratch.profile { profile.fired[rule] += 1 }
            scratch.firedRules[scratch.firedCount] = UInt32(rule)
            scratch.firedView[rule] = Self.firstView(in: views.rawValue & tables.ruleViews[rule])
            scratch.firedSpan[rule] = span
            scratch.firedTextSpan[rule] = Self.textSpan(of: span, scratch)
            scratch.firedCount += 1
        }
        return complete
    }

    /// Runs `body` with `step` (over `source`) as the innermost way the scanned view was built.
    @inline(__always)
    private func through<T>(_ step: ViewStep, from source: UnsafeRawBufferPointer, _ scratch: ClassificationScratch, _ body: () -> T) -> T {
        scratch.viewSteps.append((step, source))
        defer { scratch.viewSteps.removeLast() }
        return body()
    }

    /// The bytes of the request text that `span` of the view being scanned came from.
    static func textSpan(of span: Range<Int>, _ scratch: ClassificationScratch) -> Range<Int> {
        var range = span
        var index = scratch.viewSteps.count
        while index > 0 {
            index -= 1
            let (step, source) = scratch.viewSteps[index]
            range = ViewOrigins.source(of: range, through: step, in: source)
        }
        return range
    }

    /// Texts up to this size that need the skeleton view are also decoded as ROT13 and reversed.
    static let blindDecodeLimit = 2048
    /// Texts up to this long are checked for letter ciphers and Morse code.
    static let cipherLimit = 4096
    /// The shortest decoded payload after an instruction that the text model reads on its own.
    static let minimumPayloadBytes = 24

    /// The first view (in `ViewKind` order) whose bit is in `mask`.
    static func firstView(in mask: UInt8) -> ViewKind {
        if mask & ViewKind.raw.bit != 0 { return .raw }
        if mask & ViewKind.sanitised.bit != 0 { return .sanitised }
        if mask & ViewKind.skeleton.bit != 0 { return .skeleton }
        if mask & ViewKind.squeezed.bit != 0 { return .squeezed }
        return .decoded
    }

    /// Collects the request's fired rules into a verdict. Allocates only when a rule fired that is
    /// not evidence, when the scoring model fired a category, or when the scratch keeps evidence
    /// (`--explain`).
    private func verdict(from scratch: ClassificationScratch, indeterminate: Indeterminate?, signals: Signals) -> Verdict {
        var signals = signals
        let quiet = indeterminate == nil && signals.isEmpty ? Verdict.clean : Verdict(risky: false, score: 0, hits: [], indeterminate: indeterminate, signals: signals)
        guard scratch.firedCount > 0 || scratch.textScore >= textModel?.threshold ?? .infinity else {
            // No rule fired, so the text model's rule weights add nothing.
            return quiet
        }
        var decisive = applyScoring(scratch, plainText: signals.isEmpty)
        if !decisive && !scratch.keepsEvidence {
            for index in 0..<scratch.firedCount where !tables.ruleIsEvidence[Int(scratch.firedRules[index])] {
                decisive = true
                break
            }
            if !decisive { return quiet }
        }
        let fired = UnsafeMutableBufferPointer(rebasing: scratch.firedRules[0..<scratch.firedCount])
        // Insertion sort: few rules fire, and the standard sort may allocate a merge buffer.
        for index in fired.indices.dropFirst() {
            let value = fired[index]
            var position = index
            while position > 0 && fired[position - 1] > value {
                fired[position] = fired[position - 1]
                position -= 1
            }
            fired[position] = value
        }
        var hits: [RuleHit] = []
        hits.reserveCapacity(fired.count)
        var score = 0.0
        var risky = false
        for rule in fired {
            let index = Int(rule)
            hits.append(RuleHit(rule: index, view: scratch.firedView[index], span: scratch.firedSpan[index], textSpan: scratch.firedTextSpan[index]))
            if tables.ruleIsEvidence[index] { continue }
            switch scratch.firedView[index] {
            case .decoded: signals.insert(Signals(.decodedMatch))
            case .skeleton, .squeezed: signals.insert(Signals(.obfuscation))
            case .raw, .sanitised: break
            }
            if tables.ruleEnforced[index] {
                risky = true
                if !scoring.ruleIsScore[index] && index != textModelRule { score += pack.rules[index].severity.weight }
            }
        }
        var verdict = Verdict(risky: risky, score: score, hits: hits, indeterminate: indeterminate, signals: signals)
        if scoring.modelCount > 0 { verdict.scores = categoryScores(scratch, fired: fired) }
        if scratch.keepsEvidence {
            verdict.withdrawn = (0..<scratch.withdrawnCount).map {
                Withdrawal(rule: Int(scratch.withdrawnRules[$0]), cause: Withdrawal.Cause(rawValue: scratch.withdrawnCause[$0]) ?? .textModel)
            }
        }
        return verdict
    }

    /// Scores every category whose gate fired (`modelScores`, NaN where it did not) and fires the
    /// synthetic rule of each category at or above its threshold, with the span of its first gate
    /// rule; then applies the text model (`applyTextModel`). Returns whether any synthetic rule
    /// fired. No allocation.
    private func applyScoring(_ scratch: ClassificationScratch, plainText: Bool) -> Bool {
        if textModel != nil {
            // The text model's rule weights, over every rule that fired before any withdrawal.
            var sum = 0.0
            var categories: UInt64 = 0
            for index in 0..<scratch.firedCount {
                let rule = Int(scratch.firedRules[index])
                sum += textRuleWeight[rule]
                categories |= textCrossBit[rule]
            }
            if categories != 0 {
                for index in 0..<scratch.firedCount {
                    let row = textCrossRow[Int(scratch.firedRules[index])]
                    guard row >= 0 else { continue }
                    var remaining = categories
                    while remaining != 0 {
                        sum += textCrossWeight[row + remaining.trailingZeroBitCount]
                        remaining &= remaining &- 1
                    }
                }
            }
            scratch.textScore += sum
            scratch.textPlainScore += sum
        }
        let models = scoring.modelCount
        guard models > 0 else { return applyTextModel(scratch, plainText: plainText) }
        let scores = scratch.modelScores
        let countered = scratch.modelCountered
        for model in 0..<models {
            scores[model] = .nan
            countered[model] = false
        }
        let firedCount = scratch.firedCount
        let gateRule = scratch.modelGateRule
        for index in 0..<firedCount {
            let rule = Int(scratch.firedRules[index])
            let gate = Int(scoring.ruleGate[rule])
            if gate >= 0 && scores[gate].isNaN {
                scores[gate] = scoring.bias[gate]
                gateRule[gate] = rule
            } else if gate >= 0 && rule < gateRule[gate] {
                gateRule[gate] = rule
            }
        }
        for index in 0..<firedCount {
            let rule = Int(scratch.firedRules[index])
            for contribution in Int(scoring.ruleContributionStart[rule])..<Int(scoring.ruleContributionStart[rule + 1]) {
                let model = Int(scoring.contributionModel[contribution])
                if !scores[model].isNaN {
                    scores[model] += scoring.contributionWeight[contribution]
                    if scoring.contributionWeight[contribution] < 0 && scoring.ruleIsCounter[rule] { countered[model] = true }
                }
            }
        }
        for model in 0..<models where !scores[model].isNaN {
            for pair in Int(scoring.modelPairStart[model])..<Int(scoring.modelPairStart[model + 1]) where pairFired(pair, scratch) {
                scores[model] += scoring.pairWeight[pair]
            }
        }
        // Counter-evidence that keeps a category's score below its `withdrawBelow` withdraws the
        // category's weighed enforce rules (critical ones excepted) from the verdict.
        var kept = 0
        for index in 0..<firedCount {
            let rule = Int(scratch.firedRules[index])
            let model = Int(scoring.ruleGate[rule])
            if scratch.withdrawsRules && scoring.ruleIsWeighedEnforce[rule] && model >= 0 && countered[model] && scores[model] < scoring.withdrawBelow[model]
                && pack.rules[rule].severity != .critical {
                recordWithdrawal(rule, .counterEvidence, scratch)
                continue
            }
            scratch.firedRules[kept] = UInt32(rule)
            kept += 1
        }
        scratch.firedCount = kept
        var anyFired = false
        for model in 0..<models where !scores[model].isNaN && scores[model] >= scoring.threshold[model] {
            let scoreRule = scoring.scoreRule[model]
            guard scoreRule >= 0, scratch.firedGeneration[scoreRule] != scratch.requestGeneration else { continue }
            let gate = gateRule[model]
            scratch.firedGeneration[scoreRule] = scratch.requestGeneration
            scratch.firedRules[scratch.firedCount] = UInt32(scoreRule)
            scratch.firedView[scoreRule] = scratch.firedView[gate]
            scratch.firedSpan[scoreRule] = scratch.firedSpan[gate]
            scratch.firedTextSpan[scoreRule] = scratch.firedTextSpan[gate]
            scratch.firedCount += 1
            anyFired = true
        }
        return applyTextModel(scratch, plainText: plainText) || anyFired
    }

    /// Withdraws the enforce rules that fired on the plain text (critical ones, the ones the model
    /// keeps and synthetic rules excepted) when the text model is confident the request is benign and no evasion signal
    /// was raised (`plainText`); fires the model's rule at its threshold. Returns whether it fired.
    private func applyTextModel(_ scratch: ClassificationScratch, plainText: Bool) -> Bool {
        guard let textModel, textModelRule >= 0 else { return false }
        let score = scratch.textScore
        if scratch.withdrawsRules && plainText && scratch.textPlainScore < textModel.withdrawBelow {
            var kept = 0
            for index in 0..<scratch.firedCount {
                let rule = Int(scratch.firedRules[index])
                let plainView = scratch.firedView[rule] == .raw || scratch.firedView[rule] == .sanitised
                if plainView && tables.ruleEnforced[rule] && !tables.ruleIsEvidence[rule] && !scoring.ruleIsScore[rule]
                    && pack.rules[rule].severity != .critical && !textKeeps[rule] {
                    recordWithdrawal(rule, .textModel, scratch)
                    continue
                }
                scratch.firedRules[kept] = UInt32(rule)
                kept += 1
            }
            scratch.firedCount = kept
        }
        guard score >= textModel.threshold, scratch.firedGeneration[textModelRule] != scratch.requestGeneration else { return false }
        scratch.firedGeneration[textModelRule] = scratch.requestGeneration
        scratch.firedRules[scratch.firedCount] = UInt32(textModelRule)
        scratch.firedView[textModelRule] = .sanitised
        scratch.firedSpan[textModelRule] = 0..<scratch.baseCount
        scratch.firedTextSpan[textModelRule] = 0..<scratch.textCount
        scratch.firedCount += 1
        return true
    }

    /// Notes that a model withdrew `rule` from the current request (shown by `--explain`).
    @inline(__always)
    private func recordWithdrawal(_ rule: Int, _ cause: Withdrawal.Cause, _ scratch: ClassificationScratch) {
        scratch.withdrawnRules[scratch.withdrawnCount] = UInt32(rule)
        scratch.withdrawnCause[scratch.withdrawnCount] = cause.rawValue
        scratch.withdrawnCount += 1
    }

    /// Whether both rules of a scoring pair fired in the current request.
    @inline(__always)
    private func pairFired(_ pair: Int, _ scratch: ClassificationScratch) -> Bool {
        scratch.firedGeneration[Int(scoring.pairFirst[pair])] == scratch.requestGeneration
            && scratch.firedGeneration[Int(scoring.pairSecond[pair])] == scratch.requestGeneration
    }

    /// Every scored category with its score and the evidence that made it (for `--explain`).
    private func categoryScores(_ scratch: ClassificationScratch, fired: UnsafeMutableBufferPointer<UInt32>) -> [CategoryScore] {
        var result: [CategoryScore] = []
        for model in 0..<scoring.modelCount where !scratch.modelScores[model].isNaN {
            var contributions: [CategoryScore.Contribution] = []
            for rule in fired {
                for contribution in Int(scoring.ruleContributionStart[Int(rule)])..<Int(scoring.ruleContributionStart[Int(rule) + 1])
                    where Int(scoring.contributionModel[contribution]) == model {
                    contributions.append(.init(rule: Int(rule), weight: scoring.contributionWeight[contribution]))
                }
            }
            for pair in Int(scoring.modelPairStart[model])..<Int(scoring.modelPairStart[model + 1]) where pairFired(pair, scratch) {
                contributions.append(.init(rule: Int(scoring.pairFirst[pair]), second: Int(scoring.pairSecond[pair]), weight: scoring.pairWeight[pair]))
            }
            result.append(CategoryScore(category: pack.scoring?.categories[model].name ?? "", score: scratch.modelScores[model],
                                        threshold: scoring.threshold[model], bias: scoring.bias[model], contributions: contributions))
        }
        return result
    }
}

extension Verdict {
    /// The distinct categories of the enforce-mode rules that fired, in rule order.
    public func categories(in rules: [Rule]) -> [String] {
        var result: [String] = []
        for hit in hits where rules[hit.rule].mode == .enforce && !result.contains(rules[hit.rule].category) {
            result.append(rules[hit.rule].category)
        }
        return result
    }
}
