import SwitchyardMatching

/// Which passes an automaton pattern is read by.
struct TermForms: OptionSet, Sendable {
    var rawValue: UInt8
    /// Raw, sanitised and decoded passes: the term as written, sanitised, ROT13 and reversed.
    static let plain = TermForms(rawValue: 1)
    /// Skeleton passes: the term's skeleton.
    static let skeleton = TermForms(rawValue: 2)
    /// Squeezed passes: the term's letters and digits only.
    static let squeezed = TermForms(rawValue: 4)
    /// Marks a ROT13 form (read by plain passes): a hit is evidence the text is ROT13.
    static let rot13 = TermForms(rawValue: 8)
    /// Marks a reversed form (read by plain passes): a hit is evidence the text is reversed.
    static let reversed = TermForms(rawValue: 16)
    /// What a raw, sanitised or decoded pass reads.
    static let plainPass: TermForms = [.plain, .rot13, .reversed]
}

/// The byte strings a term is looked for as. ROT13 and reversed text need no extra pass over the
/// request: the automaton simply also holds each term's ROT13 and reversed forms.
enum TermVariants {
    struct Variant: Equatable {
        var bytes: [UInt8]
        var wordStart: Bool
        var wordEnd: Bool
        var form: TermForms = .plain
    }

    /// Keywords whose squeezed form is shorter than this get none: short letter runs occur inside
    /// ordinary squeezed text by chance. `near` terms need a second list close by, so shorter
    /// ones are kept (`nearMinimumSqueezedBytes`).
    static let minimumSqueezedBytes = 6
    static let nearMinimumSqueezedBytes = 3

    /// Every form of `term`: the plain ones, its skeleton and (when long enough) its squeezed form.
    static func all(of term: Term, minimumTransformedBytes: Int, minimumSqueezedBytes: Int = Self.minimumSqueezedBytes) -> [Variant] {
        var result = plain(of: term, minimumTransformedBytes: minimumTransformedBytes)
        let sanitised = RuleTables.sanitisedForm(of: Array(term.text.utf8))
        let skeleton = TextViews.skeleton(of: sanitised)
        result.append(Variant(bytes: skeleton, wordStart: term.wordStart, wordEnd: term.wordEnd, form: .skeleton))
        let squeezed = TextViews.squeeze(of: sanitised)
        if squeezed.count >= minimumSqueezedBytes {
            result.append(Variant(bytes: squeezed, wordStart: false, wordEnd: false, form: .squeezed))
        }
        return result
    }

    /// The term as written, its sanitised form when different, and (for terms of at least
    /// `minimumTransformedBytes`) its ROT13 and reversed forms.
    static func plain(of term: Term, minimumTransformedBytes: Int) -> [Variant] {
        let written = Array(term.text.utf8)
        var result = [Variant(bytes: written, wordStart: term.wordStart, wordEnd: term.wordEnd)]
        let sanitised = RuleTables.sanitisedForm(of: written)
        if sanitised != RuleTables.foldASCII(written) {
            result.append(Variant(bytes: sanitised, wordStart: term.wordStart, wordEnd: term.wordEnd))
        }
        if written.count >= minimumTransformedBytes {
            result.append(Variant(bytes: rot13(sanitised), wordStart: term.wordStart, wordEnd: term.wordEnd, form: [.plain, .rot13]))
            result.append(Variant(bytes: reversed(sanitised), wordStart: term.wordEnd, wordEnd: term.wordStart, form: [.plain, .reversed]))
        }
        return result
    }

    /// ASCII letters rotated by 13; other bytes unchanged.
    static func rot13(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { byte in
            switch byte {
            case 0x41...0x5A: (byte - 0x41 + 13) % 26 + 0x41
            case 0x61...0x7A: (byte - 0x61 + 13) % 26 + 0x61
            default: byte
            }
        }
    }

    /// The UTF-8 of the term's scalars in reverse order.
    static func reversed(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).unicodeScalars.reversed().map(String.init).joined().utf8)
    }
}
