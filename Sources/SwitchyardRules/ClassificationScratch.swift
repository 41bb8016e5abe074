import SwitchyardMatching

/// Per-thread working memory for `Classifier.classify`. Allocated once, sized for one classifier,
/// and reused for every request, so the clean path allocates nothing.
///
/// Not thread-safe: give each thread (or task) its own, from `Classifier.makeScratch()`. It may move
/// between threads (a pool hands it out), but two threads must never use it at once.
///
/// Entries are tagged with a generation number instead of being cleared: a value counts only when
/// its tag equals the current pass's (or request's) generation, so starting a pass costs O(1).
public final class ClassificationScratch: @unchecked Sendable {
    // SAFETY (Sendable): only so that pools can hand scratch to worker threads; every use is by one
    // thread at a time, which the pools and the documentation above guarantee.
    // SAFETY (`@exclusivity(unchecked)`): the dynamic exclusivity checks on these properties cost a
    // runtime call per access on the hot path. They are safe to skip: one thread uses a scratch at
    // a time, and no access to a property overlaps another access to the same property (the
    // `inout` uses pass distinct properties).
    /// Sizes this scratch was made for (checked against the classifier on use).
    let ruleCount: Int
    let listCount: Int
    let regexCount: Int

    // Per view pass.
    let triggeredGeneration: UnsafeMutableBufferPointer<UInt32>
    let triggeredSpan: UnsafeMutableBufferPointer<Range<Int>>
    /// Every trigger this pass of a rule with `unless` terms, in order: the rule fires if any one
    /// of them has no exception near it (a defensive sentence near one trigger must not hide
    /// another). A trigger past `maxLoggedTriggers` tags its rule in `triggerUnlogged`, and the
    /// rule then fires: what could not be checked is never excepted.
    let triggerLogRule: UnsafeMutableBufferPointer<UInt32>
    let triggerLogSpan: UnsafeMutableBufferPointer<Range<Int>>
    @exclusivity(unchecked) var triggerLogCount = 0
    let triggerUnlogged: UnsafeMutableBufferPointer<UInt32>
    static let maxLoggedTriggers = 1024
    let exceptedGeneration: UnsafeMutableBufferPointer<UInt32>
    /// Every `unless` hit this pass (its group and span), so an exception cancels a rule only
    /// near where the rule fired. Hits past `maxLoggedExceptions` are dropped, which can only
    /// make a rule fire.
    let exceptionLogGroup: UnsafeMutableBufferPointer<UInt32>
    let exceptionLogSpan: UnsafeMutableBufferPointer<Range<Int>>
    @exclusivity(unchecked) var exceptionLogCount = 0
    static let maxLoggedExceptions = 1024
    let touchedRules: UnsafeMutableBufferPointer<UInt32>
    @exclusivity(unchecked) var touchedCount = 0
    /// Per distinct `near` list, valid when its generation is the pass's: the latest start of one
    /// of its terms (`Int.min`: none yet), and the end offset up to which a term of it may
    /// complete a clause whose anchor occurred (`Int.min`: not armed).
    let listGeneration: UnsafeMutableBufferPointer<UInt32>
    let listLatestStart: UnsafeMutableBufferPointer<Int>
    let listArmedUntil: UnsafeMutableBufferPointer<Int>
    let candidateGeneration: UnsafeMutableBufferPointer<UInt32>
    let candidates: UnsafeMutableBufferPointer<UInt32>
    @exclusivity(unchecked) var candidateCount = 0
    /// Per regex and atom group: the latest start of an atom of that group this pass (valid when
    /// the regex's `atomGeneration` is the pass's).
    let atomGeneration: UnsafeMutableBufferPointer<UInt32>
    let atomLatestStart: UnsafeMutableBufferPointer<Int>
    /// Per regex: how many confirmation windows it has this pass, and their bounds, `maxWindows`
    /// (start, end) pairs from `regex * windowStride` (past that, the closest two merge).
    let windowCounts: UnsafeMutableBufferPointer<UInt16>
    let windowBounds: UnsafeMutableBufferPointer<Int>
    static let maxWindows = 256
    /// Ints from one regex's windows to the next: one cache line more than they need, so that the
    /// regexes' first windows (the ones most passes use) do not all fall in the same cache set.
    static let windowStride = maxWindows * 2 + 8
    @exclusivity(unchecked) var passGeneration: UInt32 = 0

    // Per request.
    /// Tagged with the request generation when a rule's `unless` term occurred in the text itself
    /// (raw or sanitised); the text's skeleton and squeezed passes honour it too.
    let exceptedInText: UnsafeMutableBufferPointer<UInt32>
    let firedGeneration: UnsafeMutableBufferPointer<UInt32>
    let firedRules: UnsafeMutableBufferPointer<UInt32>
    let firedView: UnsafeMutableBufferPointer<ViewKind>
    let firedSpan: UnsafeMutableBufferPointer<Range<Int>>
    /// The bytes of the request text each fired rule's span came from.
    let firedTextSpan: UnsafeMutableBufferPointer<Range<Int>>
    @exclusivity(unchecked) var firedCount = 0
    /// Enforce rules that fired and that a learned model withdrew from the current request, and
    /// which model did (`Withdrawal.Cause` raw values), for `--explain`.
    let withdrawnRules: UnsafeMutableBufferPointer<UInt32>
    let withdrawnCause: UnsafeMutableBufferPointer<UInt8>
    @exclusivity(unchecked) var withdrawnCount = 0
    @exclusivity(unchecked) var requestGeneration: UInt32 = 0

    /// What this scratch's classifications have cost so far (reset it freely).
    @exclusivity(unchecked) package var statistics = ScanStatistics()
    /// Per-rule work counters (nil: not profiling). Make one with `RuleProfile(ruleCount:)` for
    /// this scratch's classifier; it adds a clock read per RE2 confirmation.
    @exclusivity(unchecked) package var profile: RuleProfile? = nil

    /// `TermForms` bits of every pattern hit in the current request (ROT13 and reversed evidence).
    @exclusivity(unchecked) var seenForms: UInt8 = 0

    /// Where the derived views of the current text need to look (see `ViewWindows`): for the
    /// skeleton and readable views, the squeezed view, and the ROT13 and reversed readings (the
    /// last two filled from term-form evidence during the passes).
    @exclusivity(unchecked) var windows = ViewWindows()
    @exclusivity(unchecked) var squeezedWindows = ViewWindows()
    /// `I`/`l` case swaps found by the gates, before the classifier keeps those that disguise a term.
    @exclusivity(unchecked) var caseSwapWindows = ViewWindows()
    /// Compounds whose weak separators (hyphens, underscores, newlines) the squeezed view joins:
    /// those that split a term ("ran-som-ware"), not "pass-the-hash".
    @exclusivity(unchecked) var joinableCompounds = ViewWindows()
    @exclusivity(unchecked) var rot13Windows = ViewWindows()
    @exclusivity(unchecked) var reversedWindows = ViewWindows()
    /// Evidence positions are scaled from the current pass's view to the base text by
    /// `baseCount / passViewCount`; a pass over an excerpt (windows) cannot place its evidence.
    @exclusivity(unchecked) var baseCount = 0
    /// The bytes of the request text inspected.
    @exclusivity(unchecked) var textCount = 0
    /// How the view being scanned was built from the request text: each step and the source it
    /// read, outermost first (empty for the text itself). A fired rule's span is mapped back
    /// through them (`ViewOrigins`).
    @exclusivity(unchecked) var viewSteps: [(step: ViewStep, source: UnsafeRawBufferPointer)] = []
    /// Where a term's ROT13 or reversed form was seen, and whether the ROT13 or reversed
    /// reading is confirmed (see `TransformEvidence`; narrowed by `localiseTransformedReadings`).
    @exclusivity(unchecked) var rot13Evidence = TransformEvidence()
    @exclusivity(unchecked) var reversedEvidence = TransformEvidence()
    /// The windows of the current excerpt pass and where each ends in it, listed on its first
    /// piece of evidence (`excerptSegmentsPass` is that pass's generation).
    @exclusivity(unchecked) var excerptSegmentWindows: [Range<Int>] = []
    @exclusivity(unchecked) var excerptSegmentEnds: [Int] = []
    @exclusivity(unchecked) var excerptSegmentsPass: UInt32 = .max
    @exclusivity(unchecked) var excerptSegmentsKnown = false
    /// The text model's score for the current request: the highest over the text and its decoded
    /// readings (NaN: no model); and its score for the text itself, the only one that may
    /// withdraw rules.
    @exclusivity(unchecked) var textScore = Double.nan
    @exclusivity(unchecked) var textPlainScore = Double.nan
    /// The readable view of the whole text (or of decoded text), which the text model reads.
    @exclusivity(unchecked) var textModelView: [UInt8] = []
    /// A conversation's context and ask, read apart for the text model (`TextModel`), and the
    /// sanitised part they are read from.
    @exclusivity(unchecked) var textContextView: [UInt8] = []
    @exclusivity(unchecked) var textFocusView: [UInt8] = []
    @exclusivity(unchecked) var textPartSanitised: [UInt8] = []
    @exclusivity(unchecked) var passViewCount = 0
    @exclusivity(unchecked) var passIsExcerpt = false
    /// Bytes around a ROT13 or reversed term form that the decoded reading covers.
    @exclusivity(unchecked) var evidenceRadius = 512

    /// View buffers of the current request, reused across requests.
    @exclusivity(unchecked) var sanitised: [UInt8] = []
    @exclusivity(unchecked) var skeleton: [UInt8] = []
    @exclusivity(unchecked) var squeezed: [UInt8] = []
    @exclusivity(unchecked) var readable: [UInt8] = []
    @exclusivity(unchecked) var joinedMask: [UInt8] = []
    @exclusivity(unchecked) var decoded: [UInt8] = []
    @exclusivity(unchecked) var decodedDerived: [UInt8] = []
    @exclusivity(unchecked) var transformed: [UInt8] = []
    @exclusivity(unchecked) var windowScratch: [UInt8] = []
    @exclusivity(unchecked) var windowScratchMask: [UInt8] = []
    /// Match states recorded by an interleaved automaton scan.
    let automatonEvents = AutomatonEvents()
    /// One case swap's neighbourhood, transformed, while it is checked.
    @exclusivity(unchecked) var caseSwapText: [UInt8] = []
    let setScratch = RE2PatternSet.Scratch(capacity: 64)

    /// Per scoring-model category: the request's score (NaN: its gate did not fire) and the first
    /// gate rule that fired.
    let modelScores: UnsafeMutableBufferPointer<Double>
    let modelGateRule: UnsafeMutableBufferPointer<Int>
    /// Per scoring-model category: whether counter-evidence (a negative weight) counted.
    let modelCountered: UnsafeMutableBufferPointer<Bool>
    /// Keep evidence-only verdicts (hits of `evidence` rules and category scores) instead of
    /// returning a clean verdict when nothing decisive fired: for `--explain` and training.
    package var keepsEvidence = false
    /// Let the learned models withdraw enforce rules (counter-evidence, a confidently benign text
    /// score). Off for `rules test`, which checks what each rule itself matches.
    package var withdrawsRules = true

    /// The identity of the classifier that made it: its tables are sized for that one only.
    let owner: UInt64

    /// The text model's stamps, one per weight bucket (empty without a text model), and the
    /// stamp of the current scoring call (`nextTextStamp()`).
    let textSeen: UnsafeMutableBufferPointer<UInt8>
    @exclusivity(unchecked) var textStamp: UInt8 = 0

    /// A stamp no bucket holds yet: the table (256 KiB) is cleared once every 255 calls.
    func nextTextStamp() -> UInt8 {
        if textStamp == .max {
            textSeen.update(repeating: 0)
            textStamp = 0
        }
        textStamp += 1
        return textStamp
    }

    init(owner: UInt64, ruleCount: Int, listCount: Int, regexCount: Int, exceptionGroupCount: Int, modelCount: Int = 0, textBuckets: Int = 0) {
        self.owner = owner
        textSeen = .allocate(capacity: textBuckets)
        textSeen.initialize(repeating: 0)
        self.ruleCount = ruleCount
        self.listCount = listCount
        self.regexCount = regexCount
        func zeroed<T>(_ count: Int, _ value: T) -> UnsafeMutableBufferPointer<T> {
            let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(count, 1))
            buffer.initialize(repeating: value)
            return buffer
        }
        triggeredGeneration = zeroed(ruleCount, 0)
        triggeredSpan = zeroed(ruleCount, 0..<0)
        triggerLogRule = zeroed(Self.maxLoggedTriggers, 0)
        triggerLogSpan = zeroed(Self.maxLoggedTriggers, 0..<0)
        triggerUnlogged = zeroed(ruleCount, 0)
        exceptedGeneration = zeroed(exceptionGroupCount, 0)
        exceptionLogGroup = zeroed(Self.maxLoggedExceptions, 0)
        exceptionLogSpan = zeroed(Self.maxLoggedExceptions, 0..<0)
        touchedRules = zeroed(ruleCount, 0)
        listGeneration = zeroed(listCount, 0)
        listLatestStart = zeroed(listCount, 0)
        listArmedUntil = zeroed(listCount, 0)
        candidateGeneration = zeroed(regexCount, 0)
        candidates = zeroed(regexCount, 0)
        atomGeneration = zeroed(regexCount, 0)
        atomLatestStart = zeroed(regexCount * RuleTables.maxAtomGroups, 0)
        windowCounts = zeroed(regexCount, 0)
        windowBounds = zeroed(regexCount * Self.windowStride, 0)
        firedGeneration = zeroed(ruleCount, 0)
        exceptedInText = zeroed(ruleCount, 0)
        firedRules = zeroed(ruleCount, 0)
        withdrawnRules = zeroed(ruleCount, 0)
        withdrawnCause = zeroed(ruleCount, 0)
        firedView = zeroed(ruleCount, .raw)
        firedSpan = zeroed(ruleCount, 0..<0)
        firedTextSpan = zeroed(ruleCount, 0..<0)
        modelScores = zeroed(modelCount, .nan)
        modelGateRule = zeroed(modelCount, 0)
        modelCountered = zeroed(modelCount, false)
        sanitised.reserveCapacity(4096)
        skeleton.reserveCapacity(4096)
        squeezed.reserveCapacity(4096)
        readable.reserveCapacity(4096)
        joinedMask.reserveCapacity(4096)
        decoded.reserveCapacity(4096)
        decodedDerived.reserveCapacity(4096)
        transformed.reserveCapacity(4096)
        windowScratch.reserveCapacity(4096)
        windowScratchMask.reserveCapacity(4096)
        caseSwapText.reserveCapacity(1024)
        viewSteps.reserveCapacity(8)
    }

    deinit {
        for buffer in [triggeredGeneration, exceptedGeneration, listGeneration, candidateGeneration, firedGeneration, touchedRules, candidates, firedRules, withdrawnRules, exceptedInText,
                       atomGeneration, triggerLogRule, triggerUnlogged, exceptionLogGroup] {
            buffer.deallocate()
        }
        triggeredSpan.deallocate()
        triggerLogSpan.deallocate()
        exceptionLogSpan.deallocate()
        firedSpan.deallocate()
        firedTextSpan.deallocate()
        listLatestStart.deallocate()
        listArmedUntil.deallocate()
        windowCounts.deallocate()
        atomLatestStart.deallocate()
        windowBounds.deallocate()
        firedView.deallocate()
        withdrawnCause.deallocate()
        modelScores.deallocate()
        modelGateRule.deallocate()
        modelCountered.deallocate()
        textSeen.deallocate()
    }

    /// View buffers grow to the largest request seen; past this many bytes in all, the next
    /// ordinary request gives them back, so one outsized request does not pin its memory in every
    /// thread's scratch.
    static let retainedViewBytes = 4 << 20

    /// Gives the view buffers' memory back (they grow again on demand).
    func releaseViewBuffers() {
        sanitised = []
        skeleton = []
        squeezed = []
        readable = []
        joinedMask = []
        decoded = []
        decodedDerived = []
        transformed = []
        windowScratch = []
        windowScratchMask = []
        caseSwapText = []
        textModelView = []
        textContextView = []
        textFocusView = []
        textPartSanitised = []
    }

    /// The bytes the view buffers hold on to.
    var viewBufferBytes: Int {
        sanitised.capacity + skeleton.capacity + squeezed.capacity + readable.capacity + joinedMask.capacity + decoded.capacity
            + decodedDerived.capacity + transformed.capacity + windowScratch.capacity + windowScratchMask.capacity
            + caseSwapText.capacity + textModelView.capacity + textContextView.capacity + textFocusView.capacity
            + textPartSanitised.capacity
    }

    /// Starts a request: forgets every rule fired by the previous one.
    func beginRequest(textCount: Int) {
        firedCount = 0
        withdrawnCount = 0
        seenForms = 0
        baseCount = textCount
        self.textCount = textCount
        textScore = .nan
        textPlainScore = .nan
        rot13Windows.reset(textCount: textCount)
        reversedWindows.reset(textCount: textCount)
        rot13Evidence.reset()
        reversedEvidence.reset()
        excerptSegmentsPass = .max
        if textCount < Self.retainedViewBytes / 4 && viewBufferBytes > Self.retainedViewBytes {
            releaseViewBuffers()
        }
        if requestGeneration == .max {
            resetTags(firedGeneration)
            resetTags(exceptedInText)
            requestGeneration = 0
        }
        requestGeneration += 1
    }

    /// Starts a view pass: forgets the previous pass's triggers, exceptions, `near` lists and candidates.
    func beginPass() {
        touchedCount = 0
        candidateCount = 0
        triggerLogCount = 0
        exceptionLogCount = 0
        if passGeneration == .max {
            for buffer in [triggeredGeneration, triggerUnlogged, exceptedGeneration, listGeneration, candidateGeneration, atomGeneration] { resetTags(buffer) }
            passGeneration = 0
        }
        passGeneration += 1
    }

    /// Logs a trigger of `rule` (a rule with `unless` terms) at `span` in this pass.
    @inline(__always)
    func logTrigger(rule: Int, span: Range<Int>) {
        guard triggerLogCount < Self.maxLoggedTriggers else {
            triggerUnlogged[rule] = passGeneration
            return
        }
        triggerLogRule[triggerLogCount] = UInt32(rule)
        triggerLogSpan[triggerLogCount] = span
        triggerLogCount += 1
    }

    /// Logs a hit of `unless` group `group` at `span` in this pass.
    @inline(__always)
    func logException(group: Int, span: Range<Int>) {
        exceptedGeneration[group] = passGeneration
        guard exceptionLogCount < Self.maxLoggedExceptions else { return }
        exceptionLogGroup[exceptionLogCount] = UInt32(group)
        exceptionLogSpan[exceptionLogCount] = span
        exceptionLogCount += 1
    }

    /// A term's ROT13 or reversed form (`form`) was hit at `start..<end` of the current pass's view.
    @inline(__always)
    func noteEvidence(form: UInt8, pattern: UInt32, start: Int, end: Int) {
        if passIsExcerpt {
            // The window of the text it was seen in, when the excerpt is windows of the text
            // (after sanitising at most): the excerpt's windows are listed once per pass.
            if excerptSegmentsPass != passGeneration {
                excerptSegmentsPass = passGeneration
                excerptSegmentsKnown = false
                if let last = viewSteps.last, viewSteps.dropLast().allSatisfy({ if case .sanitised = $0.step { true } else { false } }) {
                    excerptSegmentsKnown = ViewOrigins.segments(through: last.step, in: last.source, windows: &excerptSegmentWindows, ends: &excerptSegmentEnds)
                }
            }
            var window: Range<Int>? = nil
            if excerptSegmentsKnown, let number = excerptSegmentEnds.firstIndex(where: { start < $0 }) {
                window = excerptSegmentWindows[number]
            }
            if form & TermForms.rot13.rawValue != 0 {
                rot13Windows.coverAll()
                if let window { rot13Evidence.note(window, pattern: pattern, length: end - start, windowed: true) } else { rot13Evidence.noteUnplaced() }
            }
            if form & TermForms.reversed.rawValue != 0 {
                reversedWindows.coverAll()
                if let window { reversedEvidence.note(window, pattern: pattern, length: end - start, windowed: true) } else { reversedEvidence.noteUnplaced() }
            }
            return
        }
        let scale = passViewCount == 0 ? 1.0 : Double(baseCount) / Double(passViewCount)
        let range = Int(Double(start) * scale)..<Int((Double(end) * scale).rounded(.up))
        if form & TermForms.rot13.rawValue != 0 {
            rot13Windows.add(range, radius: evidenceRadius)
            rot13Evidence.note(range, pattern: pattern, length: end - start)
        }
        if form & TermForms.reversed.rawValue != 0 {
            reversedWindows.add(range, radius: evidenceRadius)
            reversedEvidence.note(range, pattern: pattern, length: end - start)
        }
    }

    /// Narrows a confirmed ROT13 or reversed reading to the clusters of evidence that confirm
    /// themselves: in a long text, "part" (a reversed "trap") in one paragraph and "phon" (a ROT13
    /// "cuba") in another confirm nothing together. Keeps the whole-text answer when some evidence
    /// could not be placed.
    func localiseTransformedReadings() {
        rot13Evidence.localise(radius: evidenceRadius, textCount: baseCount, into: &rot13Windows)
        reversedEvidence.localise(radius: evidenceRadius, textCount: baseCount, into: &reversedWindows)
    }

    private func resetTags(_ buffer: UnsafeMutableBufferPointer<UInt32>) {
        buffer.update(repeating: 0)
    }
}
