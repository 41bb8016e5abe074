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
        let patternForm = patternForms[Int(pattern)]
        guard patternForm & TermForms.kinds.rawValue & forms != 0, patternForm & TermForms.transforms.rawValue & ~forms == 0 else { return }
        scratch.seenForms |= patternForm
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
                candidateAtom(regex: target, start: start, end: end)
            }
        }
    }

    /// An atom of `regex` occurred: queue the regex and widen or add its confirmation window.
    @inline(__always)
    func candidateAtom(regex: Int, start: Int, end: Int) {
        let base = regex * ClassificationScratch.maxWindows * 2
        if scratch.candidateGeneration[regex] != generation {
            scratch.candidateGeneration[regex] = generation
            scratch.candidates[scratch.candidateCount] = UInt32(regex)
            scratch.candidateCount += 1
            scratch.windowCounts[regex] = 1
            scratch.windowBounds[base] = start - regexWindow
            scratch.windowBounds[base + 1] = end + regexWindow
            return
        }
        let count = Int(scratch.windowCounts[regex])
        guard count != Int(ClassificationScratch.windowOverflow) else { return }
        let lastEnd = base + (count - 1) * 2 + 1
        if start - regexWindow <= scratch.windowBounds[lastEnd] {
            scratch.windowBounds[lastEnd] = max(scratch.windowBounds[lastEnd], end + regexWindow)
        } else if count < ClassificationScratch.maxWindows {
            scratch.windowBounds[base + count * 2] = start - regexWindow
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
        if let joinedMask {
            var touchesJoin = false
            for index in span where joinedMask[index] != 0 {
                touchesJoin = true
                break
            }
            guard touchesJoin else { return }
        }
        scratch.triggeredGeneration[rule] = generation
        scratch.triggeredSpan[rule] = span
        scratch.touchedRules[scratch.touchedCount] = UInt32(rule)
        scratch.touchedCount += 1
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
