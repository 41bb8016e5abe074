// A small C interface over Debian's Vectorscan (libhs) for the benchmark peers: one block-mode
// database of many patterns, each reporting the rule it belongs to. The engine owns one scratch,
// so it is used from one thread at a time.
#ifndef SWITCHYARD_CVECTORSCAN_H
#define SWITCHYARD_CVECTORSCAN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct cvs_engine cvs_engine;

/// Compiles `count` NUL-terminated patterns into one block-mode database. Every pattern gets
/// HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH, plus HS_FLAG_UTF8 when `utf8` is non-zero. Pattern `i`
/// reports rule `rules[i]` (< `rule_count`). On failure returns NULL, copies Vectorscan's message
/// into `error` and the failing pattern's index (or -1 when none is named) into *error_index.
cvs_engine *cvs_compile(const char *const *patterns, const uint32_t *rules, uint32_t count, uint32_t rule_count,
                        int utf8, char *error, size_t error_capacity, int *error_index);
void cvs_free(cvs_engine *engine);

/// Bytes of the compiled database and of the engine's scratch.
size_t cvs_database_bytes(const cvs_engine *engine);
size_t cvs_scratch_bytes(const cvs_engine *engine);

/// Scans `text` and returns how many distinct rules fired (-1 if Vectorscan failed). The rules are
/// then in cvs_fired until the next scan.
int cvs_scan(cvs_engine *engine, const uint8_t *text, size_t length);
const uint32_t *cvs_fired(const cvs_engine *engine);

/// The library's version string.
const char *cvs_version(void);

#ifdef __cplusplus
}
#endif

#endif
