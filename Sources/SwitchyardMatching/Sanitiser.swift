import Foundation

/// Builds the sanitised view of a text: default-ignorable (invisible) scalars removed, U+2800
/// BRAILLE PATTERN BLANK turned into a space, NFKC and full case folding applied per scalar.
///
/// Pure-ASCII text is its own sanitised view for matching purposes (keywords and patterns already
/// match ASCII case-insensitively), so callers test `isASCII` first and skip the view entirely.
public enum Sanitiser {
    /// Whether every byte is below 0x80.
    /// - Complexity: O(n), eight bytes per step.
    @inlinable
    public static func isASCII(_ text: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        var accumulated: UInt64 = 0
        let count = text.count
        while index + 8 <= count {
            accumulated |= text.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            index += 8
        }
        while index < count {
            accumulated |= UInt64(text[index])
            index += 1
        }
        return accumulated & 0x8080_8080_8080_8080 == 0
    }

    /// Writes the sanitised view of `text` (UTF-8) into `output`, replacing its contents, and
    /// returns the number of scalars removed as invisible.
    ///
    /// ASCII bytes are copied unchanged: matching is already ASCII-case-insensitive, and keeping
    /// them lets callers skip the sanitised pass when nothing else changed. A non-ASCII scalar that
    /// NFKC case folding leaves alone (`changesWhenNFKCCaseFolded` is false) is copied as is;
    /// only the scalars it changes go through Foundation's NFKC and case folding, one at a time.
    /// Invalid UTF-8 bytes are copied as is.
    @discardableResult
    public static func sanitise(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
        output.removeAll(keepingCapacity: true)
        output.reserveCapacity(text.count)
        var removed = 0
        var index = 0
        let count = text.count
        while index < count {
            let lead = text[index]
            if lead < 0x80 {
                output.append(lead)
                index += 1
                continue
            }
            guard let (scalar, length) = decodeScalar(text, at: index) else {
                output.append(lead)
                index += 1
                continue
            }
            let properties = scalar.properties
            if scalar.value == 0x2800 {
                output.append(0x20)
            } else if properties.isDefaultIgnorableCodePoint {
                removed += 1
            } else if !properties.changesWhenNFKCCaseFolded {
                output.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[index..<index + length]))
            } else {
                let folded = String(Character(scalar)).precomposedStringWithCompatibilityMapping
                    .folding(options: [.caseInsensitive], locale: nil)
                output.append(contentsOf: folded.utf8)
            }
            index += length
        }
        return removed
    }

    /// Decodes the well-formed UTF-8 scalar starting at `index`, or nil if the bytes there are not one.
    @inline(__always)
    static func decodeScalar(_ text: UnsafeRawBufferPointer, at index: Int) -> (Unicode.Scalar, Int)? {
        let lead = UInt32(text[index])
        let count = text.count
        func continuation(_ offset: Int) -> UInt32? {
            guard index + offset < count else { return nil }
            let byte = text[index + offset]
            return byte & 0xC0 == 0x80 ? UInt32(byte & 0x3F) : nil
        }
        switch lead {
        case 0xC2...0xDF:
            guard let b1 = continuation(1) else { return nil }
            return Unicode.Scalar((lead & 0x1F) << 6 | b1).map { ($0, 2) }
        case 0xE0...0xEF:
            guard let b1 = continuation(1), let b2 = continuation(2) else { return nil }
            let value = (lead & 0x0F) << 12 | b1 << 6 | b2
            guard value >= 0x800 else { return nil }
            return Unicode.Scalar(value).map { ($0, 3) }
        case 0xF0...0xF4:
            guard let b1 = continuation(1), let b2 = continuation(2), let b3 = continuation(3) else { return nil }
            let value = (lead & 0x07) << 18 | b1 << 12 | b2 << 6 | b3
            guard value >= 0x10000 else { return nil }
            return Unicode.Scalar(value).map { ($0, 4) }
        default:
            return nil
        }
    }
}
