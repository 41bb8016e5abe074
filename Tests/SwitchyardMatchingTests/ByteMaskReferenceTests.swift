import Testing
@testable import SwitchyardMatching

// The 64-byte class masks (`ByteClassMasks`, SIMD where the CPU has it) and the passes built
// on them, each against a byte-by-byte reference written from its definition: the decoders'
// prefilter (`CandidateScanner.prefilterEvent`), the disguise gates (`DisguiseGates.find`) and the
// in-word separators (`InWordSeparators.find`).

private func referenceMasks(_ table: ByteTable, _ bytes: ArraySlice<UInt8>) -> [UInt64] {
    var masks = [UInt64](repeating: 0, count: 8)
    for (position, byte) in bytes.enumerated() {
        for bit in 0..<8 where table[byte] >> bit & 1 != 0 { masks[bit] |= 1 << UInt64(position) }
    }
    return masks
}

private func masks(of block: ByteClassMasks.Block) -> [UInt64] { (0..<8).map { block[$0] } }

@Test func byteClassMasksMatchTheirTable() {
    let cases: [(ByteTable, ByteClassMasks)] = [
        (DecodeClass.prefilter, DecodeClass.prefilterMasks), (DisguiseGates.kindTable, DisguiseGates.kindMasks),
    ]
    // Every byte value at every position of a block, and every block length.
    let all = (0..<256).map(UInt8.init)
    var generator = ViewsRandom(state: 1)
    for (table, compiled) in cases {
        for shift in 0..<4 {
            let bytes = Array(all[(shift * 64)..<(shift * 64 + 64)])
            bytes.withUnsafeBufferPointer { buffer in
                for length in 0...64 {
                    let expected = referenceMasks(table, bytes[0..<length])
                    #expect(masks(of: compiled.block(buffer.baseAddress!, count: length)) == expected, "path \(ByteClassMasks.path), length \(length)")
                    #expect(masks(of: compiled.scalarBlock(buffer.baseAddress!, count: length)) == expected)
                }
            }
        }
        for _ in 0..<500 {
            let bytes = (0..<64).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let length = Int.random(in: 0...64, using: &generator)
            bytes.withUnsafeBufferPointer { buffer in
                #expect(masks(of: compiled.block(buffer.baseAddress!, count: length)) == referenceMasks(table, bytes[0..<length]))
            }
        }
    }
}

@Test func prefilterMatchesItsByteLoop() {
    var generator = ViewsRandom(state: 2)
    // Base64 and hex characters in runs long and short, the stop bytes rarely, spaces and
    // punctuation that end runs, and non-ASCII bytes.
    let runChars = Array("abcdefABCDEF0123456789xyzXYZ+/-_".utf8)
    let others = Array(" ,.;:!?\n".utf8) + [0xC3, 0xA9, 0xE2, 0x80]
    let stops = Array("%&\\=~".utf8) + [0xEF, 0xF3]
    // Runs longer than a block: hex digits with a rare space, against thresholds above 64.
    for round in 0..<300 {
        let hexOnly = Array("0123456789abcdef".utf8)
        let bytes: [UInt8] = (0..<Int.random(in: 60...900, using: &generator)).map { _ in
            Int.random(in: 0..<150, using: &generator) == 0 ? 0x20 : hexOnly.randomElement(using: &generator)!
        }
        var budget = DecodeBudget()
        budget.minBase64Length = 100
        budget.minHexLength = [70, 130, 65][round % 3]
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CandidateScanner(buffer.baseAddress!, count: buffer.count, budget: budget)
            let fast = scanner.prefilterEvent(from: 0), slow = scanner.prefilterEventByteByByte(from: 0)
            #expect(fast?.index == slow?.index && fast?.hexRun == slow?.hexRun, "long run \(round)")
        }
    }
    for round in 0..<2_000 {
        let length = Int.random(in: 0...700, using: &generator)
        let runBias = Int.random(in: 50...99, using: &generator)
        let stopOdds = Int.random(in: 0...400, using: &generator)
        let bytes: [UInt8] = (0..<length).map { _ in
            let roll = Int.random(in: 0..<1_000, using: &generator)
            if roll < stopOdds / 100 { return stops.randomElement(using: &generator)! }
            return roll % 100 < runBias ? runChars.randomElement(using: &generator)! : others.randomElement(using: &generator)!
        }
        var budget = DecodeBudget()
        budget.minBase64Length = [16, 8, 24, 40][round % 4]
        budget.minHexLength = [16, 12, 6, 70][round % 4]
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = CandidateScanner(buffer.baseAddress ?? UnsafePointer(bitPattern: 1)!, count: buffer.count, budget: budget)
            for from in [0, 1, 7, 63, 64, 65, length / 2] where from <= length {
                let fast = scanner.prefilterEvent(from: from)
                let slow = scanner.prefilterEventByteByByte(from: from)
                #expect(fast?.index == slow?.index && fast?.base64Run == slow?.base64Run && fast?.hexRun == slow?.hexRun
                            && fast?.ascii85Run == slow?.ascii85Run, "round \(round), from \(from)")
            }
        }
    }
}

@Test func runWindowsMatchTheirDefinition() {
    var generator = ViewsRandom(state: 3)
    for _ in 0..<2_000 {
        // Dense masks, so long runs occur.
        let mask = UInt64.random(in: 0...UInt64.max, using: &generator) | UInt64.random(in: 0...UInt64.max, using: &generator)
        let length = Int.random(in: 1...70, using: &generator)
        var expected: UInt64 = 0
        if length <= 64 {
            for start in 0...(64 - length) where (start..<(start + length)).allSatisfy({ mask >> UInt64($0) & 1 != 0 }) {
                expected |= 1 << UInt64(start)
            }
        }
        #expect(CandidateScanner.windows(mask, length) == expected)
    }
}

/// `DisguiseGates.find` from its definition: each byte's kinds from `kindTable`, the conditions
/// on the bytes either side, and the same exact checks, one byte at a time.
private func referenceGates(_ bytes: [UInt8], radius: Int) -> (DisguiseGates.Findings, ViewWindows, ViewWindows, ViewWindows) {
    var findings = DisguiseGates.Findings()
    var skeleton = ViewWindows(), squeezed = ViewWindows(), caseSwaps = ViewWindows()
    skeleton.reset(textCount: bytes.count); squeezed.reset(textCount: bytes.count); caseSwaps.reset(textCount: bytes.count)
    let table = DisguiseGates.kindTable
    func kind(_ index: Int) -> UInt8 { index >= 0 && index < bytes.count ? table[bytes[index]] : 0 }
    bytes.withUnsafeBufferPointer { buffer in
        guard let input = buffer.baseAddress else { return }
        var singles = DisguiseGates.SingleRun()
        var seenHigh = false
        for index in 0..<bytes.count {
            let here = kind(index), before = kind(index - 1), after = kind(index + 1)
            let has = { (kinds: UInt8, bit: UInt8) in kinds & bit != 0 }
            if has(here, DisguiseGates.high) { seenHigh = true }
            if (has(here, DisguiseGates.leet) && has(before, DisguiseGates.letter)) || (has(here, DisguiseGates.upper) && has(before, DisguiseGates.lower)) {
                switch DisguiseGates.checkSkeleton(input, index, bytes.count, radius: radius, into: &skeleton, caseSwaps: &caseSwaps) {
                case .leet: findings.skeleton = true
                case .caseSwap: findings.caseSwaps = true
                case .none: break
                }
            }
            let alone = has(here, DisguiseGates.token) && !has(before, DisguiseGates.token) && !has(after, DisguiseGates.token)
            if alone || (has(here, DisguiseGates.high) && !has(before, DisguiseGates.token)) {
                if singles.token(at: index, input, bytes.count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            if has(here, DisguiseGates.markup) && has(before, DisguiseGates.token) {
                if DisguiseGates.checkMarkup(input, index, bytes.count, radius: radius, into: &squeezed) { findings.squeezed = true }
            }
            if findings.separatorsFrom == nil && (has(here, DisguiseGates.separator) || has(here, DisguiseGates.high)) && has(before, DisguiseGates.letter) {
                findings.separatorsFrom = index
            }
        }
        if seenHigh && TextViews.addLatinLookalikes(UnsafeRawBufferPointer(buffer), radius: radius, into: &skeleton) { findings.skeleton = true }
    }
    return (findings, skeleton, squeezed, caseSwaps)
}

@Test func disguiseGatesMatchTheirDefinition() {
    var generator = ViewsRandom(state: 4)
    // Letters of both cases, leet digits and symbols, markup, separators, spaces and look-alikes.
    let alphabet: [[UInt8]] = Array("abcdefghijklmnopqrstuvwxyzIlABC".utf8).map { [$0] } + Array("0134$@!|+*_~`^-/<\\".utf8).map { [$0] }
        + Array("     ..\n\r".utf8).map { [$0] } + [Array("а".utf8), Array("é".utf8), Array("ο".utf8), Array("—".utf8)]
    for round in 0..<1_500 {
        let words = Int.random(in: 0...120, using: &generator)
        var bytes: [UInt8] = []
        for _ in 0..<words {
            // Mostly letters, the rest from the whole alphabet.
            let letters = Int.random(in: 1...9, using: &generator)
            for _ in 0..<letters {
                bytes += Int.random(in: 0..<10, using: &generator) < 8 ? alphabet[Int.random(in: 0..<31, using: &generator)] : alphabet.randomElement(using: &generator)!
            }
            bytes.append(0x20)
        }
        let radius = [0, 8, 40][round % 3]
        var skeleton = ViewWindows(), squeezed = ViewWindows(), caseSwaps = ViewWindows()
        skeleton.reset(textCount: bytes.count); squeezed.reset(textCount: bytes.count); caseSwaps.reset(textCount: bytes.count)
        let findings = bytes.withUnsafeBytes { DisguiseGates.find($0, radius: radius, skeleton: &skeleton, squeezed: &squeezed, caseSwaps: &caseSwaps) }
        let (expected, expectedSkeleton, expectedSqueezed, expectedCaseSwaps) = referenceGates(bytes, radius: radius)
        #expect(findings.skeleton == expected.skeleton && findings.caseSwaps == expected.caseSwaps && findings.squeezed == expected.squeezed
                    && findings.separatorsFrom == expected.separatorsFrom, "round \(round)")
        for (found, wanted) in [(skeleton, expectedSkeleton), (squeezed, expectedSqueezed), (caseSwaps, expectedCaseSwaps)] {
            #expect(found.coversAll == wanted.coversAll && (found.coversAll || found.ranges == wanted.ranges), "round \(round)")
        }
    }
}

/// `InWordSeparators.find` from its definition: every byte from `from` on is tried as the start
/// of a compound, and a compound's bytes are not tried again.
private func referenceSeparators(_ bytes: [UInt8], from: Int, radius: Int, weak: (Range<Int>) -> Bool) -> (Bool, ViewWindows, ViewWindows) {
    var strong = ViewWindows(), joinable = ViewWindows()
    strong.reset(textCount: bytes.count); joinable.reset(textCount: bytes.count)
    var found = false
    bytes.withUnsafeBufferPointer { buffer in
        guard let input = buffer.baseAddress, bytes.count > 2 else { return }
        var index = max(from, 1)
        while index < bytes.count {
            guard let compound = InWordSeparators.compound(input, index, bytes.count) else { index += 1; continue }
            if compound.strong || weak(compound.range) {
                strong.add(compound.range, radius: radius)
                joinable.add(compound.range, radius: 0)
                found = true
            }
            index = compound.range.upperBound
        }
    }
    return (found, strong, joinable)
}

@Test func inWordSeparatorsMatchTheirDefinition() {
    var generator = ViewsRandom(state: 5)
    let letters: [[UInt8]] = Array("abcdefghijklmnopqrstuvwxyzKLM0123".utf8).map { [$0] }
    let separators: [[UInt8]] = Array("-_/\\+\n\r*~`|^<>".utf8).map { [$0] } + [Array("<b>".utf8), Array("😀".utf8), Array("е".utf8), Array("—".utf8), Array("鼻".utf8)]
    let spaces: [[UInt8]] = [[0x20], [0x20], Array(". ".utf8), Array(", ".utf8)]
    for round in 0..<1_500 {
        var bytes: [UInt8] = []
        for _ in 0..<Int.random(in: 0...150, using: &generator) {
            let roll = Int.random(in: 0..<10, using: &generator)
            bytes += roll < 7 ? letters.randomElement(using: &generator)! : roll < 9 ? separators.randomElement(using: &generator)! : spaces.randomElement(using: &generator)!
        }
        let from = [1, 0, 5, 64, 70][round % 5]
        let radius = [0, 12][round % 2]
        // A weak compound counts when its range starts at an even offset: any fixed rule will do.
        let weak = { (range: Range<Int>) in range.lowerBound % 2 == 0 }
        var strong = ViewWindows(), joinable = ViewWindows()
        strong.reset(textCount: bytes.count); joinable.reset(textCount: bytes.count)
        let found = bytes.withUnsafeBytes { InWordSeparators.find($0, from: from, radius: radius, strong: &strong, joinable: &joinable, weakSplitsTerm: weak) }
        let (expectedFound, expectedStrong, expectedJoinable) = referenceSeparators(bytes, from: from, radius: radius, weak: weak)
        #expect(found == expectedFound, "round \(round)")
        #expect(strong.coversAll == expectedStrong.coversAll && (strong.coversAll || strong.ranges == expectedStrong.ranges), "round \(round)")
        #expect(joinable.coversAll == expectedJoinable.coversAll && (joinable.coversAll || joinable.ranges == expectedJoinable.ranges), "round \(round)")
    }
}
