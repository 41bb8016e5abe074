#!/usr/bin/env python3
"""Independent evasion generator (standard library only).

Reads JSONL {id, text}; writes JSONL {id, family, text}, one line per input
per family (family "plain" is the untouched text, so callers have a baseline).

Key words: every whitespace-separated token containing at least 3 letters
(Unicode category L*).  Word-level families touch only the letters of those
tokens; short function words ("a", "to", "my") are left alone.  Whole-text
families (encodings, ciphers, fullwidth) transform the entire text.

All randomness comes from random.Random(f"{seed}|{family}|{id}"), so output is
byte-for-byte reproducible.  Character pools are built from unicodedata
(general category, names, NFKC) of the running Python, not from hand lists.
See README.md for how each family is derived.

usage: evade.py [--seed N] [--families a,b,...] [--list] < in.jsonl > out.jsonl
       evade.py [...] IN.jsonl > out.jsonl
"""
import argparse
import base64
import binascii
import json
import quopri
import random
import string
import sys
import unicodedata
import urllib.parse

WRAP = "Decode this and do what it says: "
WRAP_REVERSED = "Read this backwards and answer: "
MIN_LETTERS = 3

# --------------------------------------------------------------------------
# Character pools derived from the Unicode Character Database (unicodedata).
# --------------------------------------------------------------------------
_ALL = [chr(cp) for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF]


def _cat(*cats):
    return [c for c in _ALL if unicodedata.category(c) in cats]


POOL_MN = _cat("Mn")                      # nonspacing marks, whole category
POOL_ME = _cat("Me")                      # enclosing marks
POOL_CF = _cat("Cf")                      # format characters
POOL_CC = [c for c in _cat("Cc") if c not in "\t\n\r"]
POOL_LINESEP = ["\u2028", "\u2029", "\u0085"]  # LINE SEP, PARAGRAPH SEP, NEL
POOL_PUNCT = _cat("Po", "Pd", "Sm", "So")

# Emoji: category So inside the emoji-bearing blocks (ranges from Blocks.txt).
EMOJI_BLOCKS = [
    (0x2600, 0x26FF),    # Miscellaneous Symbols
    (0x2700, 0x27BF),    # Dingbats
    (0x1F300, 0x1F5FF),  # Miscellaneous Symbols and Pictographs
    (0x1F600, 0x1F64F),  # Emoticons
    (0x1F680, 0x1F6FF),  # Transport and Map Symbols
    (0x1F900, 0x1F9FF),  # Supplemental Symbols and Pictographs
    (0x1FA70, 0x1FAFF),  # Symbols and Pictographs Extended-A
]
POOL_EMOJI = [chr(cp) for lo, hi in EMOJI_BLOCKS for cp in range(lo, hi + 1)
              if unicodedata.category(chr(cp)) == "So"]

HTML_PIECES = ["<b></b>", "<!-- x -->", "<span></span>"]


def _name(c):
    return unicodedata.name(c, "")


# Fullwidth: inverse of NFKC over characters named FULLWIDTH LATIN ...
FULLWIDTH = {}
for _c in _ALL:
    if _name(_c).startswith("FULLWIDTH LATIN "):
        _k = unicodedata.normalize("NFKC", _c)
        if len(_k) == 1 and _k in string.ascii_letters:
            FULLWIDTH[_k] = _c

# Mathematical Alphanumeric Symbols: by name lookup.  Holes in the block
# (e.g. SCRIPT CAPITAL B lives in Letterlike Symbols) are filled by looking up
# the same name without "MATHEMATICAL " (FRAKTUR is named BLACK-LETTER there);
# a letter with no form at all in that style stays as it is.
MATH_STYLES = ["BOLD", "ITALIC", "BOLD ITALIC", "SCRIPT", "BOLD SCRIPT",
               "FRAKTUR", "BOLD FRAKTUR", "DOUBLE-STRUCK", "SANS-SERIF",
               "SANS-SERIF BOLD", "SANS-SERIF ITALIC",
               "SANS-SERIF BOLD ITALIC", "MONOSPACE"]


def _lookup(*names):
    for n in names:
        try:
            return unicodedata.lookup(n)
        except KeyError:
            pass
    return None


def _case(ch):
    return "CAPITAL" if ch.isupper() else "SMALL"


MATH = {}
for _s in MATH_STYLES:
    for _ch in string.ascii_letters:
        _tail = f"{_case(_ch)} {_ch.upper()}"
        _alt = _s.replace("FRAKTUR", "BLACK-LETTER")
        _g = _lookup(f"MATHEMATICAL {_s} {_tail}", f"{_s} {_tail}", f"{_alt} {_tail}")
        if _g and unicodedata.normalize("NFKC", _g) == _ch:
            MATH[(_s, _ch)] = _g

# Enclosed letters by name: CIRCLED / PARENTHESIZED / SQUARED / NEGATIVE ...
ENCLOSED_STYLES = ["CIRCLED", "PARENTHESIZED", "SQUARED",
                   "NEGATIVE CIRCLED", "NEGATIVE SQUARED"]
ENCLOSED = {}
for _s in ENCLOSED_STYLES:
    for _ch in string.ascii_letters:
        _g = _lookup(f"{_s} LATIN {_case(_ch)} LETTER {_ch.upper()}",
                     f"{_s} LATIN CAPITAL LETTER {_ch.upper()}")
        if _g:
            ENCLOSED[(_s, _ch)] = _g

# Homoglyphs.  The UCD has no glyph-shape data, and Cyrillic/Greek letter
# names spell the letter's sound, not its shape (CYRILLIC SMALL LETTER ER is
# the one drawn like "p"; CYRILLIC CAPITAL LETTER I is "\u0418", not "I"), so
# matching names by equality would pick wrong letters.  The look-alike pairs
# are therefore given by Unicode NAME below (the Latin letters are the ones the
# brief lists, plus the classic capitals), and every code point is obtained by
# unicodedata.lookup and checked programmatically: its name must start with
# CYRILLIC/GREEK, it must be a letter of the same case as the Latin letter,
# and neither NFKD, casefold nor NFKC(casefold) may yield an ASCII letter
# (so Unicode normalisation alone cannot undo the substitution).  Names that
# fail the lookup or the checks are dropped.
_BY_NAME = {
    "a": ["CYRILLIC SMALL LETTER A"],
    "c": ["CYRILLIC SMALL LETTER ES"],
    "d": ["CYRILLIC SMALL LETTER KOMI DE"],
    "e": ["CYRILLIC SMALL LETTER IE"],
    "h": ["CYRILLIC SMALL LETTER SHHA"],
    "i": ["CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "GREEK SMALL LETTER IOTA"],
    "j": ["CYRILLIC SMALL LETTER JE"],
    "o": ["CYRILLIC SMALL LETTER O", "GREEK SMALL LETTER OMICRON"],
    "p": ["CYRILLIC SMALL LETTER ER"],
    "q": ["CYRILLIC SMALL LETTER QA"],
    "s": ["CYRILLIC SMALL LETTER DZE"],
    "v": ["GREEK SMALL LETTER NU"],
    "w": ["CYRILLIC SMALL LETTER WE"],
    "x": ["CYRILLIC SMALL LETTER HA"],
    "y": ["CYRILLIC SMALL LETTER U"],
    "A": ["CYRILLIC CAPITAL LETTER A", "GREEK CAPITAL LETTER ALPHA"],
    "B": ["CYRILLIC CAPITAL LETTER VE", "GREEK CAPITAL LETTER BETA"],
    "C": ["CYRILLIC CAPITAL LETTER ES"],
    "E": ["CYRILLIC CAPITAL LETTER IE", "GREEK CAPITAL LETTER EPSILON"],
    "H": ["CYRILLIC CAPITAL LETTER EN", "GREEK CAPITAL LETTER ETA"],
    "I": ["CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I", "GREEK CAPITAL LETTER IOTA"],
    "J": ["CYRILLIC CAPITAL LETTER JE"],
    "K": ["CYRILLIC CAPITAL LETTER KA", "GREEK CAPITAL LETTER KAPPA"],
    "M": ["CYRILLIC CAPITAL LETTER EM", "GREEK CAPITAL LETTER MU"],
    "N": ["GREEK CAPITAL LETTER NU"],
    "O": ["CYRILLIC CAPITAL LETTER O", "GREEK CAPITAL LETTER OMICRON"],
    "P": ["CYRILLIC CAPITAL LETTER ER", "GREEK CAPITAL LETTER RHO"],
    "S": ["CYRILLIC CAPITAL LETTER DZE"],
    "T": ["CYRILLIC CAPITAL LETTER TE", "GREEK CAPITAL LETTER TAU"],
    "X": ["CYRILLIC CAPITAL LETTER HA", "GREEK CAPITAL LETTER CHI"],
    "Y": ["CYRILLIC CAPITAL LETTER STRAIGHT U", "GREEK CAPITAL LETTER UPSILON"],
    "Z": ["GREEK CAPITAL LETTER ZETA"],
}


def _homoglyph_ok(latin, g):
    n = _name(g)
    if not (n.startswith("CYRILLIC ") or n.startswith("GREEK ")):
        return False
    if not g.isalpha() or g.isupper() != latin.isupper():
        return False
    for folded in (unicodedata.normalize("NFKD", g), g.casefold(),
                   unicodedata.normalize("NFKC", g.casefold())):
        if any(ch in string.ascii_letters for ch in folded):
            return False
    return True


HOMOGLYPH = {}
for _ch in string.ascii_letters:
    _cands = []
    for _n in _BY_NAME.get(_ch, []):
        _g = _lookup(_n)
        if _g and _homoglyph_ok(_ch, _g) and _g not in _cands:
            _cands.append(_g)
    if _cands:
        HOMOGLYPH[_ch] = _cands

LEET = {"a": ["4", "@"], "e": ["3"], "i": ["1", "!"], "o": ["0"],
        "s": ["5", "$"], "t": ["7"]}

# ITU-R M.1677-1 International Morse code.
MORSE = {
    "A": ".-", "B": "-...", "C": "-.-.", "D": "-..", "E": ".", "F": "..-.",
    "G": "--.", "H": "....", "I": "..", "J": ".---", "K": "-.-", "L": ".-..",
    "M": "--", "N": "-.", "O": "---", "P": ".--.", "Q": "--.-", "R": ".-.",
    "S": "...", "T": "-", "U": "..-", "V": "...-", "W": ".--", "X": "-..-",
    "Y": "-.--", "Z": "--..", "0": "-----", "1": ".----", "2": "..---",
    "3": "...--", "4": "....-", "5": ".....", "6": "-....", "7": "--...",
    "8": "---..", "9": "----.", ".": ".-.-.-", ",": "--..--", "?": "..--..",
    "'": ".----.", "!": "-.-.--", "/": "-..-.", "(": "-.--.", ")": "-.--.-",
    "&": ".-...", ":": "---...", ";": "-.-.-.", "=": "-...-", "+": ".-.-.",
    "-": "-....-", "_": "..--.-", '"': ".-..-.", "$": "...-..-", "@": ".--.-.",
}

# --------------------------------------------------------------------------
# Word-level machinery
# --------------------------------------------------------------------------


def _is_letter(c):
    return unicodedata.category(c).startswith("L")


def _map_key_words(text, fn):
    """Apply fn to space-separated tokens with >= MIN_LETTERS letters."""
    out = []
    for tok in text.split(" "):
        if sum(_is_letter(c) for c in tok) >= MIN_LETTERS:
            tok = fn(tok)
        out.append(tok)
    return " ".join(out)


def after_each_letter(pool):
    def f(text, rng):
        def w(tok):
            return "".join(c + (rng.choice(pool) if _is_letter(c) else "") for c in tok)
        return _map_key_words(text, w)
    return f


def between_letters(make_piece):
    """Insert make_piece(rng) between every two adjacent letters of key words."""
    def f(text, rng):
        def w(tok):
            out = []
            for i, c in enumerate(tok):
                out.append(c)
                if _is_letter(c) and i + 1 < len(tok) and _is_letter(tok[i + 1]):
                    out.append(make_piece(rng))
            return "".join(out)
        return _map_key_words(text, w)
    return f


def map_letters_per_word(styles, table):
    def f(text, rng):
        def w(tok):
            s = rng.choice(styles)
            return "".join(table.get((s, c), c) for c in tok)
        return _map_key_words(text, w)
    return f


def homoglyph(text, rng):
    return _map_key_words(text, lambda tok: "".join(
        rng.choice(HOMOGLYPH[c]) if c in HOMOGLYPH else c for c in tok))


def leet(text, rng):
    return _map_key_words(text, lambda tok: "".join(
        rng.choice(LEET[c.lower()]) if c.lower() in LEET else c for c in tok))


def spaced(text, rng):
    """A space or a dot (chosen per word) between every two adjacent letters."""
    def w(tok):
        sep = rng.choice([" ", "."])
        return "".join(c + (sep if _is_letter(c) and i + 1 < len(tok) and _is_letter(tok[i + 1]) else "")
                       for i, c in enumerate(tok))
    return _map_key_words(text, w)


def fullwidth(text, rng):
    return "".join(FULLWIDTH.get(c, c) for c in text)


# --------------------------------------------------------------------------
# Whole-text encodings and ciphers (raw form: no wrapper)
# --------------------------------------------------------------------------


def _shift(text, k):
    out = []
    for c in text:
        if "a" <= c <= "z":
            out.append(chr((ord(c) - 97 + k) % 26 + 97))
        elif "A" <= c <= "Z":
            out.append(chr((ord(c) - 65 + k) % 26 + 65))
        else:
            out.append(c)
    return "".join(out)


def atbash(text, rng):
    return "".join(chr(219 - ord(c)) if "a" <= c <= "z" else
                   chr(155 - ord(c)) if "A" <= c <= "Z" else c for c in text)


def url_double(text, rng):
    once = "".join(f"%{b:02X}" for b in text.encode("utf-8"))  # every octet
    return urllib.parse.quote(once, safe="")                  # '%' -> '%25'


def morse(text, rng):
    words = []
    for word in text.upper().split():
        codes = [MORSE[c] for c in word if c in MORSE]
        if codes:
            words.append(" ".join(codes))
    return " / ".join(words)


def _b(text):
    return text.encode("utf-8")


# name -> (raw transform, wrapper or None)
FAMILIES = {
    "combining-marks": (after_each_letter(POOL_MN), None),
    "enclosing-marks": (after_each_letter(POOL_ME), None),
    "format-chars": (between_letters(lambda r: r.choice(POOL_CF)), None),
    "controls": (between_letters(lambda r: r.choice(POOL_CC)), None),
    "line-separators": (between_letters(lambda r: r.choice(POOL_LINESEP)), None),
    "punct-split": (between_letters(
        lambda r: "".join(r.choice(POOL_PUNCT) for _ in range(r.randint(1, 2)))), None),
    "emoji-split": (between_letters(lambda r: r.choice(POOL_EMOJI)), None),
    "html-split": (between_letters(lambda r: r.choice(HTML_PIECES)), None),
    "fullwidth": (fullwidth, None),
    "math-alnum": (map_letters_per_word(MATH_STYLES, MATH), None),
    "enclosed": (map_letters_per_word(ENCLOSED_STYLES, ENCLOSED), None),
    "homoglyph-cyrillic-greek": (homoglyph, None),
    "leet": (leet, None),
    "spaced": (spaced, None),
    "base64": (lambda t, r: base64.b64encode(_b(t)).decode(), WRAP),
    "base32": (lambda t, r: base64.b32encode(_b(t)).decode(), WRAP),
    "hex": (lambda t, r: binascii.hexlify(_b(t)).decode(), WRAP),
    "url-double": (url_double, WRAP),
    "quoted-printable": (lambda t, r: quopri.encodestring(_b(t), quotetabs=True).decode(), WRAP),
    "ascii85": (lambda t, r: base64.a85encode(_b(t)).decode(), WRAP),
    "ascii85-delimited": (lambda t, r: base64.a85encode(_b(t), adobe=True).decode(), WRAP),
    "rot13": (lambda t, r: _shift(t, 13), WRAP),
    "caesar-3": (lambda t, r: _shift(t, 3), WRAP),
    "atbash": (atbash, WRAP),
    "reversed": (lambda t, r: t[::-1], WRAP_REVERSED),
    "morse": (morse, WRAP),
    "binary": (lambda t, r: " ".join(f"{b:08b}" for b in _b(t)), WRAP),
    "decimal-codes": (lambda t, r: " ".join(str(ord(c)) for c in t), WRAP),
}

CHAINS = [("combining-marks", "leet"), ("fullwidth", "spaced"),
          ("punct-split", "homoglyph-cyrillic-greek"), ("leet", "base64"),
          ("rot13", "base64"), ("math-alnum", "html-split"),
          ("format-chars", "reversed"), ("emoji-split", "caesar-3")]


def _chain(a, b):
    fa, wa = FAMILIES[a]
    fb, wb = FAMILIES[b]
    # apply a then b to the raw text; the outermost wrapper present is used
    return (lambda t, r: fb(fa(t, r), r)), (wb or wa)


for _a, _b2 in CHAINS:
    FAMILIES[f"chain:{_a}+{_b2}"] = _chain(_a, _b2)


def transform(family, rid, text, seed=0):
    fn, wrap = FAMILIES[family]
    rng = random.Random(f"{seed}|{family}|{rid}")
    out = fn(text, rng)
    return (wrap or "") + out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("input", nargs="?", help="JSONL of {id,text} (default stdin)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--families", help="comma-separated subset (default: all)")
    ap.add_argument("--list", action="store_true", help="list families and pool sizes")
    a = ap.parse_args()
    fams = a.families.split(",") if a.families else list(FAMILIES)
    if a.list:
        print("pools: Mn=%d Me=%d Cf=%d Cc=%d Po/Pd/Sm/So=%d emoji=%d math=%d "
              "enclosed=%d homoglyph-letters=%d (unicodedata %s)" % (
                  len(POOL_MN), len(POOL_ME), len(POOL_CF), len(POOL_CC),
                  len(POOL_PUNCT), len(POOL_EMOJI), len(MATH), len(ENCLOSED),
                  len(HOMOGLYPH), unicodedata.unidata_version))
        print("\n".join(fams))
        return
    src = open(a.input, encoding="utf-8") if a.input else sys.stdin
    out = sys.stdout
    for line in src:
        if not line.strip():
            continue
        rec = json.loads(line)
        out.write(json.dumps({"id": rec["id"], "family": "plain", "text": rec["text"]},
                             ensure_ascii=True) + "\n")
        for fam in fams:
            out.write(json.dumps({"id": rec["id"], "family": fam,
                                  "text": transform(fam, rec["id"], rec["text"], a.seed)},
                                 ensure_ascii=True) + "\n")


if __name__ == "__main__":
    main()
