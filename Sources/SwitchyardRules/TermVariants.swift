import SwitchyardMatching

/// Which passes an automaton pattern is read by.
struct TermForms: OptionSet, Sendable {
    var rawValue: UInt8
    /// Raw, sanitised and decoded passes: the term as written, sanitised, ROT13 and reversed.
    static let plain = TermForms(rawValue: 1)
    /// Skeleton and squeezed passes: the term's skeleton.
    static let skeleton = TermForms(rawValue: 2)
    /// Squeezed passes: the skeleton without word-boundary conditions (split letters leave no
    /// reliable boundaries); a rule fires there only where letters were actually joined.
    static let joined = TermForms(rawValue: 4)
    /// Marks a ROT13 form (read by plain passes): a hit is evidence the text is ROT13.
    static let rot13 = TermForms(rawValue: 8)
    /// Marks a reversed form (read by plain passes): a hit is evidence the text is reversed.
    static let reversed = TermForms(rawValue: 16)
    /// The kinds of text a pattern is for (plain, skeleton, joined) ...
    static let kinds: TermForms = [.plain, .skeleton, .joined]
    /// ... and the transforms it was made with (ROT13, reversed). A pass over the request text
    /// reads transformed forms; a pass over already-transformed (decoded) text does not, or it
    /// would undo its own decoding.
    static let transforms: TermForms = [.rot13, .reversed]
    /// What a raw or sanitised pass over the request text reads.
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

    /// Terms shorter than this get no boundary-free (joined) form.
    static let minimumJoinedBytes = 3

    /// Every form of `term`: the plain ones and its skeleton (which the skeleton and squeezed
    /// passes read).
    /// Exceptions get no boundary-free form: on the squeezed pass they count only as whole words
    /// (inside joined text a short defensive word would otherwise turn up everywhere).
    /// A `lean` term (evidence) gets only its plain and skeleton forms.
    static func all(of term: Term, minimumTransformedBytes: Int, isException: Bool = false, lean: Bool = false) -> [Variant] {
        var result = plain(of: term, minimumTransformedBytes: minimumTransformedBytes)
        let sanitised = RuleTables.sanitisedForm(of: Array(term.text.utf8))
        let skeleton = TextViews.skeleton(of: sanitised)
        result.append(Variant(bytes: skeleton, wordStart: term.wordStart, wordEnd: term.wordEnd, form: isException ? [.skeleton, .joined] : .skeleton))
        if isException || lean { return result }
        // ROT13 and reversed text that is also disguised (look-alikes, split letters) shows up
        // only on the skeleton and squeezed passes: their forms carry the same evidence markers.
        if skeleton.count >= minimumJoinedBytes {
            // Joined text loses the spaces inside spaced-out phrases too: keep the phrase both
            // with and without them.
            result.append(Variant(bytes: skeleton, wordStart: false, wordEnd: false, form: .joined))
            let squeezed = TextViews.squeeze(of: skeleton)
            if squeezed != skeleton && squeezed.count >= minimumJoinedBytes {
                result.append(Variant(bytes: squeezed, wordStart: false, wordEnd: false, form: .joined))
            }
        }
        if sanitised.count >= minimumTransformedBytes {
            let rotated = rot13(skeleton)
            if rotated != skeleton {
                result.append(Variant(bytes: rotated, wordStart: term.wordStart, wordEnd: term.wordEnd, form: [.skeleton, .rot13]))
                result.append(Variant(bytes: rotated, wordStart: false, wordEnd: false, form: [.joined, .rot13]))
            }
            result.append(Variant(bytes: reversed(skeleton), wordStart: term.wordEnd, wordEnd: term.wordStart, form: [.skeleton, .reversed]))
            result.append(Variant(bytes: reversed(skeleton), wordStart: false, wordEnd: false, form: [.joined, .reversed]))
        }
        return result
    }

    /// The term as written, its sanitised form when different, and (for terms of at least
    /// `minimumTransformedBytes`) its ROT13 form, when it differs from the term, and its reversed form.
    static func plain(of term: Term, minimumTransformedBytes: Int) -> [Variant] {
        let written = Array(term.text.utf8)
        var result = [Variant(bytes: written, wordStart: term.wordStart, wordEnd: term.wordEnd)]
        let sanitised = RuleTables.sanitisedForm(of: written)
        if sanitised != RuleTables.foldASCII(written) {
            result.append(Variant(bytes: sanitised, wordStart: term.wordStart, wordEnd: term.wordEnd))
        }
        if written.count >= minimumTransformedBytes {
            // A term without ASCII letters (most CJK terms) reads the same in ROT13: a hit on it
            // would be taken as evidence that the text is ROT13.
            let rotated = rot13(sanitised)
            if rotated != sanitised {
                result.append(Variant(bytes: rotated, wordStart: term.wordStart, wordEnd: term.wordEnd, form: [.plain, .rot13]))
            }
            result.append(Variant(bytes: reversed(sanitised), wordStart: term.wordEnd, wordEnd: term.wordStart, form: [.plain, .reversed]))
        }
        return result
    }

    /// ASCII letters rotated by 13; other bytes unchanged (the decoded view's own transform).
    static func rot13(_ bytes: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        bytes.withUnsafeBytes { TextTransforms.rot13($0, into: &output) }
        return output
    }

    /// The UTF-8 of the term's scalars in reverse order.
    static func reversed(_ bytes: [UInt8]) -> [UInt8] {
        Array(String(decoding: bytes, as: UTF8.self).unicodeScalars.reversed().map(String.init).joined().utf8)
    }
}
