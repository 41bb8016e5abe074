/// Named HTML entities decoded by `Decoders`: ASCII punctuation names, a few spaces and dashes,
/// and the Latin-1 letters.
enum HTMLEntities {
    static let table: [(name: [UInt8], value: UInt32)] = {
        let entries: [(String, UInt32)] = [
            ("amp", 0x26), ("lt", 0x3C), ("gt", 0x3E), ("quot", 0x22), ("apos", 0x27), ("nbsp", 0xA0),
            ("Tab", 0x09), ("NewLine", 0x0A), ("excl", 0x21), ("num", 0x23), ("dollar", 0x24), ("percnt", 0x25),
            ("lpar", 0x28), ("rpar", 0x29), ("ast", 0x2A), ("plus", 0x2B), ("comma", 0x2C), ("period", 0x2E),
            ("sol", 0x2F), ("colon", 0x3A), ("semi", 0x3B), ("equals", 0x3D), ("quest", 0x3F), ("commat", 0x40),
            ("lsqb", 0x5B), ("bsol", 0x5C), ("rsqb", 0x5D), ("Hat", 0x5E), ("lowbar", 0x5F), ("grave", 0x60),
            ("lcub", 0x7B), ("verbar", 0x7C), ("rcub", 0x7D), ("shy", 0xAD), ("hyphen", 0x2010),
            ("ndash", 0x2013), ("mdash", 0x2014), ("lsquo", 0x2018), ("rsquo", 0x2019), ("ldquo", 0x201C),
            ("rdquo", 0x201D), ("hellip", 0x2026), ("zwnj", 0x200C), ("zwj", 0x200D),
            ("Agrave", 0xC0), ("Aacute", 0xC1), ("Acirc", 0xC2), ("Atilde", 0xC3), ("Auml", 0xC4), ("Aring", 0xC5),
            ("AElig", 0xC6), ("Ccedil", 0xC7), ("Egrave", 0xC8), ("Eacute", 0xC9), ("Ecirc", 0xCA), ("Euml", 0xCB),
            ("Igrave", 0xCC), ("Iacute", 0xCD), ("Icirc", 0xCE), ("Iuml", 0xCF), ("ETH", 0xD0), ("Ntilde", 0xD1),
            ("Ograve", 0xD2), ("Oacute", 0xD3), ("Ocirc", 0xD4), ("Otilde", 0xD5), ("Ouml", 0xD6), ("times", 0xD7),
            ("Oslash", 0xD8), ("Ugrave", 0xD9), ("Uacute", 0xDA), ("Ucirc", 0xDB), ("Uuml", 0xDC), ("Yacute", 0xDD),
            ("THORN", 0xDE), ("szlig", 0xDF), ("agrave", 0xE0), ("aacute", 0xE1), ("acirc", 0xE2), ("atilde", 0xE3),
            ("auml", 0xE4), ("aring", 0xE5), ("aelig", 0xE6), ("ccedil", 0xE7), ("egrave", 0xE8), ("eacute", 0xE9),
            ("ecirc", 0xEA), ("euml", 0xEB), ("igrave", 0xEC), ("iacute", 0xED), ("icirc", 0xEE), ("iuml", 0xEF),
            ("eth", 0xF0), ("ntilde", 0xF1), ("ograve", 0xF2), ("oacute", 0xF3), ("ocirc", 0xF4), ("otilde", 0xF5),
            ("ouml", 0xF6), ("divide", 0xF7), ("oslash", 0xF8), ("ugrave", 0xF9), ("uacute", 0xFA), ("ucirc", 0xFB),
            ("uuml", 0xFC), ("yacute", 0xFD), ("thorn", 0xFE), ("yuml", 0xFF),
        ]
        return entries.map { (Array($0.0.utf8), $0.1) }
    }()

    /// The value of the entity named by `name[0..<length]` (case-sensitive), or nil.
    static func lookup(_ name: UnsafePointer<UInt8>, _ length: Int) -> UInt32? {
        // SAFETY: reads below `length`, which the caller took from its own bounded scan.
        for entry in table where entry.name.count == length {
            var equal = true
            for k in 0..<length where entry.name[k] != name[k] {
                equal = false
                break
            }
            if equal { return entry.value }
        }
        return nil
    }
}
