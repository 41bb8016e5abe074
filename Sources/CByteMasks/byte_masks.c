// Byte classes of a 64-byte block as bit masks (see include/byte_masks.h).
//
// The SIMD paths look each byte's two nibbles up in 16-entry tables with one shuffle each and AND
// the results: that gives every rectangle bit of a table pair for 16 or 32 bytes at once. A
// class's bits are then masked, compared with zero and gathered with one movemask per vector.
// The CPU is asked once, at load time, which path it can take.

#include "byte_masks.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define SY_HAVE_X86 1
#endif

// The bits below `len` of a 64-bit mask.
static inline uint64_t length_mask(size_t len) {
    return len >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << len) - 1);
}

void sy_byte_masks_scalar(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]) {
    uint64_t masks[8] = {0};
    if (len > 64) len = 64;
    for (size_t i = 0; i < len; i++) {
        unsigned bits = classifier->table[text[i]];
        while (bits) {
            int c = __builtin_ctz(bits);
            masks[c] |= (uint64_t)1 << i;
            bits &= bits - 1;
        }
    }
    memcpy(out, masks, sizeof masks);
}

#ifdef SY_HAVE_X86

// 64 readable bytes for the SIMD loads: the text itself, or a short block copied into the zeroed
// `padded`, so that no load reads past `len`.
static inline const uint8_t *whole_block(const uint8_t *text, size_t len, uint8_t padded[64]) {
    if (len >= 64) return text;
    memset(padded, 0, 64);
    memcpy(padded, text, len);
    return padded;
}

__attribute__((target("avx2")))
static void masks_avx2(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]) {
    uint8_t padded[64];
    const uint8_t *bytes = whole_block(text, len, padded);
    const __m256i nibble = _mm256_set1_epi8(0x0F);
    const __m256i zero = _mm256_setzero_si256();
    __m256i v0 = _mm256_loadu_si256((const __m256i *)bytes);
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(bytes + 32));
    __m256i low0 = _mm256_and_si256(v0, nibble), high0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), nibble);
    __m256i low1 = _mm256_and_si256(v1, nibble), high1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), nibble);
    __m256i rect0[4], rect1[4];
    int pairs = classifier->pairs;
    for (int p = 0; p < pairs; p++) {
        __m256i lo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)classifier->lo[p]));
        __m256i hi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)classifier->hi[p]));
        rect0[p] = _mm256_and_si256(_mm256_shuffle_epi8(lo, low0), _mm256_shuffle_epi8(hi, high0));
        rect1[p] = _mm256_and_si256(_mm256_shuffle_epi8(lo, low1), _mm256_shuffle_epi8(hi, high1));
    }
    uint64_t keep = length_mask(len);
    int classes = classifier->classes;
    for (int c = classes; c < 8; c++) out[c] = 0;
    for (int c = 0; c < classes; c++) {
        __m256i any0 = zero, any1 = zero;
        for (int p = 0; p < pairs; p++) {
            if (classifier->select[c][p] == 0) continue;  // most classes live in one pair
            __m256i select = _mm256_set1_epi8((char)classifier->select[c][p]);
            any0 = _mm256_or_si256(any0, _mm256_and_si256(rect0[p], select));
            any1 = _mm256_or_si256(any1, _mm256_and_si256(rect1[p], select));
        }
        uint64_t none = (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(any0, zero))
                      | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(any1, zero)) << 32;
        out[c] = ~none & keep;
    }
}

__attribute__((target("ssse3")))
static void masks_ssse3(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]) {
    uint8_t padded[64];
    const uint8_t *bytes = whole_block(text, len, padded);
    const __m128i nibble = _mm_set1_epi8(0x0F);
    const __m128i zero = _mm_setzero_si128();
    __m128i rect[4][4];
    int pairs = classifier->pairs;
    for (int q = 0; q < 4; q++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(bytes + 16 * q));
        __m128i low = _mm_and_si128(v, nibble), high = _mm_and_si128(_mm_srli_epi16(v, 4), nibble);
        for (int p = 0; p < pairs; p++) {
            __m128i lo = _mm_loadu_si128((const __m128i *)classifier->lo[p]);
            __m128i hi = _mm_loadu_si128((const __m128i *)classifier->hi[p]);
            rect[q][p] = _mm_and_si128(_mm_shuffle_epi8(lo, low), _mm_shuffle_epi8(hi, high));
        }
    }
    uint64_t keep = length_mask(len);
    int classes = classifier->classes;
    for (int c = classes; c < 8; c++) out[c] = 0;
    for (int c = 0; c < classes; c++) {
        uint64_t none = 0;
        for (int q = 0; q < 4; q++) {
            __m128i any = zero;
            for (int p = 0; p < pairs; p++) {
                if (classifier->select[c][p] == 0) continue;
                any = _mm_or_si128(any, _mm_and_si128(rect[q][p], _mm_set1_epi8((char)classifier->select[c][p])));
            }
            none |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(any, zero)) << (16 * q);
        }
        out[c] = ~none & keep;
    }
}

#endif

typedef void (*masks_function)(const sy_byte_classifier *, const uint8_t *, size_t, uint64_t *);

static masks_function chosen = sy_byte_masks_scalar;
static int chosen_path = 0;

// Runs when the library is loaded, before any call: afterwards `chosen` is only read.
__attribute__((constructor))
static void choose_path(void) {
#ifdef SY_HAVE_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2")) {
        chosen = masks_avx2;
        chosen_path = 2;
    } else if (__builtin_cpu_supports("ssse3")) {
        chosen = masks_ssse3;
        chosen_path = 1;
    }
#endif
}

void sy_byte_masks(const sy_byte_classifier *classifier, const uint8_t *text, size_t len, uint64_t out[8]) {
    chosen(classifier, text, len > 64 ? 64 : len, out);
}

int sy_byte_masks_path(void) {
    return chosen_path;
}
