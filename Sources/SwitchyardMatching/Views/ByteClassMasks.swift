import CByteMasks

/// Up to eight byte classes, read 64 bytes at a time as one bit mask per class (bit i: byte i is
/// in the class), with SSSE3 or AVX2 nibble lookups where the CPU has them (`sy_byte_masks`).
/// The per-byte passes (the decoders' prefilter, the disguise gates) then work on whole masks:
/// "a leet byte right after a letter" is `leet & letter << 1` for 64 bytes at once.
///
/// Built from a 256-entry table whose bit c is class c, like a `ByteTable`; immutable and never
/// freed afterwards, so it is shared by every thread.
struct ByteClassMasks: @unchecked Sendable {
    // @unchecked Sendable: written once in `init`, then immutable and never freed.
    let compiled: UnsafePointer<sy_byte_classifier>

    /// The masks of one block of at most 64 bytes.
    struct Block {
        var masks: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        /// Bit i: byte i of the block is in class `bit` (a class's bit in the table, 0-7).
        @inline(__always)
        subscript(bit: Int) -> UInt64 {
            switch bit {
            case 0: masks.0
            case 1: masks.1
            case 2: masks.2
            case 3: masks.3
            case 4: masks.4
            case 5: masks.5
            case 6: masks.6
            default: masks.7
            }
        }
    }

    /// Compiles the classes of `entry` (bit c of `entry(byte)`: byte is in class c): each class
    /// becomes the rectangles (high nibbles × low nibbles) that cover it exactly, shared between
    /// classes when equal, at most 32 in all.
    init(_ entry: (Int) -> UInt8) {
        var classifier = sy_byte_classifier()
        var table = [UInt8](repeating: 0, count: 256)
        for byte in 0..<256 { table[byte] = entry(byte) }
        var rectangles: [(highs: UInt16, lows: UInt16)] = []
        var select = [[UInt8]](repeating: [0, 0, 0, 0], count: 8)
        var classes = 0
        for bit in 0..<8 {
            // Per high nibble, the low nibbles whose byte is in the class; high nibbles with the
            // same set of low nibbles make one rectangle.
            var lowsOfHigh = [UInt16](repeating: 0, count: 16)
            for byte in 0..<256 where table[byte] >> bit & 1 != 0 { lowsOfHigh[byte >> 4] |= 1 << (byte & 15) }
            if lowsOfHigh.allSatisfy({ $0 == 0 }) { continue }
            classes = bit + 1
            var shapes: [UInt16: UInt16] = [:]  // low nibbles → high nibbles
            for high in 0..<16 where lowsOfHigh[high] != 0 { shapes[lowsOfHigh[high], default: 0] |= 1 << high }
            for (lows, highs) in shapes.sorted(by: { $0.key < $1.key }) {
                let index: Int
                if let existing = rectangles.firstIndex(where: { $0 == (highs, lows) }) {
                    index = existing
                } else {
                    index = rectangles.count
                    rectangles.append((highs, lows))
                }
                precondition(index < 32, "more than 32 nibble rectangles in one ByteClassMasks")
                select[bit][index / 8] |= 1 << (index % 8)
            }
        }
        withUnsafeMutableBytes(of: &classifier.lo) { lo in
            withUnsafeMutableBytes(of: &classifier.hi) { hi in
                for (index, rectangle) in rectangles.enumerated() {
                    let pair = index / 8, bit = UInt8(1 << (index % 8))
                    for nibble in 0..<16 {
                        if rectangle.lows >> nibble & 1 != 0 { lo[pair * 16 + nibble] |= bit }
                        if rectangle.highs >> nibble & 1 != 0 { hi[pair * 16 + nibble] |= bit }
                    }
                }
            }
        }
        withUnsafeMutableBytes(of: &classifier.select) { bytes in
            for bit in 0..<8 { for pair in 0..<4 { bytes[bit * 4 + pair] = select[bit][pair] } }
        }
        withUnsafeMutableBytes(of: &classifier.table) { bytes in
            for byte in 0..<256 { bytes[byte] = table[byte] }
        }
        classifier.pairs = UInt8((rectangles.count + 7) / 8)
        classifier.classes = UInt8(classes)
        let storage = UnsafeMutablePointer<sy_byte_classifier>.allocate(capacity: 1)
        storage.initialize(to: classifier)
        compiled = UnsafePointer(storage)
    }

    /// The class masks of `count` bytes (at most 64) at `start`; bits at and above `count` are zero.
    @inline(__always)
    func block(_ start: UnsafePointer<UInt8>, count: Int) -> Block {
        masks(start, count: count, by: sy_byte_masks)
    }

    /// The same masks by the portable byte loop, for tests.
    func scalarBlock(_ start: UnsafePointer<UInt8>, count: Int) -> Block {
        masks(start, count: count, by: sy_byte_masks_scalar)
    }

    @inline(__always)
    private func masks(_ start: UnsafePointer<UInt8>, count: Int,
                       by classify: (UnsafePointer<sy_byte_classifier>?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<UInt64>?) -> Void) -> Block {
        var block = Block()
        withUnsafeMutablePointer(to: &block.masks) { masks in
            // SAFETY: the tuple is eight contiguous UInt64s, the `out[8]` the C function writes;
            // it reads only `count` (clamped to 64) bytes at `start`.
            masks.withMemoryRebound(to: UInt64.self, capacity: 8) { out in
                classify(compiled, start, count, out)
            }
        }
        return block
    }

    /// Which path this CPU takes: 2 AVX2, 1 SSSE3, 0 the byte loop.
    static var path: Int { Int(sy_byte_masks_path()) }
}
