// Heap bytes in use (glibc mallinfo2), for measuring what a compiled rule pack keeps allocated.
#ifndef SWITCHYARD_CHEAP_H
#define SWITCHYARD_CHEAP_H
#include <stddef.h>
size_t cheap_in_use(void);
#endif
