// Byte classes of a 64-byte block as bit masks, with SIMD where the CPU has it.
#ifndef SWITCHYARD_BYTE_MASKS_H
#define SWITCHYARD_BYTE_MASKS_H

#include <stddef.h>
#include <stdint.h>

/// Up to eight byte classes (`classes` of them) compiled for a nibble lookup (the "shufti" technique): each class is
/// a union of rectangles, a set of high nibbles times a set of low nibbles. Rectangle bits live
/// in up to four table pairs: byte b has rectangle bit r of pair p when
/// `lo[p][b & 15] & hi[p][b >> 4]` has bit r, and class c holds for b when one of its rectangle
/// bits (`select[c][p]`) does. `table` gives the same answer per byte for the scalar path.
/// Built by `ByteClassMasks` in SwitchyardMatching, which checks every byte against `table`.
typedef struct {
    uint8_t lo[4][16];
    uint8_t hi[4][16];
    uint8_t select[8][4];
    uint8_t table[256];
    uint8_t pairs;
    uint8_t classes;
} sy_byte_classifier;

/// For `len` (at most 64) bytes at `text`: `out[c]` bit i is set when `text[i]` is in class c.
/// Bits at and above `len` are zero. Reads only `text[0 ..< len]`.
void sy_byte_masks(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]);

/// Which path `sy_byte_masks` takes on this CPU: 2 AVX2, 1 SSSE3, 0 scalar.
int sy_byte_masks_path(void);

/// The scalar path, for tests that compare it with the SIMD one.
void sy_byte_masks_scalar(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]);

#endif
