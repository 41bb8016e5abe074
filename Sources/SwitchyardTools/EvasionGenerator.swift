import Switchyard
import Foundation
import SwitchyardMatching
import SwitchyardEnvelope

/// Rewrites risky prompts the way people evade keyword filters, so rule authors can measure how
/// much of a pack's recall survives each technique (`switchyard eval --evade`). Deterministic:
/// the same text and family always give the same variant.
package enum EvasionFamily: String, Sendable, CaseIterable {
    /// aLtErNaTiNg case.
    case caseMix = "case"
    /// Latin letters swapped for Cyrillic and Greek look-alikes.
    case homoglyph
    /// Zero-width characters inside words.
    case invisible
    /// Letters of content words separated by spaces.
    case spaced
    /// Letters of content words separated by dots.
    case dotted
    /// Letters swapped for digits and symbols (a→4, e→3, …).
    case leetspeak
    /// Full-width forms (ａｂｃ).
    case fullwidth
    /// Mathematical bold letters (𝐚𝐛𝐜).
    case math
    /// Accents on vowels (á, é, …).
    case diacritics
    /// Markdown emphasis inside words (ran**som**ware).
    case markdown
    /// The whole request in base64, with an instruction to decode it.
    case base64
    /// The whole request in hex.
    case hex
    /// The whole request in ROT13.
    case rot13
    /// The whole request reversed.
    case reversed
    /// The request hidden in Unicode tag characters after an innocent visible sentence.
    case tags
    /// The whole request gzip-compressed, then in base64.
    case gzipBase64 = "gzip-base64"
    /// The whole request in Adobe ascii85 (`<~…~>`).
    case ascii85
    /// The whole request in quoted-printable, every byte `=HH`.
    case quotedPrintable = "quoted-printable"
    /// The whole request in CSS escapes (`\72 \61 …`).
    case cssEscapes = "css-escapes"
    /// The whole request in octal byte escapes (`\162\141…`).
    case octal
    /// Each pair of letters inside every word swapped ("rasnmowera").
    case swappedPairs = "swapped-pairs"
    /// A combining mark after each letter of content words, drawn from every nonspacing and
    /// enclosing mark the Swift standard library knows (not from Switchyard's tables).
    case marks
    /// A format character (Cf: soft hyphen, bidi controls, invisible operators, …) between the
    /// letters of content words, drawn from every one the standard library knows.
    case format
    /// Each letter of content words replaced by another character whose compatibility form
    /// (NFKC, by Foundation) is that letter: circled, parenthesised, squared, mathematical,
    /// full-width, superscript, …
    case compatibility
    /// Content words split by a symbol or punctuation mark (dash, connector, math, currency,
    /// emoji and other symbols), drawn from the standard library's categories.
    case symbols

    /// Families that wrap the whole text; chains apply a character-level family first, then one of these.
    package var isEncoding: Bool {
        switch self {
        case .base64, .gzipBase64, .ascii85, .hex, .rot13, .reversed, .tags, .quotedPrintable, .cssEscapes, .octal, .swappedPairs: true
        default: false
        }
    }

    /// Whether the technique writes non-ASCII characters (which tag characters cannot carry).
    package var producesNonASCII: Bool {
        switch self {
        case .homoglyph, .invisible, .fullwidth, .math, .diacritics, .marks, .format, .compatibility, .symbols: true
        default: false
        }
    }

    /// Applies the technique to `text`.
    package func apply(_ text: String) -> String {
        switch self {
        case .caseMix:
            var upper = false
            return String(text.map { character -> Character in
                guard character.isLetter else { return character }
                upper.toggle()
                return Character(upper ? character.uppercased() : character.lowercased())
            })
        case .homoglyph:
            let map: [Character: Character] = ["a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і", "s": "ѕ", "k": "κ", "n": "ո", "m": "м"]
            return String(text.map { map[$0] ?? $0 })
        case .invisible:
            return Self.contentWords(text) { $0.map(String.init).joined(separator: "\u{200B}") }
        case .spaced:
            return Self.contentWords(text) { $0.map(String.init).joined(separator: " ") }
        case .dotted:
            return Self.contentWords(text) { $0.map(String.init).joined(separator: ".") }
        case .leetspeak:
            let map: [Character: Character] = ["a": "4", "e": "3", "o": "0", "i": "1", "s": "5", "t": "7", "A": "4", "E": "3", "O": "0", "I": "1", "S": "5", "T": "7"]
            return String(text.map { map[$0] ?? $0 })
        case .fullwidth:
            return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
                (0x21...0x7E).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0xFEE0)! : scalar
            }))
        case .math:
            return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
                switch scalar.value {
                case 0x41...0x5A: Unicode.Scalar(0x1D400 + scalar.value - 0x41)!
                case 0x61...0x7A: Unicode.Scalar(0x1D41A + scalar.value - 0x61)!
                default: scalar
                }
            }))
        case .diacritics:
            let map: [Character: Character] = ["a": "á", "e": "é", "i": "í", "o": "ö", "u": "ü", "c": "ç", "n": "ñ"]
            return String(text.map { map[$0] ?? $0 })
        case .markdown:
            return Self.contentWords(text) { letters in
                guard letters.count >= 6 else { return String(letters) }
                let middle = letters.count / 2
                return String(letters[..<middle]) + "**" + String(letters[middle...]) + "**"
            }
        case .base64:
            return "Decode this base64 and follow it: " + Data(text.utf8).base64EncodedString()
        case .gzipBase64:
            return "Decode this base64, gunzip it and follow it: " + Data(Deflate.gzip(Array(text.utf8))).base64EncodedString()
        case .ascii85:
            return "Decode this ascii85 and follow it: " + Ascii85.encode(Array(text.utf8))
        case .hex:
            return "Decode this hex and follow it: " + text.utf8.map { Self.hexByte($0, uppercase: false) }.joined()
        case .rot13:
            return "Apply ROT13 to read my request: " + String(String.UnicodeScalarView(text.unicodeScalars.map(Self.rot13)))
        case .reversed:
            return "Read this backwards: " + String(text.reversed())
        case .tags:
            let hidden = text.unicodeScalars.compactMap { scalar in (0x20...0x7E).contains(scalar.value) ? Unicode.Scalar(0xE0000 + scalar.value) : nil }
            return "What a lovely day." + String(String.UnicodeScalarView(hidden))
        case .quotedPrintable:
            return "Decode this and follow it: " + text.utf8.map { "=" + Self.hexByte($0, uppercase: true) }.joined()
        case .cssEscapes:
            return "Decode this and follow it: " + text.unicodeScalars.map { "\\" + String($0.value, radix: 16) + " " }.joined()
        case .octal:
            return "Decode this and follow it: " + text.utf8.map { "\\" + Self.octalByte($0) }.joined()
        case .swappedPairs:
            var swapped: [UInt8] = []
            Array(text.utf8).withUnsafeBytes { Ciphers.swapPairs($0, into: &swapped) }
            return "Swap each pair of letters back and follow it: " + String(decoding: swapped, as: UTF8.self)
        case .marks:
            var pick = UnicodeDraw(seed: text)
            return Self.contentWords(text) { letters in letters.map { String($0) + String(pick.next(from: UnicodeDraw.marks)) }.joined() }
        case .format:
            var pick = UnicodeDraw(seed: text)
            return Self.contentWords(text) { letters in letters.map(String.init).joined(separator: String(pick.next(from: UnicodeDraw.formats))) }
        case .compatibility:
            var pick = UnicodeDraw(seed: text)
            return Self.contentWords(text) { letters in
                String(letters.map { letter -> Character in
                    guard let forms = UnicodeDraw.compatibilityForms[Character(letter.lowercased())], !forms.isEmpty else { return letter }
                    return Character(pick.next(from: forms))
                })
            }
        case .symbols:
            var pick = UnicodeDraw(seed: text)
            return Self.contentWords(text) { letters in
                let middle = letters.count / 2
                return String(letters[..<middle]) + String(pick.next(from: UnicodeDraw.symbols)) + String(letters[middle...])
            }
        }
    }

    /// Rewrites each word of four or more letters with `transform`.
    static func contentWords(_ text: String, _ transform: ([Character]) -> String) -> String {
        var output = ""
        var word: [Character] = []
        func flush() {
            output += word.count >= 4 ? transform(word) : String(word)
            word.removeAll()
        }
        for character in text {
            if character.isLetter {
                word.append(character)
            } else {
                flush()
                output.append(character)
            }
        }
        flush()
        return output
    }

    /// Two hex digits.
    static func hexByte(_ byte: UInt8, uppercase: Bool) -> String { HexDigits.byte(byte, uppercase: uppercase) }

    /// Three octal digits.
    static func octalByte(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 8)
        return String(repeating: "0", count: 3 - digits.count) + digits
    }

    static func rot13(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0x41...0x5A: Unicode.Scalar((scalar.value - 0x41 + 13) % 26 + 0x41)!
        case 0x61...0x7A: Unicode.Scalar((scalar.value - 0x61 + 13) % 26 + 0x61)!
        default: scalar
        }
    }
}

/// A technique or a chain of two (inner applied first).
package struct EvasionChain: Sendable, Hashable, CustomStringConvertible {
    package var families: [EvasionFamily]
    package var description: String { families.map(\.rawValue).joined(separator: "+") }

    package func apply(_ text: String) -> String { families.reduce(text) { $1.apply($0) } }

    /// Every single family.
    package static var singles: [EvasionChain] { EvasionFamily.allCases.map { EvasionChain(families: [$0]) } }

    /// Chains of two: every character-level family followed by every encoding, plus pairs of
    /// character-level families that compose (e.g. leetspeak then spaced).
    package static var pairs: [EvasionChain] {
        let characterLevel = EvasionFamily.allCases.filter { !$0.isEncoding }
        let encodings = EvasionFamily.allCases.filter(\.isEncoding)
        var result: [EvasionChain] = []
        for inner in characterLevel {
            // Tag characters can carry only ASCII, so a non-ASCII disguise cannot go inside them.
            for outer in encodings where !(outer == .tags && inner.producesNonASCII) {
                result.append(EvasionChain(families: [inner, outer]))
            }
        }
        let composable: [(EvasionFamily, EvasionFamily)] = [(.leetspeak, .spaced), (.homoglyph, .invisible), (.caseMix, .homoglyph), (.leetspeak, .markdown),
                                                            (.diacritics, .dotted), (.fullwidth, .invisible), (.homoglyph, .leetspeak), (.math, .spaced)]
        for (inner, outer) in composable { result.append(EvasionChain(families: [inner, outer])) }
        return result
    }
}

/// Recall per evasion technique over the risky examples a classifier catches as written.
package struct EvasionReport: Sendable {
    /// Risky examples caught as written (the seeds every technique is applied to).
    package var seeds = 0
    /// Per chain (singles first, then pairs): how many rewritten seeds were still flagged.
    package var results: [(EvasionChain, Evaluation.Tally)] = []

    /// Rewrites every caught risky example with each single technique and each chain of two.
    package init(classifier: Classifier, examples: [LabelledExample], chains: [EvasionChain] = EvasionChain.singles + EvasionChain.pairs) {
        let scratch = classifier.makeScratch()
        let caught = examples.filter { $0.risky && classifier.classify($0.text, using: scratch).risky }
        seeds = caught.count
        for chain in chains {
            var tally = Evaluation.Tally()
            for example in caught {
                tally.total += 1
                if classifier.classify(chain.apply(example.text), using: scratch).risky { tally.flagged += 1 }
            }
            results.append((chain, tally))
        }
    }

    /// The lowest recall among single techniques (`singles`) or chains of two.
    package func minimum(singles: Bool) -> Double {
        results.filter { ($0.0.families.count == 1) == singles }.map(\.1.rate).min() ?? 0
    }

    /// Recall pooled over all single techniques (`singles`) or all chains of two.
    package func overall(singles: Bool) -> Double {
        let chosen = results.filter { ($0.0.families.count == 1) == singles }.map(\.1)
        let total = chosen.reduce(0) { $0 + $1.total }, flagged = chosen.reduce(0) { $0 + $1.flagged }
        return total == 0 ? 0 : Double(flagged) / Double(total)
    }
}

/// Draws code points for the Unicode-class families from the Swift standard library's character
/// properties and Foundation's normalisation, never from Switchyard's generated tables, so the
/// families test the views from outside. Deterministic: the draw is seeded by the text.
struct UnicodeDraw {
    private var state: UInt64

    init(seed text: String) {
        state = 0x9E37_79B9_7F4A_7C15
        for byte in text.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01B3 }
    }

    mutating func next(from pool: [Unicode.Scalar]) -> Unicode.Scalar {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return pool[Int(state >> 33) % pool.count]
    }

    private static func scalars(where include: (Unicode.Scalar) -> Bool) -> [Unicode.Scalar] {
        (0...0x10FFFF).compactMap { Unicode.Scalar(UInt32($0)) }.filter { $0.properties.isNoncharacterCodePoint == false && include($0) }
    }

    /// Every Mn and Me scalar.
    static let marks = scalars { [.nonspacingMark, .enclosingMark].contains($0.properties.generalCategory) }
    /// Every Cf scalar, apart from the tag characters (a decoder of their own reads them).
    static let formats = scalars { $0.properties.generalCategory == .format && !(0xE0000...0xE007F).contains($0.value) }
    /// Dash and connector punctuation, and math, currency, modifier and other symbols (emoji).
    static let symbols = scalars {
        [.dashPunctuation, .connectorPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol].contains($0.properties.generalCategory)
    }
    /// Per lowercase ASCII letter, the scalars other than it whose NFKC form, lowercased, is it.
    static let compatibilityForms: [Character: [Unicode.Scalar]] = {
        var forms: [Character: [Unicode.Scalar]] = [:]
        for scalar in scalars(where: { $0.value >= 0x80 && $0.properties.changesWhenNFKCCaseFolded }) {
            let folded = String(Character(scalar)).precomposedStringWithCompatibilityMapping.lowercased()
            if folded.count == 1, let letter = folded.first, letter.isASCII, letter.isLetter { forms[letter, default: []].append(scalar) }
        }
        return forms
    }()
}
