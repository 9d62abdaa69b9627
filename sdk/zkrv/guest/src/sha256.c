/* SHA-256 (FIPS 180-4) streaming for the journal digest; compressions use the precompile. */
#include "sha256.h"

#include <zkrv.h>

/* One compression through the SHA256 precompile (accel.c): the circuit proves it in its sha256
 * table, so the journal digest costs one cycle per 64 bytes instead of thousands. p must be
 * word-aligned. */
static void compress(uint32_t h[8], const uint8_t *p) { zkrv_sha256_compress(h, p); }

void zkrv_sha256_init(zkrv_sha256_ctx *c) {
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    for (int i = 0; i < 8; i++) c->h[i] = iv[i];
    c->len = 0;
    c->fill = 0;
}

void zkrv_sha256_update(zkrv_sha256_ctx *c, const void *data, size_t len) {
    const uint8_t *p = data;
    c->len += len;
    while (len) {
        if (c->fill == 0 && len >= 64 && ((uintptr_t)p & 3) == 0) {
            compress(c->h, p);
            p += 64;
            len -= 64;
            continue;
        }
        size_t take = 64 - c->fill;
        if (take > len) take = len;
        for (size_t i = 0; i < take; i++) c->block[c->fill + i] = p[i];
        c->fill += take;
        p += take;
        len -= take;
        if (c->fill == 64) {
            compress(c->h, c->block);
            c->fill = 0;
        }
    }
}

void zkrv_sha256_final(zkrv_sha256_ctx *c, uint8_t out[32]) {
    uint64_t bits = c->len * 8;
    static const uint8_t zeros[64];
    uint8_t pad = 0x80;
    zkrv_sha256_update(c, &pad, 1);
    /* zeros up to 56 mod 64 in one update (byte-at-a-time padding cost ~2,400 cycles) */
    zkrv_sha256_update(c, zeros, c->fill <= 56 ? 56 - c->fill : 120 - c->fill);
    uint8_t lenbe[8];
    for (int i = 0; i < 8; i++) lenbe[i] = (uint8_t)(bits >> (56 - 8 * i));
    zkrv_sha256_update(c, lenbe, 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(c->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(c->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(c->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)c->h[i];
    }
}
