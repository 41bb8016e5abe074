import Foundation

/// Builds the sanitised view of a text: default-ignorable (invisible) scalars removed, U+2800
/// BRAILLE PATTERN BLANK turned into a space, NFKC applied, then full case folding.
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

    /// Writes the sanitised view of `text` (valid UTF-8) into `output`, replacing its contents.
    /// Returns the number of scalars removed as invisible.
    ///
    /// This is the non-ASCII path and uses Foundation for NFKC and case folding, so it allocates.
    @discardableResult
    public static func sanitise(_ text: UnsafeRawBufferPointer, into output: inout [UInt8]) -> Int {
        var removed = 0
        var scalars = String.UnicodeScalarView()
        for scalar in String(decoding: text, as: UTF8.self).unicodeScalars {
            if scalar.value == 0x2800 {
                scalars.append(" ")
            } else if scalar.properties.isDefaultIgnorableCodePoint {
                removed += 1
            } else {
                scalars.append(scalar)
            }
        }
        let folded = String(scalars).precomposedStringWithCompatibilityMapping
            .folding(options: [.caseInsensitive], locale: nil)
        output.removeAll(keepingCapacity: true)
        output.append(contentsOf: folded.utf8)
        return removed
    }
}
