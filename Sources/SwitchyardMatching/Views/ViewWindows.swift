// ViewWindows: which parts of a text a derived view has to cover.
//
// A derived view (skeleton, readable, squeezed, ROT13, reversed) can differ from the text only
// around the places that made it necessary: a look-alike letter, letters split by spaces, a term's
// ROT13 form. Rules combine such a place with plain words at most a few hundred bytes away, so the
// view needs only windows of `radius` bytes around each place, not the whole 64 KiB chat context
// that happens to contain one "é". The windows are built into one buffer, separated by runs of
// newlines longer than any `near` distance or regex window, so no rule can match across two.

/// Merged byte ranges of a text that a derived view must cover, or "the whole text".
///
/// Reusable without allocating: `reset` keeps the capacity. Ranges are added in any order and kept
/// sorted and merged; past `capacity` ranges the two closest are merged, and once they cover half
/// the text the set becomes `coversAll` (building the windows would then cost about as much as the
/// whole view).
public struct ViewWindows: Sendable {
    /// The sorted, disjoint ranges (meaningless when `coversAll`).
    public private(set) var ranges: [Range<Int>] = []
    /// Whether the view should simply cover the whole text.
    public private(set) var coversAll = false
    /// Ranges kept before giving up and covering everything.
    public let capacity: Int
    private var textCount = 0
    private var covered = 0

    /// An empty set that holds up to `capacity` ranges.
    public init(capacity: Int = 64) {
        self.capacity = capacity
        ranges.reserveCapacity(capacity + 1)
    }

    /// Forgets every range; the next ones are for a text of `textCount` bytes.
    public mutating func reset(textCount: Int) {
        if !ranges.isEmpty { ranges.removeAll(keepingCapacity: true) }  // the usual case costs nothing
        coversAll = false
        covered = 0
        self.textCount = textCount
    }

    /// Whether nothing was added.
    public var isEmpty: Bool { !coversAll && ranges.isEmpty }

    /// Marks the whole text as needed.
    public mutating func coverAll() {
        coversAll = true
    }

    /// Adds `range` widened by `radius` on both sides (clamped to the text), merging as needed.
    public mutating func add(_ range: Range<Int>, radius: Int) {
        guard !coversAll else { return }
        let lower = Swift.max(0, range.lowerBound - radius)
        let upper = Swift.min(textCount, range.upperBound + radius)
        guard lower < upper else { return }
        if ranges.isEmpty || lower >= ranges[ranges.count - 1].lowerBound {
            // In order (the usual case): extend the last range or append.
            // (Indexing, not `ranges.last`: unoptimised builds run that through generic code that allocates.)
            if !ranges.isEmpty && lower <= ranges[ranges.count - 1].upperBound {
                let last = ranges[ranges.count - 1]
                if upper > last.upperBound {
                    covered += upper - last.upperBound
                    ranges[ranges.count - 1] = last.lowerBound..<upper
                }
            } else {
                ranges.append(lower..<upper)
                covered += upper - lower
            }
        } else {
            // Out of order: insert, then merge overlapping neighbours in one sweep (there are at
            // most `capacity + 1`).
            var position = ranges.count
            while position > 0 && ranges[position - 1].lowerBound > lower { position -= 1 }
            ranges.insert(lower..<upper, at: position)
            var kept = 0
            for index in 1..<ranges.count {
                if ranges[index].lowerBound <= ranges[kept].upperBound {
                    ranges[kept] = ranges[kept].lowerBound..<Swift.max(ranges[kept].upperBound, ranges[index].upperBound)
                } else {
                    kept += 1
                    ranges[kept] = ranges[index]
                }
            }
            ranges.removeLast(ranges.count - kept - 1)
            covered = 0
            for range in ranges { covered += range.count }
        }
        if ranges.count > capacity { mergeClosestPair() }
        if covered * 2 > textCount { coversAll = true }
    }

    /// Merges the two neighbouring ranges with the smallest gap between them: past `capacity`
    /// ranges the set covers a little more text rather than all of it (a 1 MiB chat context with
    /// a look-alike every few KiB still reads only its windows).
    private mutating func mergeClosestPair() {
        var closest = 0
        for index in 1..<(ranges.count - 1) where ranges[index + 1].lowerBound - ranges[index].upperBound
            < ranges[closest + 1].lowerBound - ranges[closest].upperBound {
            closest = index
        }
        covered += ranges[closest + 1].lowerBound - ranges[closest].upperBound
        ranges[closest] = ranges[closest].lowerBound..<ranges[closest + 1].upperBound
        ranges.remove(at: closest + 1)
    }

    /// Builds `transform` of `text` into `output`: of the whole text when `coversAll`, else of
    /// each window (widened to whole words) on its own, the results joined by `separator`
    /// newlines. `scratch` holds one window's output.
    /// - Returns: whether the output is an excerpt (true) or the whole view (false).
    @discardableResult
    public func build(_ text: UnsafeRawBufferPointer, _ transform: ViewTransform, separator: Int, into output: inout [UInt8], scratch: inout [UInt8]) -> Bool {
        if coversAll {
            transform.apply(text, into: &output)
            return false
        }
        output.removeAll(keepingCapacity: true)
        for number in ranges.indices {
            if number > 0 { ViewOutput.append(&output, repeating: 0x0A, count: separator) }
            let window = Self.wordAligned(ranges[number], in: text)
            guard !window.isEmpty else { continue }
            transform.apply(UnsafeRawBufferPointer(rebasing: text[window]), into: &scratch)
            ViewOutput.append(&output, contentsOf: scratch)
        }
        return true
    }

    /// Builds the squeezed view (the skeleton with split letters joined) like `build`, with its
    /// joined-letters mask (separators get mask 0). Weak separators inside words (hyphens,
    /// underscores, newlines) are joined only inside `joinable`'s ranges. `skeleton` and
    /// `scratch` / `scratchMask` hold one window's intermediate output.
    @discardableResult
    public func buildSqueezed(_ text: UnsafeRawBufferPointer, separator: Int, joinable: ViewWindows, into output: inout [UInt8], mask: inout [UInt8],
                              skeleton: inout [UInt8], scratch: inout [UInt8], scratchMask: inout [UInt8]) -> Bool {
        if coversAll {
            TextTransforms.squeezedReading(text, into: &output, joined: &mask, skeleton: &skeleton) { joinable.overlaps($0) }
            return false
        }
        output.removeAll(keepingCapacity: true)
        mask.removeAll(keepingCapacity: true)
        for number in ranges.indices {
            if number > 0 {
                ViewOutput.append(&output, repeating: 0x0A, count: separator)
                ViewOutput.append(&mask, repeating: 0, count: separator)
            }
            let window = Self.wordAligned(ranges[number], in: text)
            guard !window.isEmpty else { continue }
            let offset = window.lowerBound
            TextTransforms.squeezedReading(UnsafeRawBufferPointer(rebasing: text[window]), into: &scratch, joined: &scratchMask, skeleton: &skeleton) {
                joinable.overlaps($0.lowerBound + offset..<$0.upperBound + offset)
            }
            ViewOutput.append(&output, contentsOf: scratch)
            ViewOutput.append(&mask, contentsOf: scratchMask)
        }
        return true
    }

    /// Whether some range (or the whole text) overlaps `range`.
    public func overlaps(_ range: Range<Int>) -> Bool {
        if coversAll { return true }
        for index in ranges.indices where ranges[index].overlaps(range) { return true }
        return false
    }

    /// `range` clamped to the text and widened (by at most 64 bytes each side) so that it does not
    /// cut a word, hence neither a UTF-8 sequence: a cut word could match a term that needs a word
    /// boundary.
    public static func wordAligned(_ range: Range<Int>, in text: UnsafeRawBufferPointer) -> Range<Int> {
        let count = text.count
        var lower = Swift.min(Swift.max(range.lowerBound, 0), count)
        var upper = Swift.min(Swift.max(range.upperBound, lower), count)
        let lowest = Swift.max(lower - 64, 0), highest = Swift.min(upper + 64, count)
        while lower > lowest && ByteClass.isLetterDigitOrNonASCII(text[lower - 1]) { lower -= 1 }
        while lower > 0 && lower < count && text[lower] & 0xC0 == 0x80 { lower -= 1 }
        while upper < highest && ByteClass.isLetterDigitOrNonASCII(text[upper]) { upper += 1 }
        while upper < count && text[upper] & 0xC0 == 0x80 { upper += 1 }
        return lower..<upper
    }

}

/// A whole-text transform that `ViewWindows.build` can apply window by window.
public enum ViewTransform: Sendable {
    case identity, skeleton, readable, rot13, reversed

    /// Writes the transform of `text` into `output`, replacing its contents.
    public func apply(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        switch self {
        case .identity:
            output.removeAll(keepingCapacity: true)
            ViewOutput.append(&output, contentsOf: text)
        case .skeleton: TextViews.skeleton(text, into: &output)
        case .readable: TextViews.readable(text, into: &output)
        case .rot13: TextTransforms.rot13(text, into: &output)
        case .reversed: TextTransforms.reversed(text, into: &output)
        }
    }
}
