#include "cvectorscan.h"

#include <hs/hs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cvs_engine {
    hs_database_t *database;
    hs_scratch_t *scratch;
    uint32_t *rule_of_pattern;   // pattern id -> rule
    uint32_t *rule_generation;   // per rule: generation of the scan that last fired it
    uint32_t *fired;             // rules fired in the current scan
    uint32_t fired_count;
    uint32_t rule_count;
    uint32_t generation;
};

cvs_engine *cvs_compile(const char *const *patterns, const uint32_t *rules, uint32_t count, uint32_t rule_count,
                        int utf8, char *error, size_t error_capacity, int *error_index) {
    *error_index = -1;
    if (error_capacity > 0) error[0] = 0;
    unsigned *flags = calloc(count ? count : 1, sizeof(unsigned));
    unsigned *ids = calloc(count ? count : 1, sizeof(unsigned));
    for (uint32_t i = 0; i < count; i++) {
        flags[i] = HS_FLAG_CASELESS | HS_FLAG_SINGLEMATCH | (utf8 ? HS_FLAG_UTF8 : 0);
        ids[i] = i;
    }
    hs_database_t *database = NULL;
    hs_compile_error_t *compile_error = NULL;
    hs_error_t status = hs_compile_multi(patterns, flags, ids, count, HS_MODE_BLOCK, NULL, &database, &compile_error);
    free(flags);
    free(ids);
    if (status != HS_SUCCESS) {
        if (compile_error) {
            snprintf(error, error_capacity, "%s", compile_error->message);
            *error_index = compile_error->expression;
            hs_free_compile_error(compile_error);
        } else {
            snprintf(error, error_capacity, "hs_compile_multi failed (%d)", (int)status);
        }
        return NULL;
    }
    cvs_engine *engine = calloc(1, sizeof(cvs_engine));
    engine->database = database;
    if (hs_alloc_scratch(database, &engine->scratch) != HS_SUCCESS) {
        snprintf(error, error_capacity, "hs_alloc_scratch failed");
        hs_free_database(database);
        free(engine);
        return NULL;
    }
    engine->rule_of_pattern = malloc((count ? count : 1) * sizeof(uint32_t));
    memcpy(engine->rule_of_pattern, rules, count * sizeof(uint32_t));
    engine->rule_generation = calloc(rule_count ? rule_count : 1, sizeof(uint32_t));
    engine->fired = malloc((rule_count ? rule_count : 1) * sizeof(uint32_t));
    engine->rule_count = rule_count;
    return engine;
}

void cvs_free(cvs_engine *engine) {
    if (!engine) return;
    hs_free_scratch(engine->scratch);
    hs_free_database(engine->database);
    free(engine->rule_of_pattern);
    free(engine->rule_generation);
    free(engine->fired);
    free(engine);
}

size_t cvs_database_bytes(const cvs_engine *engine) {
    size_t size = 0;
    hs_database_size(engine->database, &size);
    return size;
}

size_t cvs_scratch_bytes(const cvs_engine *engine) {
    size_t size = 0;
    hs_scratch_size(engine->scratch, &size);
    return size;
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags, void *context) {
    (void)from; (void)to; (void)flags;
    cvs_engine *engine = context;
    uint32_t rule = engine->rule_of_pattern[id];
    if (engine->rule_generation[rule] != engine->generation) {
        engine->rule_generation[rule] = engine->generation;
        engine->fired[engine->fired_count++] = rule;
    }
    return 0;  // keep scanning: every rule is wanted
}

int cvs_scan(cvs_engine *engine, const uint8_t *text, size_t length) {
    engine->generation++;
    if (engine->generation == 0) {  // wrapped: clear the tags so no stale tag can match
        memset(engine->rule_generation, 0, (engine->rule_count ? engine->rule_count : 1) * sizeof(uint32_t));
        engine->generation = 1;
    }
    engine->fired_count = 0;
    hs_error_t status = hs_scan(engine->database, (const char *)text, (unsigned int)length, 0, engine->scratch, on_match, engine);
    return status == HS_SUCCESS ? (int)engine->fired_count : -1;
}

const uint32_t *cvs_fired(const cvs_engine *engine) { return engine->fired; }

const char *cvs_version(void) { return hs_version(); }
