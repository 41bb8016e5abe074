import SwitchyardMatching

/// Where a term's ROT13 or reversed form was seen in the current request, so that the ROT13 or
/// reversed reading covers only the neighbourhoods where such evidence confirms itself.
///
/// A short term's transformed form is often an ordinary word ("trap" reversed is "part", "cuba" in
/// ROT13 is "phon"), so one form proves nothing: a reading is confirmed by a long form
/// (`confirmingBytes` or more) or by the forms of two different terms at places that do not
/// overlap. In a long text two unrelated ordinary words always turn up somewhere; the log keeps
/// each piece of evidence, so that only the clusters of evidence (forms whose windows touch) that
/// confirm themselves are read, not every window of the text. Fixed capacity, no allocation per
/// request; past `capacity` pieces the caller keeps its whole-text answer.
struct TransformEvidence {
    /// Pieces of evidence kept per request.
    static let capacity = 1024
    /// Transformed forms at least this long confirm a reading on their own.
    static let confirmingBytes = 8

    private var starts: [Int]
    private var ends: [Int]
    private var patterns: [UInt32]
    private var long: [Bool]
    /// Placed only to the window of an excerpt it was seen in (see `note`).
    private var windowed: [Bool]
    /// Pieces noted in the current request.
    private(set) var count = 0
    /// More pieces than `capacity`, or a pass over an excerpt that could not place its evidence:
    /// the log cannot say where the evidence is.
    private var unplaced = false
    /// Sort scratch (indices into the arrays above).
    private var order: [Int]
    /// Whether the reading is confirmed: anywhere in the text by the pieces noted so far (a long
    /// form, or two different terms' forms apart), then, after `localise`, in some cluster.
    private(set) var confirmed = false
    /// The first placed piece, for the whole-text confirmation.
    private var first: (range: Range<Int>, pattern: UInt32)? = nil

    init() {
        starts = Array(repeating: 0, count: Self.capacity)
        ends = starts
        order = starts
        patterns = Array(repeating: 0, count: Self.capacity)
        long = Array(repeating: false, count: Self.capacity)
        windowed = long
    }

    mutating func reset() {
        count = 0
        unplaced = false
        confirmed = false
        first = nil
    }

    /// Notes that `pattern`'s form (`length` bytes of the pass's view) was seen at `range` of the
    /// text; `windowed`: somewhere in `range`, the window of an excerpt (a skeleton or readable
    /// view of windows of the text) that it was seen in. A windowed piece confirms with any other
    /// pattern's form in its cluster: where inside the window it lies is not known.
    /// Only a placed piece (not windowed) can confirm the reading for the whole text.
    mutating func note(_ range: Range<Int>, pattern: UInt32, length: Int, windowed: Bool = false) {
        if !windowed {
            if length >= Self.confirmingBytes { confirmed = true }
            if let earlier = first {
                if earlier.pattern != pattern && !earlier.range.overlaps(range) { confirmed = true }
            } else {
                first = (range, pattern)
            }
        }
        guard count < Self.capacity else { unplaced = true; return }
        starts[count] = range.lowerBound
        ends[count] = range.upperBound
        patterns[count] = pattern
        long[count] = length >= Self.confirmingBytes
        self.windowed[count] = windowed
        count += 1
    }

    /// Notes evidence that cannot be placed in the text (a pass over a decoded or squeezed excerpt).
    mutating func noteUnplaced() {
        unplaced = true
    }

    /// When the reading is confirmed and every piece was placed, refills `windows` with the
    /// clusters that confirm themselves (`confirmedWindows`) and keeps `confirmed` only if one did;
    /// otherwise leaves both as they are (the whole-text answer).
    mutating func localise(radius: Int, textCount: Int, into windows: inout ViewWindows) {
        if confirmed && !unplaced {
            confirmed = confirmedWindows(radius: radius, textCount: textCount, into: &windows)
        }
    }

    /// Refills `windows` (of a text of `textCount` bytes) with the evidence of the clusters that
    /// confirm themselves, each widened by `radius`; clusters are pieces whose widened ranges
    /// touch. Returns whether any cluster confirmed.
    private mutating func confirmedWindows(radius: Int, textCount: Int, into windows: inout ViewWindows) -> Bool {
        windows.reset(textCount: textCount)
        // Insertion sort by start: the pieces of one pass arrive in order, so this is nearly linear.
        for index in 0..<count {
            var position = index
            while position > 0 && starts[order[position - 1]] > starts[index] {
                order[position] = order[position - 1]
                position -= 1
            }
            order[position] = index
        }
        var any = false
        var first = 0
        while first < count {
            // One cluster: order[first ..< last].
            var reach = ends[order[first]] + radius
            var last = first + 1
            while last < count && starts[order[last]] - radius <= reach {
                reach = max(reach, ends[order[last]] + radius)
                last += 1
            }
            if confirms(first, last) {
                any = true
                for position in first..<last {
                    let piece = order[position]
                    windows.add(starts[piece]..<ends[piece], radius: radius)
                }
            }
            first = last
        }
        return any
    }

    /// Whether the cluster `order[first ..< last]` holds a long form, or forms of two different
    /// patterns that do not overlap.
    private func confirms(_ first: Int, _ last: Int) -> Bool {
        for position in first..<last {
            let piece = order[position]
            if long[piece] { return true }
            for other in (position + 1)..<last {
                let second = order[other]
                let apart = windowed[piece] || windowed[second] || ends[piece] <= starts[second] || ends[second] <= starts[piece]
                if patterns[second] != patterns[piece] && apart {
                    return true
                }
            }
        }
        return false
    }
}
