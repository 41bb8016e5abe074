/* Switchyard C ABI: classify and route AI requests from C, C++, Go or Rust.
 *
 * Link against libCSwitchyard.so (swift build --product CSwitchyard). Handles are immutable after
 * open and safe to use from many threads at once: each thread gets its own scratch on its first
 * call, so a call allocates nothing on the clean path (one allocation when rules fire).
 * Strings returned by the library live as long as the handle that returned them.
 */
#ifndef SWITCHYARD_H
#define SWITCHYARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* MARK: classification */

typedef struct switchyard_classifier switchyard_classifier;

/* Loads and compiles the rule pack in `rules_dir`. On failure returns NULL and writes a
 * NUL-terminated message (file:line: rule <id>: ...) into `error` (if not NULL). */
switchyard_classifier *switchyard_open(const char *rules_dir, char *error, size_t error_capacity);

/* Outcomes: a negative return of switchyard_classify, and switchyard_verdict.outcome. */
#define SWITCHYARD_BAD_ARGUMENTS (-1)
#define SWITCHYARD_INDETERMINATE (-2)
enum { SWITCHYARD_OUTCOME_CLEAN = 0, SWITCHYARD_OUTCOME_RISKY = 1, SWITCHYARD_OUTCOME_INDETERMINATE = 2 };

/* Classifies `length` bytes of UTF-8 text. Writes the indices of fired enforce-mode rules
 * (ascending) into `fired`, up to `capacity`; returns their count (which may exceed capacity).
 * A negative return is never clean (fail closed): SWITCHYARD_BAD_ARGUMENTS, or
 * SWITCHYARD_INDETERMINATE when the text could not be fully inspected (over the size limit, a
 * regex search failed, the decode budget ran out); the rules that did fire are still written.
 * The text is read as one request: the pack's text model reads all of it as the ask (see
 * switchyard_classify_conversation for a conversation). */
int switchyard_classify(const switchyard_classifier *c, const uint8_t *text, size_t length,
                        uint32_t *fired, int capacity);

/* Verdict details of one classification. */
typedef struct {
    int risky;          /* 1 when an enforce-mode rule fired */
    double score;       /* sum of the fired enforce rules' severity weights */
    int indeterminate;  /* 0 fully inspected, 1 oversize, 2 regex search failed, 3 decode budget
                         * exhausted: never treat as clean */
    int fired_count;    /* fired enforce-mode rules (may exceed the capacity given) */
    int outcome;        /* SWITCHYARD_OUTCOME_CLEAN, _RISKY or _INDETERMINATE (not risky, not
                         * fully inspected: never clean) */
} switchyard_verdict;

/* Like switchyard_classify, also filling `verdict`. Returns fired_count, or
 * SWITCHYARD_BAD_ARGUMENTS; the outcome is in `verdict->outcome`. */
int switchyard_classify_verdict(const switchyard_classifier *c, const uint8_t *text, size_t length,
                                switchyard_verdict *verdict, uint32_t *fired, int capacity);

/* Like switchyard_classify_verdict for a conversation joined into `text` (every turn the model
 * will read, in order, e.g. joined with "\n"): `ask_start` is the byte offset where the last run
 * of user-written turns begins. The pack's text model reads the turns before it (system prompt,
 * history, assistant and tool turns) as context, as the JSONL stream and the service do; rules
 * read everything. 0: the whole text is the ask. ask_start > length: SWITCHYARD_BAD_ARGUMENTS. */
int switchyard_classify_conversation(const switchyard_classifier *c, const uint8_t *text, size_t length,
                                     size_t ask_start, switchyard_verdict *verdict, uint32_t *fired, int capacity);

int switchyard_rule_count(const switchyard_classifier *c);
/* Rule id, category and severity (0 low, 1 medium, 2 high, 3 critical) by index as in `fired`;
 * NULL / -1 when out of range. */
const char *switchyard_rule_id(const switchyard_classifier *c, uint32_t index);
const char *switchyard_rule_category(const switchyard_classifier *c, uint32_t index);
int switchyard_rule_severity(const switchyard_classifier *c, uint32_t index);
/* The rule pack's version (a digest of its files). */
const char *switchyard_pack_version(const switchyard_classifier *c);

void switchyard_close(switchyard_classifier *c);

/* MARK: routing */

typedef struct switchyard_router switchyard_router;

/* Loads the rule pack and the routing policy (`policy_path` NULL: <rules_dir>/policy/policy.yaml). */
switchyard_router *switchyard_router_open(const char *rules_dir, const char *policy_path,
                                          char *error, size_t error_capacity);

/* Who asks, as the gateway vouches for it. Any pointer may be NULL (unknown). */
typedef struct {
    const char *org;              /* organisation id, compared with the trusted-partner list */
    const char *nationality;      /* ISO 3166-1 alpha-2 */
    int verified;                 /* 1 verified, 0 not, -1 unknown */
    const char *requested_model;  /* e.g. "mythos-5" */
} switchyard_identity;

enum { SWITCHYARD_PRIMARY = 0, SWITCHYARD_FALLBACK = 1, SWITCHYARD_RESTRICTED = 2, SWITCHYARD_BLOCK = 3 };

typedef struct {
    int route;           /* SWITCHYARD_PRIMARY ... SWITCHYARD_BLOCK */
    const char *model;   /* model name (lives as long as the router); NULL when blocked */
    int risky;
    double score;
    int indeterminate;   /* as in switchyard_verdict */
    char reasons[512];   /* comma-separated reason codes, NUL-terminated, truncated if longer */
} switchyard_decision;

/* Classifies and routes one request. Returns 0, or < 0 on error (-1: bad arguments). */
int switchyard_route(const switchyard_router *r, const uint8_t *text, size_t length,
                     const switchyard_identity *who, switchyard_decision *decision);

/* Like switchyard_route for a conversation; `ask_start` as in switchyard_classify_conversation. */
int switchyard_route_conversation(const switchyard_router *r, const uint8_t *text, size_t length, size_t ask_start,
                                  const switchyard_identity *who, switchyard_decision *decision);

/* MARK: audit */

/* What an audit record adds to switchyard_identity. Any pointer may be NULL. */
typedef struct {
    const char *request_id;  /* the request's id, written as a JSON string; NULL: null */
    const char *user_id;     /* the end user's id, as the gateway knows it */
    const char *country;     /* ISO 3166-1 alpha-2 of where the request came from */
    const char *instance;    /* who writes the record (replica, host); NULL: hostname:pid */
    const char *prev_hash;   /* the previous record's hash (64 lowercase hex digits, as returned in
                              * hash_out); NULL for the first record of a log (64 zeros) */
} switchyard_audit_context;

/* Classifies and routes one request like switchyard_route (filling `decision` if not NULL) and
 * writes its audit record (schema switchyard.audit/1, README "Audit log and reports"): one line of
 * JSON ending in '\n', then a NUL, into `out`; and the record's hash (64 hex digits and a NUL) into
 * `hash_out`, to pass as prev_hash for the next record. Append the lines to a file in call order
 * and `switchyard audit verify` checks the chain. Returns the record's length in bytes (without
 * the NUL); when that is >= `capacity`, nothing is written to `out` or `hash_out`: call again with
 * a larger buffer (the request is routed again). -1: bad arguments; -2: prev_hash malformed. */
int64_t switchyard_audit_record(const switchyard_router *r, const uint8_t *text, size_t length,
                                const switchyard_identity *who, const switchyard_audit_context *context,
                                switchyard_decision *decision, char *out, size_t capacity, char hash_out[65]);

void switchyard_router_close(switchyard_router *r);

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_H */
