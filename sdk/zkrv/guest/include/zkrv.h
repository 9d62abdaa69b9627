/* zkrv guest SDK: the interface between a guest program and the zkrv host.
 *
 * A guest is a freestanding RV32IM program. main() runs after crt0 set up the stack and zeroed
 * .bss; returning from main() exits with its return value (as zkrv_exit does).
 *
 * Everything passed to zkrv_commit() forms the journal: the public output the proof attests to.
 * The runtime hashes it with SHA-256 as it goes and hands the digest to the host at exit.
 */
#ifndef ZKRV_H
#define ZKRV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Read up to len bytes of private input into buf. Returns the number of bytes read; 0 only at
 * the end of the input (or when len == 0). Short reads happen only at the end of the input. */
size_t zkrv_read(void *buf, size_t len);

/* Append len bytes to the journal (the public output). */
void zkrv_commit(const void *buf, size_t len);

/* Send a NUL-terminated text message to the host's log. Not part of the proof. */
void zkrv_log(const char *msg);

/* Stop the program with the given exit code (part of the proven claim). */
_Noreturn void zkrv_exit(uint32_t code);

/* Heap (a simple first-fit allocator over the memory between .bss and the stack). */
void *malloc(size_t size);
void *calloc(size_t n, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

/* The memory and string functions the runtime provides (also in <string.h>). */
void *memcpy(void *restrict dst, const void *restrict src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

#ifdef __cplusplus
}
#endif

#endif /* ZKRV_H */
