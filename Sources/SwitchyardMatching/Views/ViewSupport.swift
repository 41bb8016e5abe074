// Shared machinery of the text views: decoded table storage, the Unicode tries, UTF-8 scalar
// decoding and the "write into a caller-owned [UInt8]" driver.

/// A generated table stored in the binary as base64 of its little-endian integers (see
/// UnicodeTables.swift) and decoded once, on first use, into memory that is never freed.
///
/// Integer array literals of this size cost the Swift compiler many seconds per build; a string
/// literal costs almost nothing, and decoding all tables takes well under a millisecond.
struct EncodedTable<Element: FixedWidthInteger & UnsignedInteger>: @unchecked Sendable {
    // @unchecked Sendable: `base` points to memory that is written once in `init` and never
    // mutated or freed afterwards, so sharing it between threads is safe.
    let base: UnsafePointer<Element>
    let count: Int

    init(count: Int, base64: StaticString) {
        let width = MemoryLayout<Element>.size
        let storage = UnsafeMutablePointer<Element>.allocate(capacity: Swift.max(count, 1))
        var produced = 0
        base64.withUTF8Buffer { text in
            // SAFETY: `raw` covers exactly `count * width` bytes of `storage`, which was allocated
            // for `count` elements; `Base64.decodeTable` writes at most `raw.count` bytes.
            let raw = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(storage), count: count * width)
            produced = Base64.decodeTable(text, into: raw)
        }
        precondition(produced == count * width, "corrupt generated table: \(produced) bytes for \(count) elements")
        if width > 1 {
            for index in 0..<count { storage[index] = Element(littleEndian: storage[index]) }
        }
        self.base = UnsafePointer(storage)
        self.count = count
    }

    /// Unchecked element access.
    @inline(__always)
    subscript(index: Int) -> Element {
        // SAFETY: callers index only within `0..<count`; the tries are validated in `UnicodeTrie.init`.
        base[index]
    }
}

/// One of the generated three-level tries (see Scripts/generate-unicode-tables.py): maps every
/// scalar value below 0x110000 to a UInt32.
struct UnicodeTrie: @unchecked Sendable {
    // @unchecked Sendable: plain pointers into immutable, never-freed table memory.
    let index1: UnsafePointer<UInt16>
    let index2: UnsafePointer<UInt16>
    let blocks: UnsafePointer<UInt16>
    let entries: UnsafePointer<UInt32>

    init(index1: EncodedTable<UInt16>, index2: EncodedTable<UInt16>, blocks: EncodedTable<UInt16>,
         entries: EncodedTable<UInt32>) {
        // Validate every link once, so lookups of any scalar below 0x110000 stay in bounds.
        precondition(index1.count == 0x110000 >> 10)
        for index in 0..<index1.count { precondition((Int(index1[index]) + 1) << 6 <= index2.count) }
        for index in 0..<index2.count { precondition((Int(index2[index]) + 1) << 4 <= blocks.count) }
        for index in 0..<blocks.count { precondition(Int(blocks[index]) < entries.count) }
        self.index1 = index1.base
        self.index2 = index2.base
        self.blocks = blocks.base
        self.entries = entries.base
    }

    /// The value for `scalar`, which must be below 0x110000.
    @inline(__always)
    func value(_ scalar: UInt32) -> UInt32 {
        // SAFETY: scalar < 0x110000 (guaranteed by `UTF8Scalar.decode`), so `scalar >> 10` is a
        // valid index1 position; every stored link was range-checked in `init`.
        let level2 = Int(index1[Int(scalar &>> 10)]) &<< 6 | Int(scalar &>> 4 & 63)
        let level3 = Int(index2[level2]) &<< 4 | Int(scalar & 15)
        return entries[Int(blocks[level3])]
    }
}

/// The decoded generated tables, shared by the sanitiser and the views.
enum ViewTables {
    static let sanitise = UnicodeTrie(
        index1: UnicodeTables.sanitiseIndex1, index2: UnicodeTables.sanitiseIndex2,
        blocks: UnicodeTables.sanitiseBlocks, entries: UnicodeTables.sanitiseEntries)
    static let skeleton = UnicodeTrie(
        index1: UnicodeTables.skeletonIndex1, index2: UnicodeTables.skeletonIndex2,
        blocks: UnicodeTables.skeletonBlocks, entries: UnicodeTables.skeletonEntries)
    /// Flat UTF-8 outputs of both tries.
    static let bytes = UnicodeTables.bytes
    /// `asciiSkeleton` as a 256-entry table; bytes 0x80–0xFF map to themselves (never used).
    static let asciiSkeleton = ByteTable { $0 < 128 ? UnicodeTables.asciiSkeleton[$0] : UInt8($0) }
    /// The readable view's ASCII table: letters lowercased, leet digits and symbols to letters.
    static let asciiReadable = ByteTable { byte in
        switch byte {
        case 0x41...0x5A: UInt8(byte + 0x20)
        case 0x34, 0x40: UInt8(ascii: "a")
        case 0x38: UInt8(ascii: "b")
        case 0x33: UInt8(ascii: "e")
        case 0x39: UInt8(ascii: "g")
        case 0x31: UInt8(ascii: "i")
        case 0x30: UInt8(ascii: "o")
        case 0x35, 0x24: UInt8(ascii: "s")
        case 0x37: UInt8(ascii: "t")
        default: UInt8(byte)
        }
    }
    /// `asciiSqueezeKeeps` as a 256-entry table; 0 for bytes 0x80–0xFF.
    static let asciiSqueezeKeeps = ByteTable { $0 < 128 ? UnicodeTables.asciiSqueezeKeeps[$0] : 0 }
}

/// A 256-entry byte table in never-freed memory, indexed without bounds checks by a byte.
struct ByteTable: @unchecked Sendable {
    // @unchecked Sendable: written once in `init`, then immutable and never freed.
    let base: UnsafePointer<UInt8>

    init(_ entry: (Int) -> UInt8) {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0..<256 { table[byte] = entry(byte) }
        base = UnsafePointer(table)
    }

    @inline(__always)
    subscript(byte: UInt8) -> UInt8 {
        // SAFETY: a UInt8 index is always within the 256 entries.
        base[Int(byte)]
    }
}

/// UTF-8 scalar decoding on raw pointers.
package enum UTF8Scalar {
    /// Decodes the well-formed UTF-8 scalar at `start[index]` (a byte >= 0x80) and returns its
    /// value and length, or length 0 if the bytes there are not a well-formed scalar (overlong,
    /// surrogate, above U+10FFFF, truncated, or a stray continuation byte).
    @inline(__always)
    package static func decode(_ start: UnsafePointer<UInt8>, _ index: Int, _ count: Int) -> (value: UInt32, length: Int) {
        // SAFETY: every read below is guarded by `index + k < count`, and callers pass the
        // buffer's real count.
        let lead = UInt32(start[index])
        if lead >= 0xC2 && lead <= 0xDF {
            guard index + 1 < count else { return (0, 0) }
            let b1 = UInt32(start[index + 1]) ^ 0x80
            guard b1 < 0x40 else { return (0, 0) }
            return ((lead & 0x1F) << 6 | b1, 2)
        }
        if lead >= 0xE0 && lead <= 0xEF {
            guard index + 2 < count else { return (0, 0) }
            let b1 = UInt32(start[index + 1]) ^ 0x80, b2 = UInt32(start[index + 2]) ^ 0x80
            guard b1 | b2 < 0x40 else { return (0, 0) }
            let value = (lead & 0x0F) << 12 | b1 << 6 | b2
            guard value >= 0x800, value & 0xF800 != 0xD800 else { return (0, 0) }
            return (value, 3)
        }
        if lead >= 0xF0 && lead <= 0xF4 {
            guard index + 3 < count else { return (0, 0) }
            let b1 = UInt32(start[index + 1]) ^ 0x80, b2 = UInt32(start[index + 2]) ^ 0x80
            let b3 = UInt32(start[index + 3]) ^ 0x80
            guard b1 | b2 | b3 < 0x40 else { return (0, 0) }
            let value = (lead & 0x07) << 18 | b1 << 12 | b2 << 6 | b3
            guard value >= 0x10000, value <= 0x10FFFF else { return (0, 0) }
            return (value, 4)
        }
        return (0, 0)
    }

    /// Writes `value` (a Unicode scalar value) as UTF-8 at `out[at]` and returns the length.
    @inline(__always)
    static func encode(_ value: UInt32, into out: UnsafeMutablePointer<UInt8>, at: Int) -> Int {
        // SAFETY: callers reserve at least 4 bytes at `out + at`.
        switch value {
        case 0..<0x80:
            out[at] = UInt8(value)
            return 1
        case 0x80..<0x800:
            out[at] = UInt8(0xC0 | value >> 6)
            out[at + 1] = UInt8(0x80 | value & 0x3F)
            return 2
        case 0x800..<0x10000:
            out[at] = UInt8(0xE0 | value >> 12)
            out[at + 1] = UInt8(0x80 | value >> 6 & 0x3F)
            out[at + 2] = UInt8(0x80 | value & 0x3F)
            return 3
        default:
            out[at] = UInt8(0xF0 | value >> 18)
            out[at + 1] = UInt8(0x80 | value >> 12 & 0x3F)
            out[at + 2] = UInt8(0x80 | value >> 6 & 0x3F)
            out[at + 3] = UInt8(0x80 | value & 0x3F)
            return 4
        }
    }
}

/// Writes a view into a caller-owned `[UInt8]` without per-byte `append`.
enum ViewOutput {
    /// Slack the body may use beyond "one output byte per remaining input byte": a body must
    /// return (to let the buffer grow) before writing a non-ASCII scalar's output unless
    /// `written + (count - index) + slack <= capacity`. One scalar's output is at most 63 bytes.
    static let slack = 64

    /// Replaces `output`'s contents with what `body` writes. `body` gets the output base pointer,
    /// its usable size, and `written`/`index` to advance; it returns when the input is consumed
    /// or when it needs more room (see `slack`), and is then called again with a larger buffer.
    /// Allocates only if `output`'s capacity is below `inputCount + slack` (or the view grows).
    @inline(__always)
    static func fill(
        _ output: inout [UInt8], inputCount: Int,
        _ body: (_ out: UnsafeMutablePointer<UInt8>, _ capacity: Int, _ written: inout Int, _ index: inout Int) -> Void
    ) {
        output.removeAll(keepingCapacity: true)
        var written = 0
        var index = 0
        var target = inputCount + slack
        while true {
            if output.count < target { grow(&output, to: target) }
            output.withUnsafeMutableBufferPointer { buffer in
                // SAFETY: `buffer` has `buffer.count >= slack > 0` elements, so `baseAddress` is non-nil.
                body(buffer.baseAddress!, buffer.count, &written, &index)
            }
            if index >= inputCount { break }
            target = written + 2 * (inputCount - index) + 4 * slack
        }
        output.removeLast(output.count - written)
    }

    /// Appends `count` copies of `byte` to `output`, without allocating when the capacity suffices
    /// (see `grow`).
    @inline(__always)
    static func append(_ output: inout [UInt8], repeating byte: UInt8, count: Int) {
        #if DEBUG
        output.reserveCapacity(output.count + count)
        for _ in 0..<count { output.append(byte) }
        #else
        output.append(contentsOf: repeatElement(byte, count: count))
        #endif
    }

    /// Appends `bytes` to `output`, without allocating when the capacity suffices (see `grow`).
    @inline(__always)
    static func append(_ output: inout [UInt8], contentsOf bytes: [UInt8]) {
        #if DEBUG
        output.reserveCapacity(output.count + bytes.count)
        for byte in bytes { output.append(byte) }
        #else
        output.append(contentsOf: bytes)
        #endif
    }

    /// Appends raw `bytes` to `output`, without allocating when the capacity suffices.
    @inline(__always)
    static func append(_ output: inout [UInt8], contentsOf bytes: UnsafeRawBufferPointer) {
        #if DEBUG
        output.reserveCapacity(output.count + bytes.count)
        for byte in bytes { output.append(byte) }
        #else
        output.append(contentsOf: bytes)
        #endif
    }

    /// Appends zeros to `output` up to `count` elements, without allocating when the capacity
    /// suffices. (Unoptimised builds run `append(contentsOf: repeatElement(...))` through
    /// unspecialised generic code that allocates per element, so debug builds append one by one.)
    @inline(__always)
    static func grow(_ output: inout [UInt8], to count: Int) {
        #if DEBUG
        output.reserveCapacity(count)
        while output.count < count { output.append(0) }
        #else
        output.append(contentsOf: repeatElement(0, count: count - output.count))
        #endif
    }
}
