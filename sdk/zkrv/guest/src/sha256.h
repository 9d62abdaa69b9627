/* Internal: a compact SHA-256 (FIPS 180-4) for the journal digest. */
#ifndef ZKRV_SHA256_H
#define ZKRV_SHA256_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t len;          /* bytes hashed so far */
    uint8_t block[64];
    uint32_t fill;         /* bytes pending in block */
} zkrv_sha256_ctx;

void zkrv_sha256_init(zkrv_sha256_ctx *c);
void zkrv_sha256_update(zkrv_sha256_ctx *c, const void *data, size_t len);
/* Writes the 32-byte digest (big-endian words, the standard byte order). */
void zkrv_sha256_final(zkrv_sha256_ctx *c, uint8_t out[32]);
#endif
