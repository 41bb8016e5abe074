// A small C interface over Debian's libre2: single regexes, RE2::Set with ErrorInfo, and the
// prefilter atoms that FilteredRE2 computes. The only C++ in Switchyard lives behind this header.
//
// Lifecycle: *_new → (add …) → compile → match … → *_delete. A compiled object is immutable and
// may be matched from many threads at once. Every function is safe to call with the objects it
// was given; none throws across the C boundary.
#ifndef SWITCHYARD_CRE2_H
#define SWITCHYARD_CRE2_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Options shared by every constructor.
typedef struct cre2_options {
  int case_insensitive;   ///< non-zero: (?i) semantics (simple case folding)
  int64_t max_mem;        ///< RE2 memory budget in bytes (program + DFA cache); <= 0 keeps RE2's 8 MiB
} cre2_options;

/// Outcome of a match that can fail for reasons other than "no match".
typedef enum cre2_match_status {
  CRE2_NO_MATCH = 0,
  CRE2_MATCH = 1,
  CRE2_ERROR_NOT_COMPILED = -1,
  CRE2_ERROR_OUT_OF_MEMORY = -2,
  CRE2_ERROR_INCONSISTENT = -3,
  CRE2_ERROR_CAPACITY = -4,
} cre2_match_status;

// MARK: single regex

typedef struct cre2_regex cre2_regex;

/// Compiles `pattern` (UTF-8, `length` bytes). Never returns NULL: check cre2_regex_ok.
cre2_regex *cre2_regex_new(const char *pattern, size_t length, cre2_options options);
void cre2_regex_delete(cre2_regex *re);
/// Non-zero when the pattern compiled.
int cre2_regex_ok(const cre2_regex *re);
/// RE2's error text for a failed compile ("" when ok). Valid while `re` lives.
const char *cre2_regex_error(const cre2_regex *re);
/// RE2::ProgramSize(), a measure of compiled cost; -1 if not compiled.
int cre2_regex_program_size(const cre2_regex *re);
/// Unanchored search. On CRE2_MATCH, writes the leftmost match's byte span to *start/*end.
cre2_match_status cre2_regex_match(const cre2_regex *re, const uint8_t *text, size_t length,
                                   size_t *start, size_t *end);
/// Like cre2_regex_match, but searches only text[startpos, endpos); the bytes outside stay visible
/// as context for \b and ^, so a window gives the same answer as the whole text would there.
cre2_match_status cre2_regex_match_range(const cre2_regex *re, const uint8_t *text, size_t length,
                                         size_t startpos, size_t endpos, size_t *start, size_t *end);

// MARK: RE2::Set

typedef struct cre2_set cre2_set;
/// Caller-owned scratch for cre2_set_match (holds a reusable index vector; one per thread).
typedef struct cre2_set_scratch cre2_set_scratch;

cre2_set *cre2_set_new(cre2_options options);
void cre2_set_delete(cre2_set *set);
/// Adds a pattern; returns its index, or -1 with RE2's message copied into `error` (NUL-terminated).
int cre2_set_add(cre2_set *set, const char *pattern, size_t length, char *error, size_t error_capacity);
/// Returns non-zero on success. A set whose compile failed is never matched (cre2_set_match
/// returns CRE2_ERROR_NOT_COMPILED instead of crashing as RE2::Set::Match would).
int cre2_set_compile(cre2_set *set);
cre2_set_scratch *cre2_set_scratch_new(void);
void cre2_set_scratch_delete(cre2_set_scratch *scratch);
/// Matches every pattern of the set at once. On CRE2_MATCH writes up to `capacity` indices into
/// `indices` and their count into *count (CRE2_ERROR_CAPACITY if more matched than fit; *count
/// then holds the full count). Out of memory in the DFA is CRE2_ERROR_OUT_OF_MEMORY, never a
/// silent "no match".
cre2_match_status cre2_set_match(const cre2_set *set, cre2_set_scratch *scratch,
                                 const uint8_t *text, size_t length,
                                 int *indices, int capacity, int *count);
/// Whether any pattern of the set matches (CRE2_MATCH / CRE2_NO_MATCH), without collecting which:
/// RE2 then allocates nothing once its DFA cache is warm. Errors as for cre2_set_match.
cre2_match_status cre2_set_match_any(const cre2_set *set, const uint8_t *text, size_t length);

// MARK: prefilter atoms

/// The literal atoms that FilteredRE2 derives for one pattern, as up to `max_groups` disjoint
/// groups: if the pattern matches a text, an atom of *every* group occurs in the lowercased text.
/// Groups come rarest first (longest shortest atom). Zero groups means the pattern has no usable
/// prefilter and must run on every text.
typedef struct cre2_atoms cre2_atoms;
/// Returns NULL if the pattern does not compile.
cre2_atoms *cre2_atoms_new(const char *pattern, size_t length, cre2_options options, int min_atom_length, int max_groups);
void cre2_atoms_delete(cre2_atoms *atoms);
int cre2_atoms_group_count(const cre2_atoms *atoms);
int cre2_atoms_count(const cre2_atoms *atoms, int group);
/// Atom bytes (lowercase, not NUL-terminated); `*length` receives the byte count.
const char *cre2_atoms_at(const cre2_atoms *atoms, int group, int index, size_t *length);

#ifdef __cplusplus
}
#endif

#endif
