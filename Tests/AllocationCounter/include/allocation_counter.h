// Counts heap allocations made by the calling thread, for tests that prove a code path does not
// allocate. Linking this target into a test executable replaces malloc and friends in that
// process with thin wrappers over glibc's own entry points.
#pragma once
#include <stdint.h>

/// 1 when the counter works in this build; 0 under a sanitizer, whose runtime owns malloc.
int allocation_counter_available(void);
/// Starts counting the calling thread's allocations from zero.
void allocation_counter_start(void);
/// Stops counting and returns the number of allocation calls (malloc, calloc, realloc,
/// posix_memalign, aligned_alloc, memalign) the calling thread made since `allocation_counter_start`.
int64_t allocation_counter_stop(void);
