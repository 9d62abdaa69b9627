/* Ethereum's Keccak-256 (FIPS 202's permutation with the original Keccak padding, not SHA3-256's)
 * over the KECCAKF precompile (ECALL 5, proven by the keccak_f table: docs/zkvm-accel.md). */
#include <zkrv.h>

#define ECALL_KECCAKF 5

void zkrv_keccak_f(uint64_t a[25]) {
    register uint32_t r_a0 __asm__("a0") = (uint32_t)(uintptr_t)a;
    register uint32_t r_a1 __asm__("a1") = 0;
    register uint32_t r_a7 __asm__("a7") = ECALL_KECCAKF;
    __asm__ volatile("ecall" : : "r"(r_a0), "r"(r_a1), "r"(r_a7) : "memory");
}

/* Absorbs len bytes into the rate (136 bytes) of the state, byte by byte, little-endian lanes. */
static void absorb(uint64_t a[25], const uint8_t *p, size_t len, size_t off) {
    for (size_t i = 0; i < len; i++, off++) a[off / 8] ^= (uint64_t)p[i] << (8 * (off % 8));
}

void zkrv_keccak256(const void *data, size_t len, uint8_t out[32]) {
    enum { RATE = 136 };
    uint64_t a[25] = {0};
    const uint8_t *p = data;
    for (; len >= RATE; len -= RATE, p += RATE) {
        if (((uintptr_t)p & 3) == 0) {
            /* word-aligned: whole little-endian words into the lanes' halves */
            const uint32_t *w = (const uint32_t *)(const void *)p;
            for (int i = 0; i < RATE / 4; i++) a[i / 2] ^= (uint64_t)w[i] << (32 * (i % 2));
        } else {
            absorb(a, p, RATE, 0);
        }
        zkrv_keccak_f(a);
    }
    absorb(a, p, len, 0);
    const uint8_t first = 0x01, last = 0x80;
    absorb(a, &first, 1, len);
    absorb(a, &last, 1, RATE - 1);
    zkrv_keccak_f(a);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}
