/* adapter-loop: calls the harness's Switchyard adapter once per request in a plain loop, so that a
 * profiler sees the harness's workload through switchyard.h and nothing else (no other engines,
 * no agreement check). Built and run as in Benchmarks/README.md ("where the harness's time goes").
 *
 *   adapter-loop ADAPTER.so CORPUS.bin KEYWORDS REGEXES [SLICE_BYTES [REPS]]
 *
 * Without SLICE_BYTES every request of the corpus is one call; with it, the calls are 256 slices
 * of that many bytes cut from the corpus, as the harness's size sweep cuts them. */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void *(*engine_new)(const char *keywords, const char *regexes);
typedef int (*engine_scan)(void *engine, const char *text, size_t length, uint32_t *ids, int capacity);

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc < 5) {
        fprintf(stderr, "usage: adapter-loop ADAPTER.so CORPUS.bin KEYWORDS REGEXES [SLICE_BYTES [REPS]]\n");
        return 2;
    }
    void *library = dlopen(argv[1], RTLD_NOW);
    if (!library) { fprintf(stderr, "%s\n", dlerror()); return 1; }
    engine_new open_engine = (engine_new)dlsym(library, "anchor_engine_new");
    engine_scan scan = (engine_scan)dlsym(library, "anchor_engine_scan");
    if (!open_engine || !scan) { fprintf(stderr, "not a harness adapter: %s\n", argv[1]); return 1; }
    void *engine = open_engine(argv[3], argv[4]);
    if (!engine) { fprintf(stderr, "the adapter could not build the pack\n"); return 1; }

    /* The harness's corpus: u32 count, then per request u32 length and its bytes. */
    FILE *file = fopen(argv[2], "rb");
    uint32_t count = 0;
    if (!file || fread(&count, 4, 1, file) != 1) { fprintf(stderr, "cannot read %s\n", argv[2]); return 1; }
    char **texts = calloc(count, sizeof *texts);
    uint32_t *lengths = calloc(count, sizeof *lengths);
    size_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (fread(&lengths[i], 4, 1, file) != 1) { fprintf(stderr, "truncated corpus\n"); return 1; }
        texts[i] = malloc(lengths[i] ? lengths[i] : 1);
        if (lengths[i] && fread(texts[i], 1, lengths[i], file) != lengths[i]) { fprintf(stderr, "truncated corpus\n"); return 1; }
        total += lengths[i];
    }
    fclose(file);

    size_t slice = argc > 5 ? (size_t)strtoull(argv[5], NULL, 10) : 0;
    int reps = argc > 6 ? atoi(argv[6]) : 2;
    if (slice) {
        /* 256 slices of `slice` bytes, evenly spaced through the concatenated corpus. */
        char *all = malloc(total);
        size_t offset = 0;
        for (uint32_t i = 0; i < count; i++) { memcpy(all + offset, texts[i], lengths[i]); offset += lengths[i]; }
        if (slice > total) slice = total;
        for (uint32_t i = 0; i < count; i++) free(texts[i]);
        count = 256;
        for (uint32_t i = 0; i < count; i++) {
            texts[i] = malloc(slice);
            memcpy(texts[i], all + (total - slice) / count * i, slice);
            lengths[i] = (uint32_t)slice;
        }
        free(all);
        total = slice * count;
    }

    uint32_t ids[1024];
    /* Enough passes over small slices for a profile to see them. */
    long passes = slice ? (long)(4000000 / (slice + 64)) + 1 : 1;
    for (int rep = 0; rep < reps; rep++) {
        long flagged = 0;
        double start = seconds();
        for (long pass = 0; pass < passes; pass++)
            for (uint32_t i = 0; i < count; i++) flagged += scan(engine, texts[i], lengths[i], ids, 1024) > 0;
        double elapsed = seconds() - start;
        printf("rep %d: %u calls x %ld, %.1f MB/s, %.0f ns per call, %ld flagged\n", rep, count, passes,
               (double)total * passes / elapsed / 1e6, elapsed / ((double)count * passes) * 1e9, flagged);
    }
    return 0;
}
