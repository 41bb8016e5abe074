// Calls the C ABI declared in switchyard.h the way a C gateway would: open, classify, look up
// rules, route, concurrent calls from several threads, error paths, close.
#include "abi_check.h"
#include "switchyard.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(number, condition, ...)                          \
    do {                                                       \
        if (!(condition)) {                                    \
            snprintf(report, report_capacity, __VA_ARGS__);    \
            return number;                                     \
        }                                                      \
    } while (0)

struct worker {
    const switchyard_classifier *classifier;
    const char *risky;
    const char *clean;
    int expected_risky;
    int mismatches;
};

static void *classify_many(void *argument) {
    struct worker *work = argument;
    uint32_t fired[16];
    for (int round = 0; round < 2000; round++) {
        const char *text = (round % 2) ? work->risky : work->clean;
        int count = switchyard_classify(work->classifier, (const uint8_t *)text, strlen(text), fired, 16);
        int expected = (round % 2) ? work->expected_risky : 0;
        if (count != expected) work->mismatches++;
    }
    return NULL;
}

int switchyard_abi_check(const char *rules_dir, const char *policy_path, const char *risky_text,
                         const char *clean_text, char *report, size_t report_capacity) {
    char error[512];

    error[0] = 0;
    CHECK(1, switchyard_open("/nonexistent/switchyard-rules", error, sizeof error) == NULL, "opening a missing directory succeeded");
    CHECK(2, strstr(error, "/nonexistent/switchyard-rules") != NULL, "error does not name the directory: %s", error);
    CHECK(3, switchyard_open(NULL, error, sizeof error) == NULL, "opening NULL succeeded");

    switchyard_classifier *classifier = switchyard_open(rules_dir, error, sizeof error);
    CHECK(10, classifier != NULL, "open failed: %s", error);
    int rules = switchyard_rule_count(classifier);
    CHECK(11, rules > 0, "no rules");
    CHECK(12, switchyard_rule_id(classifier, (uint32_t)rules) == NULL, "rule id past the end is not NULL");
    CHECK(13, switchyard_pack_version(classifier) != NULL && strlen(switchyard_pack_version(classifier)) == 12, "bad pack version");

    uint32_t fired[64];
    int count = switchyard_classify(classifier, (const uint8_t *)risky_text, strlen(risky_text), fired, 64);
    CHECK(20, count >= 1, "risky text fired %d rules", count);
    for (int i = 0; i < count && i < 64; i++) {
        CHECK(21, fired[i] < (uint32_t)rules, "fired index %u out of range", fired[i]);
        CHECK(22, switchyard_rule_id(classifier, fired[i]) != NULL, "no id for fired rule %u", fired[i]);
        CHECK(23, switchyard_rule_category(classifier, fired[i]) != NULL, "no category for fired rule %u", fired[i]);
        int severity = switchyard_rule_severity(classifier, fired[i]);
        CHECK(24, severity >= 0 && severity <= 3, "bad severity %d", severity);
        if (i > 0) CHECK(25, fired[i - 1] < fired[i], "fired rules not ascending");
    }
    CHECK(26, switchyard_classify(classifier, (const uint8_t *)risky_text, strlen(risky_text), NULL, 0) == count,
          "count without a buffer differs");
    uint32_t one[1];
    CHECK(27, switchyard_classify(classifier, (const uint8_t *)risky_text, strlen(risky_text), one, 1) == count,
          "count with a short buffer differs");
    CHECK(28, switchyard_classify(classifier, (const uint8_t *)clean_text, strlen(clean_text), fired, 64) == 0, "clean text fired");
    CHECK(29, switchyard_classify(classifier, NULL, 0, fired, 64) == 0, "empty text fired");
    CHECK(30, switchyard_classify(NULL, (const uint8_t *)clean_text, strlen(clean_text), fired, 64) < 0, "NULL classifier accepted");
    CHECK(31, switchyard_classify(classifier, NULL, 5, fired, 64) < 0, "NULL text with a length accepted");

    switchyard_verdict verdict;
    int verdict_count = switchyard_classify_verdict(classifier, (const uint8_t *)risky_text, strlen(risky_text), &verdict, fired, 64);
    CHECK(40, verdict_count == count && verdict.fired_count == count, "verdict count %d != %d", verdict.fired_count, count);
    CHECK(41, verdict.risky == 1 && verdict.score > 0 && verdict.indeterminate == 0, "bad risky verdict");
    switchyard_classify_verdict(classifier, (const uint8_t *)clean_text, strlen(clean_text), &verdict, fired, 64);
    CHECK(42, verdict.risky == 0 && verdict.score == 0 && verdict.fired_count == 0, "bad clean verdict");
    CHECK(43, verdict.outcome == SWITCHYARD_OUTCOME_CLEAN, "clean outcome %d", verdict.outcome);
    switchyard_classify_verdict(classifier, (const uint8_t *)risky_text, strlen(risky_text), &verdict, fired, 64);
    CHECK(44, verdict.outcome == SWITCHYARD_OUTCOME_RISKY, "risky outcome %d", verdict.outcome);
    /* A text over the size limit (8 MiB) is not fully inspected: never clean. */
    size_t oversize = (8u << 20) + 16;
    uint8_t *big = malloc(oversize);
    CHECK(45, big != NULL, "malloc failed");
    memset(big, 'a', oversize);
    CHECK(46, switchyard_classify(classifier, big, oversize, fired, 64) == SWITCHYARD_INDETERMINATE, "oversize text not indeterminate");
    switchyard_classify_verdict(classifier, big, oversize, &verdict, fired, 64);
    CHECK(47, verdict.outcome == SWITCHYARD_OUTCOME_INDETERMINATE && verdict.indeterminate == 1, "oversize outcome %d", verdict.outcome);
    free(big);

    /* A conversation: the turns before ask_start are context. 0 reads the whole text as the ask,
     * as switchyard_classify_verdict does; an offset past the end is refused. */
    char conversation[1024];
    snprintf(conversation, sizeof conversation, "%s\n%s", clean_text, risky_text);
    size_t conversation_length = strlen(conversation), ask_start = strlen(clean_text) + 1;
    switchyard_verdict whole, split;
    int whole_count = switchyard_classify_verdict(classifier, (const uint8_t *)conversation, conversation_length, &whole, fired, 64);
    CHECK(52, switchyard_classify_conversation(classifier, (const uint8_t *)conversation, conversation_length, 0, &split, fired, 64) == whole_count
              && split.risky == whole.risky && split.score == whole.score && split.outcome == whole.outcome,
          "ask_start 0 differs from the whole text");
    CHECK(53, switchyard_classify_conversation(classifier, (const uint8_t *)conversation, conversation_length, ask_start, &split, fired, 64) > 0
              && split.risky == 1 && split.outcome == SWITCHYARD_OUTCOME_RISKY,
          "a risky ask after a clean turn is not risky");
    CHECK(54, switchyard_classify_conversation(classifier, (const uint8_t *)conversation, conversation_length, conversation_length + 1, &split, fired, 64)
              == SWITCHYARD_BAD_ARGUMENTS, "ask_start past the end accepted");

    struct worker workers[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        workers[i] = (struct worker){classifier, risky_text, clean_text, count, 0};
        CHECK(50, pthread_create(&threads[i], NULL, classify_many, &workers[i]) == 0, "pthread_create failed");
    }
    for (int i = 0; i < 4; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < 4; i++) CHECK(51, workers[i].mismatches == 0, "thread %d saw %d wrong answers", i, workers[i].mismatches);
    switchyard_close(classifier);
    switchyard_close(NULL);

    switchyard_router *router = switchyard_router_open(rules_dir, policy_path, error, sizeof error);
    CHECK(60, router != NULL, "router open failed: %s", error);
    switchyard_decision decision;
    CHECK(61, switchyard_route(router, (const uint8_t *)clean_text, strlen(clean_text), NULL, &decision) == 0, "route failed");
    CHECK(62, decision.route == SWITCHYARD_PRIMARY && strcmp(decision.model, "fable-5") == 0 && decision.reasons[0] == 0,
          "clean anonymous request: route %d reasons '%s'", decision.route, decision.reasons);
    switchyard_identity outsider = {"acme", "US", 1, "mythos-5"};
    switchyard_route(router, (const uint8_t *)clean_text, strlen(clean_text), &outsider, &decision);
    CHECK(63, decision.route == SWITCHYARD_PRIMARY && strcmp(decision.reasons, "not-trusted-partner") == 0,
          "outsider asking for mythos-5: route %d reasons '%s'", decision.route, decision.reasons);
    switchyard_route(router, (const uint8_t *)risky_text, strlen(risky_text), &outsider, &decision);
    CHECK(64, (decision.route == SWITCHYARD_FALLBACK || decision.route == SWITCHYARD_BLOCK) && decision.risky == 1
              && strstr(decision.reasons, "risky:") != NULL,
          "risky request: route %d reasons '%s'", decision.route, decision.reasons);
    switchyard_identity partner = {"northgrid-transmission", "DE", 1, "mythos-5"};
    switchyard_route(router, (const uint8_t *)risky_text, strlen(risky_text), &partner, &decision);
    CHECK(65, decision.route == SWITCHYARD_RESTRICTED && strcmp(decision.model, "mythos-5") == 0,
          "partner on mythos-5: route %d reasons '%s'", decision.route, decision.reasons);
    CHECK(66, switchyard_route(router, NULL, 3, NULL, &decision) < 0, "NULL text with a length accepted");
    CHECK(68, switchyard_route_conversation(router, (const uint8_t *)conversation, conversation_length, ask_start, &outsider, &decision) == 0
              && (decision.route == SWITCHYARD_FALLBACK || decision.route == SWITCHYARD_BLOCK) && decision.risky == 1,
          "risky ask in a conversation: route %d reasons '%s'", decision.route, decision.reasons);
    CHECK(69, switchyard_route_conversation(router, (const uint8_t *)conversation, conversation_length, conversation_length + 1, NULL, &decision) < 0,
          "ask_start past the end accepted by the router");
    CHECK(67, switchyard_router_open(rules_dir, "/nonexistent/policy.yaml", error, sizeof error) == NULL
              && strstr(error, "/nonexistent/policy.yaml") != NULL, "missing policy not reported: %s", error);
    switchyard_router_close(router);
    snprintf(report, report_capacity, "ok");
    return 0;
}

int switchyard_abi_audit_check(const char *rules_dir, const char *policy_path, const char *risky_text,
                               const char *clean_text, char *records, size_t records_capacity,
                               char *report, size_t report_capacity) {
    char error[512];
    switchyard_router *router = switchyard_router_open(rules_dir, policy_path, error, sizeof error);
    CHECK(80, router != NULL, "router open failed: %s", error);
    switchyard_identity who = {"acme", "DE", 1, "fable-5"};
    switchyard_audit_context context = {"req-1", "u7", "US", "c-gateway-1", NULL};
    switchyard_decision decision;
    char hash[65] = {0};
    char small[16];
    int64_t needed = switchyard_audit_record(router, (const uint8_t *)risky_text, strlen(risky_text), &who, &context,
                                             &decision, small, sizeof small, hash);
    CHECK(81, needed >= (int64_t)sizeof small && hash[0] == 0, "a too small buffer: returned %lld", (long long)needed);
    size_t used = 0;
    const char *texts[3] = {risky_text, clean_text, risky_text};
    const char *ids[3] = {"req-1", "req-2", "req-3"};
    for (int i = 0; i < 3; i++) {
        char previous[65];
        memcpy(previous, hash, sizeof previous);
        context.request_id = ids[i];
        context.prev_hash = i == 0 ? NULL : previous;
        int64_t length = switchyard_audit_record(router, (const uint8_t *)texts[i], strlen(texts[i]), &who, &context,
                                                 &decision, records + used, records_capacity - used, hash);
        CHECK(82, length > 0 && (size_t)length < records_capacity - used, "record %d: returned %lld", i, (long long)length);
        char *line = records + used;
        CHECK(83, line[length - 1] == '\n' && line[length] == 0, "record %d does not end with a newline and NUL", i);
        CHECK(84, strstr(line, "\"schema\":\"switchyard.audit/1\"") && strstr(line, "\"instance\":\"c-gateway-1\"")
                      && strstr(line, ids[i]) && strstr(line, "\"user\":{\"id\":\"u7\",\"org\":\"acme\""),
              "record %d lacks its fields: %s", i, line);
        CHECK(85, i == 0 || strstr(line, previous) != NULL, "record %d does not carry the previous hash", i);
        CHECK(86, strlen(hash) == 64 && strstr(line, hash) != NULL, "record %d: hash_out is not the record's hash", i);
        CHECK(87, (i == 1) == (decision.risky == 0), "record %d: decision.risky %d", i, decision.risky);
        used += (size_t)length;
    }
    context.prev_hash = "not-a-hash";
    CHECK(88, switchyard_audit_record(router, (const uint8_t *)clean_text, strlen(clean_text), NULL, &context, NULL,
                                      records + used, records_capacity - used, hash) == -2, "a malformed prev_hash accepted");
    CHECK(89, switchyard_audit_record(router, NULL, 4, NULL, NULL, NULL, records + used, records_capacity - used, hash) == -1,
          "NULL text with a length accepted");
    switchyard_router_close(router);
    snprintf(report, report_capacity, "ok");
    return 0;
}
