/// An immutable array of plain values in one heap block, read through a raw buffer: the scan's
/// tables, which the hot loop indexes without closures, reference counting or bounds checks in
/// release builds.
final class FlatTable<Element: BitwiseCopyable>: @unchecked Sendable {
    // SAFETY (Sendable): the block is written once in `init` and only read afterwards.
    /// The elements. Valid as long as this table is alive.
    let buffer: UnsafeBufferPointer<Element>

    init(_ elements: [Element]) {
        let block = UnsafeMutableBufferPointer<Element>.allocate(capacity: max(elements.count, 1))
        _ = block.initialize(from: elements)
        buffer = UnsafeBufferPointer(rebasing: block[0..<elements.count])
    }

    deinit {
        // SAFETY: `buffer` starts at the allocated block (a rebase from index 0), and its
        // elements are bitwise-copyable, so nothing needs deinitialising.
        UnsafeMutableRawPointer(mutating: buffer.baseAddress!).deallocate()
    }

    var count: Int { buffer.count }

    subscript(index: Int) -> Element { buffer[index] }
}
