import SwitchyardMatching

/// Turns automaton hits into rule triggers for one view pass: keywords fire their rule, `near`
/// terms update their list's latest start and test the clauses that could now hold (see
/// `nearTerm`), `unless` terms record where their group occurred, and regex atoms queue their regex
/// for confirmation.
///
/// Holds raw pointers into the classifier's tables and the caller's scratch; it lives only inside
/// `Classifier.scan`, where both are alive.
struct HitCollector: KeywordHitSink {
    /// The pass's program: per pattern, a header word and its actions (see `PassTables`).
    let program: UnsafeBufferPointer<UInt32>
    /// The text this pass reads, for the boundary conditions of single actions.
    let text: UnsafeRawBufferPointer
    let nearLists: UnsafeBufferPointer<RuleTables.NearListTable>
    let clauses: UnsafeBufferPointer<RuleTables.NearClauseTable>
    let clauseLists: UnsafeBufferPointer<UInt32>
    let listClauses: UnsafeBufferPointer<UInt32>
    let ruleViews: UnsafeBufferPointer<UInt8>
    /// Per rule, the start of its `unless` groups (equal starts: it has none).
    let ruleExceptionStart: UnsafeBufferPointer<UInt32>
    /// Per regex: the bits of its atom groups.
    let regexGroupMasks: UnsafeBufferPointer<UInt8>
    /// The `TermForms` bits this pass reads.
    let forms: UInt8
    /// Unowned: the collector lives only inside `Classifier.scan`, whose caller holds the scratch,
    /// and a strong reference would cost a retain and a release per pass.
    unowned(unsafe) let scratch: ClassificationScratch
    /// The `ViewSet` bits this pass stands for.
    let viewMask: UInt8
    let generation: UInt32
    /// Bytes around each regex atom hit that a confirmation window covers.
    let regexWindow: Int
    /// On squeezed passes: 1 where letters were joined; a rule fires only over such a byte.
    let joinedMask: UnsafeBufferPointer<UInt8>?
    /// The scratch's per-rule counters, when profiling.
    let profile: RuleProfile?
    /// Per regex, its rule (for the profile).
    let regexRules: UnsafeBufferPointer<UInt32>

    /// A collector reading `tables` and `pass`, which the caller must keep alive while it is used.
    init(tables: RuleTables, pass: RuleTables.PassTables, text: UnsafeRawBufferPointer, forms: UInt8, scratch: ClassificationScratch, viewMask: UInt8,
         generation: UInt32, regexWindow: Int, joinedMask: UnsafeBufferPointer<UInt8>?) {
        program = pass.program.buffer
        self.text = text
        nearLists = tables.nearLists.buffer
        clauses = tables.clauses.buffer
        clauseLists = tables.clauseLists.buffer
        listClauses = tables.listClauses.buffer
        ruleViews = tables.ruleViews.buffer
        ruleExceptionStart = tables.ruleExceptionStart.buffer
        regexGroupMasks = tables.regexGroupMasks.buffer
        self.forms = forms
        self.scratch = scratch
        self.viewMask = viewMask
        self.generation = generation
        self.regexWindow = regexWindow
        self.joinedMask = joinedMask
        profile = scratch.profile
        regexRules = tables.regexRules.buffer
    }

    @inline(__always)
    mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
        scratch.statistics.automatonHits &+= 1
        let header = program[Int(pattern)]
        let patternForm = UInt8(truncatingIfNeeded: header)
        guard patternForm & TermForms.kinds.rawValue & forms != 0, patternForm & TermForms.transforms.rawValue & ~forms == 0 else { return }
        // On a squeezed pass, ROT13 and reversed evidence counts only over joined letters, as rule
        // triggers do (short boundary-free forms turn up inside ordinary words).
        if patternForm & TermForms.transforms.rawValue != 0 {
            // A term's ROT13 or reversed form is evidence that the text may be transformed, never
            // a trigger: the ROT13 or reversed reading of the windows around it decides.
            if touchesJoin(start..<end) {
                scratch.seenForms |= patternForm
                scratch.noteEvidence(form: patternForm, pattern: pattern, start: start, end: end)
            }
            return
        }
        let first = Int(pattern) &+ 1
        for index in first..<first &+ Int(header >> 8) {
            let action = program[index]
            let boundaries = UInt8(truncatingIfNeeded: action >> RuleTables.boundaryShift & 3)
            if boundaries != 0 {
                // A regex atom's boundaries are RE2's: a byte >= 0x80 is not a word byte.
                let ascii = action >> RuleTables.kindShift == RuleTables.ActionKind.candidate.rawValue
                if !holds(boundaries, start: start, end: end, asciiWords: ascii) { continue }
            }
            let target = Int(action & RuleTables.targetMask)
            switch action >> RuleTables.kindShift {
            case RuleTables.ActionKind.fire.rawValue:
                if let profile { profile.keywordHits[target] += 1 }
                trigger(rule: target, span: start..<end)
            case RuleTables.ActionKind.nearTerm.rawValue:
                nearTerm(list: target, start: start, end: end)
            case RuleTables.ActionKind.except.rawValue:
                // `target` is an `unless` group; its rules check it when they fire.
                scratch.logException(group: target, span: start..<end)
            default:
                candidateAtom(regex: target >> Int(RuleTables.groupShift), group: target & (1 << Int(RuleTables.groupShift) - 1), start: start, end: end)
            }
        }
    }

    /// Whether the hit `start..<end` meets an action's own boundary conditions (1: no word byte
    /// before it, 2: none after it). Word characters are the automaton's (ASCII letters, digits,
    /// `_` and every non-ASCII scalar but punctuation and spaces), or with `asciiWords` RE2's `\b`
    /// ones (ASCII only).
    @inline(__always)
    func holds(_ boundaries: UInt8, start: Int, end: Int, asciiWords: Bool = false) -> Bool {
        if asciiWords {
            @inline(__always) func isWord(_ byte: UInt8) -> Bool { byte < 0x80 && KeywordAutomaton.isWordByte(byte) }
            // SAFETY: the hit lies inside `text`, so `start - 1` and `end` are read only when in range.
            if boundaries & 1 != 0 && start > 0 && isWord(text[start - 1]) { return false }
            if boundaries & 2 != 0 && end < text.count && isWord(text[end]) { return false }
            return true
        }
        if boundaries & 1 != 0 && KeywordAutomaton.isWord(before: start, in: text) { return false }
        if boundaries & 2 != 0 && KeywordAutomaton.isWord(at: end, in: text) { return false }
        return true
    }

    /// An atom of `group` of `regex` ended at `end`. A match (at most `regexWindow` bytes long)
    /// holds an atom of every group, and the one of them that ends last arrives last: so when
    /// every group's latest atom starts within `regexWindow` bytes before `end`, a match may lie
    /// in `end - regexWindow ..< end + regexWindow`. It also starts no later than the earliest of
    /// those latest starts (its atoms are among the ones seen), so it ends by that plus
    /// `regexWindow`. Queue the regex and add (or widen) that window.
    @inline(__always)
    func candidateAtom(regex: Int, group: Int, start: Int, end: Int) {
        if let profile { profile.atomHits[Int(regexRules[regex])] += 1 }
        // Three slots per regex (`RuleTables.maxAtomGroups`): a group the regex lacks reads as
        // `Int.max`, so "every group seen within the window" is one minimum and one comparison,
        // without a branch per group.
        let latest = regex &* RuleTables.maxAtomGroups
        let starts = scratch.atomLatestStart
        if scratch.atomGeneration[regex] != generation {
            scratch.atomGeneration[regex] = generation
            let mask = regexGroupMasks[regex]
            starts[latest] = mask & 1 != 0 ? .min : .max
            starts[latest &+ 1] = mask & 2 != 0 ? .min : .max
            starts[latest &+ 2] = mask & 4 != 0 ? .min : .max
        }
        starts[latest &+ group] = max(starts[latest &+ group], start)
        let earliest = min(start, min(starts[latest], min(starts[latest &+ 1], starts[latest &+ 2])))
        guard earliest >= end &- regexWindow else { return }
        let windowEnd = earliest + regexWindow
        let base = regex * ClassificationScratch.windowStride
        if scratch.candidateGeneration[regex] != generation {
            scratch.candidateGeneration[regex] = generation
            scratch.candidates[scratch.candidateCount] = UInt32(regex)
            scratch.candidateCount += 1
            scratch.windowCounts[regex] = 1
            scratch.windowBounds[base] = end - regexWindow
            scratch.windowBounds[base + 1] = windowEnd
            return
        }
        let count = Int(scratch.windowCounts[regex])
        let lastEnd = base + (count - 1) * 2 + 1
        if end - regexWindow <= scratch.windowBounds[lastEnd] {
            scratch.windowBounds[lastEnd] = max(scratch.windowBounds[lastEnd], windowEnd)
        } else if count < ClassificationScratch.maxWindows {
            scratch.windowBounds[base + count * 2] = end - regexWindow
            scratch.windowBounds[base + count * 2 + 1] = windowEnd
            scratch.windowCounts[regex] = UInt16(count + 1)
        } else {
            mergeClosestWindows(base: base, count: count, newStart: end - regexWindow, newEnd: windowEnd)
        }
    }

    /// The regex's window list (`count` windows at `base`) is full and a window `newStart ..<
    /// newEnd` after them arrives: merge the two neighbours with the smallest gap (the new window
    /// counting as the last), so the regex still reads only windows, a little wider.
    func mergeClosestWindows(base: Int, count: Int, newStart: Int, newEnd: Int) {
        scratch.statistics.regexWindowMerges &+= 1
        let bounds = scratch.windowBounds
        let lastEnd = base + (count - 1) * 2 + 1
        var closest = -1  // -1: the last stored window and the new one
        var smallest = newStart - bounds[lastEnd]
        for window in 0..<count - 1 {
            let gap = bounds[base + (window + 1) * 2] - bounds[base + window * 2 + 1]
            if gap < smallest {
                smallest = gap
                closest = window
            }
        }
        if closest < 0 {
            bounds[lastEnd] = newEnd
            return
        }
        bounds[base + closest * 2 + 1] = bounds[base + (closest + 1) * 2 + 1]
        for window in (closest + 1)..<(count - 1) {
            bounds[base + window * 2] = bounds[base + (window + 1) * 2]
            bounds[base + window * 2 + 1] = bounds[base + (window + 1) * 2 + 1]
        }
        bounds[lastEnd - 1] = newStart
        bounds[lastEnd] = newEnd
    }

    /// Records that `rule` holds in this pass, keeping the first span that made it hold; a rule
    /// with `unless` terms logs every span (each is checked against the exceptions near it).
    @inline(__always)
    func trigger(rule: Int, span: Range<Int>) {
        guard ruleViews[rule] & viewMask != 0 else { return }
        if joinedMask != nil && !touchesJoin(span) { return }
        if let profile { profile.triggers[rule] += 1 }
        let excepted = ruleExceptionStart[rule] != ruleExceptionStart[rule + 1]
        if excepted { scratch.logTrigger(rule: rule, span: span) }
        guard scratch.triggeredGeneration[rule] != generation else { return }
        scratch.triggeredGeneration[rule] = generation
        scratch.triggeredSpan[rule] = span
        scratch.touchedRules[scratch.touchedCount] = UInt32(rule)
        scratch.touchedCount += 1
    }

    /// Whether `span` covers a byte where the squeezed view joined letters.
    @inline(__always)
    func touchesJoin(_ span: Range<Int>) -> Bool {
        guard let joinedMask else { return true }
        for index in span where joinedMask[index] != 0 { return true }
        return false
    }

    /// A term of `list` occupies `start..<end`. Hits arrive in order of end offset, so a clause
    /// can only become true when its last term arrives: then it holds if every other list has a
    /// term whose latest start keeps the whole span within the clause's distance (taking each
    /// list's latest start is the best choice for every list, so the test is exact).
    ///
    /// Clauses are tested from their anchor's hits, and from another list's hits only while an
    /// anchor seen earlier could still be within distance (see `RuleTables.NearListTable`).
    @inline(__always)
    func nearTerm(list: Int, start: Int, end: Int) {
        if scratch.listGeneration[list] != generation {
            scratch.listGeneration[list] = generation
            scratch.listLatestStart[list] = start
            scratch.listArmedUntil[list] = .min
        } else if scratch.listLatestStart[list] < start {
            scratch.listLatestStart[list] = start
        }
        let table = nearLists[list]
        var index = Int(table.anchorStart)
        let memberStart = Int(table.memberStart)
        while index < memberStart {
            let clause = Int(listClauses[index])
            index &+= 1
            armOtherLists(of: clause, until: start + clauses[clause].within)
            testClause(clause, end: end)
        }
        guard scratch.listArmedUntil[list] >= end else { return }
        for index in memberStart..<Int(table.memberEnd) {
            testClause(Int(listClauses[index]), end: end)
        }
    }

    /// An anchor of `clause` started at `until - within`: a term of another of its lists ending
    /// by `until` may complete it.
    @inline(__always)
    func armOtherLists(of clause: Int, until: Int) {
        let table = clauses[clause]
        let first = Int(table.firstList)
        for index in first + 1..<first + Int(table.listCount) {
            let other = Int(clauseLists[index])
            if scratch.listGeneration[other] != generation {
                scratch.listGeneration[other] = generation
                scratch.listLatestStart[other] = .min
                scratch.listArmedUntil[other] = until
            } else if scratch.listArmedUntil[other] < until {
                scratch.listArmedUntil[other] = until
            }
        }
    }

    /// Triggers `clause`'s rule if a term of every list lies in a span ending at `end` no longer
    /// than the clause's distance.
    @inline(__always)
    func testClause(_ clause: Int, end: Int) {
        let table = clauses[clause]
        let rule = Int(table.rule)
        if let profile { profile.clauseTests[rule] += 1 }
        // A rule with `unless` terms keeps testing: every trigger of it is checked.
        guard ruleViews[rule] & viewMask != 0,
              scratch.triggeredGeneration[rule] != generation || ruleExceptionStart[rule] != ruleExceptionStart[rule + 1] else { return }
        var spanStart = end
        let first = Int(table.firstList)
        for index in first..<first + Int(table.listCount) {
            let list = Int(clauseLists[index])
            guard scratch.listGeneration[list] == generation else { return }
            let latest = scratch.listLatestStart[list]
            guard latest != .min else { return }
            spanStart = min(spanStart, latest)
        }
        if end - spanStart <= table.within { trigger(rule: rule, span: spanStart..<end) }
    }
}
