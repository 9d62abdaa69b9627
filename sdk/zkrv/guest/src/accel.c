/* Precompiles: ECALLs the zkrv circuit proves in dedicated tables (docs/zkvm-accel.md).
 *   a7 = 4 SHA256     a0 = word-aligned state (8 native words, writable), a1 = word-aligned
 *                     64-byte block; state <- compress(state, block)
 *   a7 = 5 KECCAKF    a0 = word-aligned 25-lane state (50 words, writable), a1 = 0;
 *                     state <- Keccak-f[1600](state) (keccak.c)
 *   a7 = 6 MODMUL256  a0 = word-aligned 8-word result, a1 = word-aligned 24 words (a, b, m);
 *                     result <- a * b mod m (m = 0: mod 2^256).
 */
#include <zkrv.h>

#define ECALL_SHA256 4
#define ECALL_MODMUL256 6

void zkrv_sha256_compress(uint32_t state[8], const void *block) {
    register uint32_t r_a0 __asm__("a0") = (uint32_t)(uintptr_t)state;
    register uint32_t r_a1 __asm__("a1") = (uint32_t)(uintptr_t)block;
    register uint32_t r_a7 __asm__("a7") = ECALL_SHA256;
    __asm__ volatile("ecall" : : "r"(r_a0), "r"(r_a1), "r"(r_a7) : "memory");
}

void zkrv_sha256(const void *data, size_t len, uint8_t out[32]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t buf[32]; /* word-aligned staging: unaligned blocks and the padded tail */
    const uint8_t *p = data;
    size_t left = len;
    while (left >= 64) {
        if (((uintptr_t)p & 3) == 0) {
            zkrv_sha256_compress(h, p);
        } else {
            memcpy(buf, p, 64);
            zkrv_sha256_compress(h, buf);
        }
        p += 64;
        left -= 64;
    }
    uint8_t *tail = (uint8_t *)buf;
    size_t n = left + 9 <= 64 ? 64 : 128;
    memcpy(tail, p, left);
    tail[left] = 0x80;
    memset(tail + left + 1, 0, n - left - 1);
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    zkrv_sha256_compress(h, buf);
    if (n == 128) zkrv_sha256_compress(h, buf + 16);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

void zkrv_modmul256(uint32_t out[8], const uint32_t a[8], const uint32_t b[8],
                    const uint32_t m[8]) {
    uint32_t in[24]; /* the call's one input block: a, b, m */
    for (int i = 0; i < 8; i++) {
        in[i] = a[i];
        in[8 + i] = b[i];
        in[16 + i] = m[i];
    }
    register uint32_t r_a0 __asm__("a0") = (uint32_t)(uintptr_t)out;
    register uint32_t r_a1 __asm__("a1") = (uint32_t)(uintptr_t)in;
    register uint32_t r_a7 __asm__("a7") = ECALL_MODMUL256;
    __asm__ volatile("ecall" : : "r"(r_a0), "r"(r_a1), "r"(r_a7) : "memory");
}
