import Switchyard
/// Input lines collected for one batch: their bytes copied into one flat buffer, plus what the
/// framer said about each (number, terminated, or too long).
package struct LineBatch: Sendable {
    /// One framed line.
    package struct Entry: Sendable {
        /// Byte range in `bytes` (empty for a too-long line).
        package var range: Range<Int>
        /// 1-based input line number.
        package var number: Int
        /// False for an unterminated final line.
        package var terminated: Bool
        /// The line crossed the size limit and was skipped.
        package var tooLong: Bool
    }

    package private(set) var bytes: [UInt8] = []
    package private(set) var entries: [Entry] = []

    package init() {}

    package var count: Int { entries.count }
    package var isEmpty: Bool { entries.isEmpty }

    /// Appends one framer event (copying the line's bytes, which the framer only lends).
    package mutating func append(_ event: LineFramer.Event) {
        switch event {
        case .line(let line, let number, let terminated):
            let start = bytes.count
            bytes.append(contentsOf: line)
            entries.append(Entry(range: start..<bytes.count, number: number, terminated: terminated, tooLong: false))
        case .tooLong(let number, _):
            entries.append(Entry(range: bytes.count..<bytes.count, number: number, terminated: true, tooLong: true))
        }
    }

    /// Empties the batch, keeping capacity.
    package mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }
}
