// Splits a byte stream into "\n"-terminated lines without ever buffering more than the limit.
//
//  - A line is the bytes before a "\n" (a "\r" before it, if any, stays in the line).
//  - A line of more than `maxLineBytes` bytes is reported once, as `.tooLong`, as soon as its
//    (maxLineBytes + 1)-th byte is seen, so `length` is always maxLineBytes + 1 whatever the
//    chunking; its remaining bytes up to the next "\n" are discarded without being stored.
//  - Line numbers are 1-based and count every line, too-long ones included.
//  - A complete line lying wholly inside one chunk is passed as a view into that chunk (no copy);
//    only a line split across chunks is copied into the internal buffer, allocated once at first
//    need with maxLineBytes bytes (limits above 64 MiB grow by doubling instead).
//  - The views passed to `body` are valid only during the call.

package struct LineFramer: Sendable {
    package enum Event {
        /// A line without its "\n"; `terminated` is false only for a final fragment from `finish`.
        case line(UnsafeRawBufferPointer, number: Int, terminated: Bool)
        /// A line longer than the limit; `length` is the number of bytes seen when it was reported.
        case tooLong(number: Int, length: Int)
    }

    package let maxLineBytes: Int
    /// The number the next line will get.
    package private(set) var nextLineNumber = 1
    /// Holds the start of a line split across chunks; allocated once, at first need.
    private var storage: LineStorage?
    private var pendingCount = 0
    /// Inside an over-long line that was already reported: drop bytes until the next "\n".
    private var discarding = false

    package init(maxLineBytes: Int) {
        self.maxLineBytes = max(maxLineBytes, 0)
    }

    /// The number of bytes of an unfinished line currently held.
    package var bufferedByteCount: Int { pendingCount }

    /// Feeds a chunk; calls `body` for each completed line (or too-long line) in order.
    /// If `body` throws, the framer stays consistent: the event that threw counts as delivered and
    /// the rest of the chunk is dropped.
    ///
    /// (`body` is never called from inside a standard-library `withUnsafe…` closure: on Swift 6.3.1
    /// doing so from a `rethrows` function crashes or loses the error when `body` throws.)
    package mutating func feed(_ chunk: UnsafeRawBufferPointer, _ body: (Event) throws -> Void) rethrows {
        let n = chunk.count
        var pos = 0
        while pos < n {
            let newline = Self.firstNewline(chunk, from: pos)

            if discarding {
                guard let nl = newline else { return }
                discarding = false
                nextLineNumber &+= 1
                pos = nl &+ 1
                continue
            }

            let end = newline ?? n
            let available = end &- pos
            let total = pendingCount &+ available
            let number = nextLineNumber

            if total > maxLineBytes {
                // The cap is crossed inside this chunk: report once, then drop the rest of the line.
                pendingCount = 0
                if let nl = newline {
                    nextLineNumber &+= 1
                    pos = nl &+ 1
                } else {
                    discarding = true
                    pos = n
                }
                try body(.tooLong(number: number, length: maxLineBytes &+ 1))
                continue
            }

            guard let nl = newline else {
                // An unfinished line: keep it for the next chunk.
                appendPending(chunk, from: pos, count: available)
                return
            }

            nextLineNumber &+= 1
            pos = nl &+ 1
            if pendingCount == 0 {
                try body(.line(UnsafeRawBufferPointer(rebasing: chunk[(nl &- available)..<nl]),
                               number: number, terminated: true))
            } else {
                appendPending(chunk, from: nl &- available, count: available)
                let line = takePending()
                try body(.line(line, number: number, terminated: true))
            }
        }
    }

    /// At end of input: delivers an unterminated final fragment (terminated: false) if any bytes are
    /// pending, or nothing. An over-long final line was already reported and yields nothing more.
    /// The framer can then be reused for a new stream (line numbers keep counting).
    package mutating func finish(_ body: (Event) throws -> Void) rethrows {
        if discarding {
            discarding = false
            nextLineNumber &+= 1
            return
        }
        guard pendingCount > 0 else { return }
        let number = nextLineNumber
        nextLineNumber &+= 1
        let line = takePending()
        try body(.line(line, number: number, terminated: false))
    }

    /// Appends bytes of `chunk` to the pending line (the caller guarantees the limit holds).
    private mutating func appendPending(_ chunk: UnsafeRawBufferPointer, from: Int, count: Int) {
        guard count > 0, let source = chunk.baseAddress else { return }
        let needed = pendingCount &+ count
        if storage == nil {
            storage = LineStorage(capacity: Self.initialCapacity(maxLineBytes: maxLineBytes, needed: needed))
        } else {
            let unique = isKnownUniquelyReferenced(&storage)
            let current = storage!
            if !unique || current.capacity < needed {
                // A copied framer (keep value semantics) or, for huge limits only, a line
                // outgrowing the first allocation.
                var capacity = current.capacity
                if capacity < needed { capacity = min(max(needed, capacity &* 2), maxLineBytes) }
                let replacement = LineStorage(capacity: capacity)
                replacement.base.copyMemory(from: current.base, byteCount: pendingCount)
                storage = replacement
            }
        }
        storage!.base.advanced(by: pendingCount).copyMemory(from: source.advanced(by: from), byteCount: count)
        pendingCount = needed
    }

    /// Limits up to 64 MiB are allocated in full, once. Larger limits (e.g. `Int.max` for
    /// "unlimited") start at 1 MiB and grow by doubling.
    private static func initialCapacity(maxLineBytes: Int, needed: Int) -> Int {
        let once = 64 << 20
        return maxLineBytes <= once ? maxLineBytes : max(needed, 1 << 20)
    }

    /// The pending line as a view (valid until the next append), leaving nothing pending.
    private mutating func takePending() -> UnsafeRawBufferPointer {
        let count = pendingCount
        pendingCount = 0
        guard count > 0, let storage else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: storage.base, count: count)
    }

    /// Index of the first "\n" at or after `from`, or nil.
    @inline(__always)
    static func firstNewline(_ p: UnsafeRawBufferPointer, from: Int) -> Int? {
        let n = p.count
        var i = from
        while i &+ 8 <= n {
            let w = p.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let x = w ^ 0x0A0A_0A0A_0A0A_0A0A
            if (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0 { break }
            i &+= 8
        }
        while i < n {
            if p[i] == 0x0A { return i }
            i &+= 1
        }
        return nil
    }
}

/// The buffer for a line split across chunks: `maxLineBytes` bytes, allocated once (see
/// `initialCapacity` for huge limits).
/// Only mutated through a uniquely referenced `LineFramer` (copy-on-write), hence Sendable.
private final class LineStorage: @unchecked Sendable {
    let base: UnsafeMutableRawPointer
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        base = UnsafeMutableRawPointer.allocate(byteCount: max(capacity, 1), alignment: 16)
    }

    deinit {
        base.deallocate()
    }
}
