import SwitchyardMatching

/// Turns automaton hits into rule triggers for one view pass: keywords fire their rule, `near`
/// terms update their list's latest start and test their clause, `unless` terms mark their rule as
/// excepted, and regex atoms queue their regex for confirmation.
///
/// Holds raw pointers into the classifier's tables and the caller's scratch; it lives only inside
/// `Classifier.scan`, where both are alive.
struct HitCollector: KeywordHitSink {
    let actionStart: UnsafeBufferPointer<UInt32>
    let actions: UnsafeBufferPointer<UInt32>
    let slots: UnsafeBufferPointer<RuleTables.NearSlot>
    let clauses: UnsafeBufferPointer<RuleTables.NearClauseTable>
    let ruleViews: UnsafeBufferPointer<UInt8>
    let patternForms: UnsafeBufferPointer<UInt8>
    /// Per regex: the bits of its atom groups.
    let regexGroupMasks: UnsafeBufferPointer<UInt8>
    /// The `TermForms` bits this pass reads.
    let forms: UInt8
    let scratch: ClassificationScratch
    /// The `ViewSet` bits this pass stands for.
    let viewMask: UInt8
    let generation: UInt32
    /// Bytes around each regex atom hit that a confirmation window covers.
    let regexWindow: Int
    /// On squeezed passes: 1 where letters were joined; a rule fires only over such a byte.
    let joinedMask: UnsafeBufferPointer<UInt8>?

    @inline(__always)
    mutating func keywordHit(pattern: UInt32, start: Int, end: Int) {
        scratch.statistics.automatonHits &+= 1
        let patternForm = patternForms[Int(pattern)]
        guard patternForm & TermForms.kinds.rawValue & forms != 0, patternForm & TermForms.transforms.rawValue & ~forms == 0 else { return }
        // On a squeezed pass, ROT13 and reversed evidence counts only over joined letters, as rule
        // triggers do (short boundary-free forms turn up inside ordinary words).
        if patternForm & TermForms.transforms.rawValue != 0 && touchesJoin(start..<end) {
            scratch.seenForms |= patternForm
            scratch.noteEvidence(form: patternForm, start: start, end: end)
        }
        let first = Int(actionStart[Int(pattern)])
        let last = Int(actionStart[Int(pattern) + 1])
        for index in first..<last {
            let action = actions[index]
            let target = Int(action & RuleTables.targetMask)
            switch action >> RuleTables.kindShift {
            case RuleTables.ActionKind.fire.rawValue:
                trigger(rule: target, span: start..<end)
            case RuleTables.ActionKind.nearTerm.rawValue:
                nearTerm(slot: target, start: start, end: end)
            case RuleTables.ActionKind.except.rawValue:
                if ruleViews[target] & viewMask != 0 {
                    if scratch.exceptedGeneration[target] != generation {
                        scratch.exceptedGeneration[target] = generation
                        scratch.exceptionCount[target] = 0
                    }
                    let slot = Int(scratch.exceptionCount[target] % UInt32(ClassificationScratch.maxExceptions))
                    scratch.exceptionSpans[target * ClassificationScratch.maxExceptions + slot] = start..<end
                    scratch.exceptionCount[target] &+= 1
                }
            default:
                candidateAtom(regex: target >> Int(RuleTables.groupShift), group: target & (1 << Int(RuleTables.groupShift) - 1), start: start, end: end)
            }
        }
    }

    /// An atom of `group` of `regex` ended at `end`. A match (at most `regexWindow` bytes long)
    /// holds an atom of every group, and the one of them that ends last arrives last: so when
    /// every group's latest atom starts within `regexWindow` bytes before `end`, a match may lie
    /// in `end - regexWindow ..< end + regexWindow`. Queue the regex and add (or widen) that window.
    @inline(__always)
    func candidateAtom(regex: Int, group: Int, start: Int, end: Int) {
        let groups = RuleTables.maxAtomGroups
        let latest = regex * groups
        if scratch.atomGeneration[regex] != generation {
            scratch.atomGeneration[regex] = generation
            for slot in latest..<latest + groups { scratch.atomLatestStart[slot] = .min }
        }
        scratch.atomLatestStart[latest + group] = max(scratch.atomLatestStart[latest + group], start)
        let mask = Int(regexGroupMasks[regex])
        for other in 0..<groups where mask & (1 << other) != 0 {
            guard scratch.atomLatestStart[latest + other] >= end - regexWindow else { return }
        }
        let base = regex * ClassificationScratch.maxWindows * 2
        if scratch.candidateGeneration[regex] != generation {
            scratch.candidateGeneration[regex] = generation
            scratch.candidates[scratch.candidateCount] = UInt32(regex)
            scratch.candidateCount += 1
            scratch.windowCounts[regex] = 1
            scratch.windowBounds[base] = end - regexWindow
            scratch.windowBounds[base + 1] = end + regexWindow
            return
        }
        let count = Int(scratch.windowCounts[regex])
        guard count != Int(ClassificationScratch.windowOverflow) else { return }
        let lastEnd = base + (count - 1) * 2 + 1
        if end - regexWindow <= scratch.windowBounds[lastEnd] {
            scratch.windowBounds[lastEnd] = end + regexWindow
        } else if count < ClassificationScratch.maxWindows {
            scratch.windowBounds[base + count * 2] = end - regexWindow
            scratch.windowBounds[base + count * 2 + 1] = end + regexWindow
            scratch.windowCounts[regex] = UInt8(count + 1)
        } else {
            scratch.windowCounts[regex] = ClassificationScratch.windowOverflow
        }
    }

    /// Records that `rule` holds in this pass, keeping the first span that made it hold.
    @inline(__always)
    func trigger(rule: Int, span: Range<Int>) {
        guard ruleViews[rule] & viewMask != 0, scratch.triggeredGeneration[rule] != generation else { return }
        if joinedMask != nil && !touchesJoin(span) { return }
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

    /// A term of `slot`'s list ends at `end`. Hits arrive in order of end offset, so this term ends
    /// last among those seen: the clause holds if every other list has a term whose latest start
    /// keeps the whole span within the clause's distance. Taking each list's latest start is the
    /// best choice for every list, so the test is exact.
    @inline(__always)
    func nearTerm(slot: Int, start: Int, end: Int) {
        if scratch.slotGeneration[slot] != generation || scratch.slotLatestStart[slot] < start {
            scratch.slotGeneration[slot] = generation
            scratch.slotLatestStart[slot] = start
        }
        let clause = clauses[Int(slots[slot].clause)]
        let rule = Int(clause.rule)
        guard ruleViews[rule] & viewMask != 0, scratch.triggeredGeneration[rule] != generation else { return }
        var spanStart = start
        let firstSlot = Int(clause.firstSlot)
        for other in firstSlot..<firstSlot + Int(clause.slotCount) where other != slot {
            guard scratch.slotGeneration[other] == generation else { return }
            spanStart = min(spanStart, scratch.slotLatestStart[other])
        }
        if end - spanStart <= clause.within { trigger(rule: rule, span: spanStart..<end) }
    }
}
