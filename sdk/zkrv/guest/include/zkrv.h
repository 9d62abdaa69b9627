/* zkrv guest SDK: the interface between a guest program and the zkrv host.
 *
 * A guest is a freestanding RV32IM program. main() runs after crt0 set up the stack and zeroed
 * .bss; returning from main() exits with its return value (as zkrv_exit does).
 *
 * Everything passed to zkrv_commit() forms the journal: the public output the proof attests to.
 * The runtime hands it to the machine in 64-byte blocks (COMMIT), and the machine itself hashes
 * them with SHA-256 into its journal state; zkrv_exit() commits the padding, and the claim's
 * journal digest is that state when the program halts.
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

/* SHA-256 precompile (ECALL 4, proven by the circuit's sha256 table, not by guest cycles).
 *
 * zkrv_sha256_compress: one SHA-256 compression (FIPS 180-4, no padding): state (8 native
 * uint32_t words, e.g. the initial value 0x6a09e667, ...) becomes compress(state, block), where
 * block is 64 bytes in message order. Both pointers must be 4-byte aligned and in RAM, the state
 * writable; the block is read before the state is written, so they may overlap. One cycle.
 *
 * zkrv_sha256: the SHA-256 digest of len bytes at data (any alignment), big-endian as usual;
 * about ceil((len + 9) / 64) precompile calls plus copying and padding. */
void zkrv_sha256_compress(uint32_t state[8], const void *block);
void zkrv_sha256(const void *data, size_t len, uint8_t out[32]);

/* 256-bit modular multiplication precompile (ECALL 6, proven by the modmul256 table): out = a * b
 * mod m, where every operand is a 256-bit little-endian integer of 8 words (least significant
 * first) and m = 0 means 2^256; operands may be >= m. out must be 4-byte aligned; it may alias
 * the inputs (they are copied first). About 70 cycles. */
void zkrv_modmul256(uint32_t out[8], const uint32_t a[8], const uint32_t b[8],
                    const uint32_t m[8]);

/* Keccak (the KECCAKF precompile, ECALL 5, proven by the keccak_f table: one ECALL per
 * permutation).
 *
 * zkrv_keccak_f: the Keccak-f[1600] permutation (FIPS 202) of the state in place: 25 lanes,
 * lane (x, y) at state[x + 5 y], each a little-endian uint64_t as in Keccak's byte order. The
 * state must be 4-byte aligned and writable.
 *
 * zkrv_keccak256: Ethereum's Keccak-256 of len bytes at data (any alignment): rate 136 bytes and
 * the original Keccak padding (0x01 ... 0x80), not SHA3-256's (0x06 ... 0x80). */
void zkrv_keccak_f(uint64_t state[25]);
void zkrv_keccak256(const void *data, size_t len, uint8_t out[32]);

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
