// ViewOrigins: where a span of a view came from in the text the view was built from.
//
// Every view is built from its source by steps that keep order: per-scalar mappings (sanitise,
// skeleton, readable, ROT13), dropping bytes (join), reversing (within a window), windows cut out
// and joined by newlines, and decoded blobs. So a byte range of a view comes from one byte range
// of its source, and a match found on a disguised view can be shown in the request's own bytes.
// Each function here replays one step over its source, so it costs a pass over the source: the
// classifier calls them only for rules that fired, never on the clean path.

/// How a view was built from its source, one step: what `ViewOrigins.source(of:)` undoes.
package enum ViewStep {
    /// `Sanitiser.sanitise` of the source.
    case sanitised
    /// `transform` of the whole source.
    case transformed(ViewTransform)
    /// `ViewWindows.build` of the source with `transform` (an excerpt unless `windows.coversAll`).
    case windows(ViewWindows, ViewTransform, separator: Int)
    /// `ViewWindows.buildSqueezed` of the source.
    case squeezed(ViewWindows, joinable: ViewWindows, separator: Int)
    /// `Decoders.decode` of the source: a span maps to the blob (at depth 1) it was decoded from.
    case decodedBlobs(DecodeBudget)
    /// Byte `i` of the view comes from byte `i` of the source (Caesar, Atbash, swapped pairs).
    case sameLength
    /// The view is a reading of the whole source (Morse code, character codes).
    case whole
}

package enum ViewOrigins {
    /// The byte range of `source` that `span` of the view `step` built from it came from
    /// (clamped to the source; an empty span maps to an empty range where it stands).
    package static func source(of span: Range<Int>, through step: ViewStep, in source: UnsafeRawBufferPointer) -> Range<Int> {
        switch step {
        case .sanitised:
            return perScalar(span, source) { input, index, count in Sanitiser.outputLength(input, index, count) }
        case .transformed(let transform):
            return transformed(span, transform, source)
        case .windows(let windows, let transform, let separator):
            guard !windows.coversAll else { return transformed(span, transform, source) }
            return windowed(span, windows, separator: separator, source) { window in
                let text = UnsafeRawBufferPointer(rebasing: source[window])
                return (outputCount(transform, text), { transformed($0, transform, text) })
            }
        case .squeezed(let windows, let joinable, let separator):
            guard !windows.coversAll else { return squeezed(span, source, joinsWeak: { joinable.overlaps($0) }) }
            return windowed(span, windows, separator: separator, source) { window in
                let text = UnsafeRawBufferPointer(rebasing: source[window])
                let joinsWeak: (Range<Int>) -> Bool = { joinable.overlaps($0.lowerBound + window.lowerBound..<$0.upperBound + window.lowerBound) }
                var output: [UInt8] = [], joined: [UInt8] = [], skeleton: [UInt8] = []
                TextTransforms.squeezedReading(text, into: &output, joined: &joined, skeleton: &skeleton, joinsWeak: joinsWeak)
                return (output.count, { squeezed($0, text, joinsWeak: joinsWeak) })
            }
        case .decodedBlobs(let budget):
            return Decoders.blob(of: span, in: source, budget: budget) ?? 0..<source.count
        case .sameLength:
            return clamped(span, source.count)
        case .whole:
            return 0..<source.count
        }
    }

    /// The windows of `source` (word-aligned, as `ViewWindows.build` cut them) that an excerpt
    /// built by `step` holds, each with the offset in the excerpt where its output ends, into
    /// `windows` and `ends` (emptied first); false when `step` is not a `windows` step of an
    /// excerpt. One pass over the windows: then any offset of the excerpt finds its window
    /// without another.
    package static func segments(through step: ViewStep, in source: UnsafeRawBufferPointer,
                                 windows found: inout [Range<Int>], ends: inout [Int]) -> Bool {
        found.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        guard case .windows(let windows, let transform, let separator) = step, !windows.coversAll else { return false }
        var start = 0
        for number in windows.ranges.indices {
            if number > 0 { start += separator }
            let window = ViewWindows.wordAligned(windows.ranges[number], in: source)
            guard !window.isEmpty else { continue }
            start += outputCount(transform, UnsafeRawBufferPointer(rebasing: source[window]))
            found.append(window)
            ends.append(start)
        }
        return true
    }

    /// `span` of `transform` of the whole `text`.
    static func transformed(_ span: Range<Int>, _ transform: ViewTransform, _ text: UnsafeRawBufferPointer) -> Range<Int> {
        switch transform {
        case .identity, .rot13:
            return clamped(span, text.count)
        case .reversed:
            // Scalars in reverse order: output byte i comes from byte count - 1 - i, up to the
            // order of bytes inside one scalar.
            let mirrored = clamped(span, text.count)
            return text.count - mirrored.upperBound..<text.count - mirrored.lowerBound
        case .skeleton, .readable:
            return perScalar(span, text) { input, index, count in TextViews.outputLength(input, index, count) }
        }
    }

    /// The bytes `transform` writes for the whole `text`.
    static func outputCount(_ transform: ViewTransform, _ text: UnsafeRawBufferPointer) -> Int {
        switch transform {
        case .identity, .rot13, .reversed: return text.count
        case .skeleton, .readable:
            var total = 0
            walk(text, TextViews.outputLength) { _, _, output in total += output; return true }
            return total
        }
    }

    /// `span` of an excerpt of `windows` of `source`, each built by `build(window)`: its output
    /// length and the mapping inside it.
    static func windowed(_ span: Range<Int>, _ windows: ViewWindows, separator: Int, _ source: UnsafeRawBufferPointer,
                         _ build: (Range<Int>) -> (count: Int, map: (Range<Int>) -> Range<Int>)) -> Range<Int> {
        var start = 0
        for number in windows.ranges.indices {
            if number > 0 { start += separator }
            let window = ViewWindows.wordAligned(windows.ranges[number], in: source)
            guard !window.isEmpty else { continue }
            let (count, map) = build(window)
            if span.lowerBound < start + count || number == windows.ranges.count - 1 {
                let inner = Swift.max(span.lowerBound - start, 0)..<Swift.max(Swift.min(span.upperBound - start, count), Swift.max(span.lowerBound - start, 0))
                let mapped = map(inner)
                return mapped.lowerBound + window.lowerBound..<mapped.upperBound + window.lowerBound
            }
            start += count
        }
        return 0..<0
    }

    /// `span` of the squeezed reading of `text` (marked, skeleton, joined): join keeps bytes in
    /// order and drops others, so its output is matched back into the skeleton byte by byte.
    static func squeezed(_ span: Range<Int>, _ text: UnsafeRawBufferPointer, joinsWeak: (Range<Int>) -> Bool) -> Range<Int> {
        var marked: [UInt8] = [], skeleton: [UInt8] = [], output: [UInt8] = [], joined: [UInt8] = []
        InWordSeparators.mark(text, into: &marked, joinsWeak: joinsWeak)
        marked.withUnsafeBytes { TextViews.skeleton($0, into: &skeleton) }
        skeleton.withUnsafeBytes { TextTransforms.join($0, into: &output, joined: &joined) }
        let span = clamped(span, output.count)
        // Where each output byte sits in the skeleton (the leftmost embedding; join drops only
        // separator bytes, so tokens land where they were).
        var lower = skeleton.count
        var position = 0
        for index in 0..<span.upperBound {
            while position < skeleton.count && skeleton[position] != output[index] { position += 1 }
            if index == span.lowerBound { lower = position }
            position += 1
        }
        let upper = Swift.min(position, skeleton.count)
        if span.isEmpty {
            lower = upper
        }
        // The skeleton is per scalar over the marked text, which has the text's offsets.
        return marked.withUnsafeBytes { perScalar(lower..<Swift.max(lower, upper), $0, TextViews.outputLength) }
    }

    /// `span` of a view built scalar by scalar: `length(input, index, count)` gives the bytes a
    /// scalar (or invalid byte) at `index` reads and writes.
    static func perScalar(_ span: Range<Int>, _ text: UnsafeRawBufferPointer,
                          _ length: (UnsafePointer<UInt8>, Int, Int) -> (input: Int, output: Int)) -> Range<Int> {
        var lower: Int? = nil, upper: Int? = nil
        var written = 0
        walk(text, length) { index, read, output in
            let end = written + output
            if lower == nil && (span.isEmpty ? written >= span.lowerBound : end > span.lowerBound) { lower = index }
            written = end
            guard lower != nil else { return true }
            if span.isEmpty { return false }
            if written >= span.upperBound {
                upper = index + read
                return false
            }
            return true
        }
        let start = lower ?? text.count
        return start..<Swift.max(start, upper ?? (span.isEmpty ? start : text.count))
    }

    /// Calls `body(index, bytesRead, bytesWritten)` for each scalar of `text` until it returns false.
    static func walk(_ text: UnsafeRawBufferPointer, _ length: (UnsafePointer<UInt8>, Int, Int) -> (input: Int, output: Int),
                     _ body: (Int, Int, Int) -> Bool) {
        guard let input = text.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return }
        let count = text.count
        var index = 0
        while index < count {
            let (read, written) = length(input, index, count)
            guard body(index, read, written) else { return }
            index += read
        }
    }

    static func clamped(_ span: Range<Int>, _ count: Int) -> Range<Int> {
        let lower = Swift.min(Swift.max(span.lowerBound, 0), count)
        return lower..<Swift.min(Swift.max(span.upperBound, lower), count)
    }
}
