/* zkrv guest SDK: the subset of <stdlib.h> the runtime implements. */
#ifndef ZKRV_STDLIB_H
#define ZKRV_STDLIB_H
#include <stddef.h>
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);
#endif
