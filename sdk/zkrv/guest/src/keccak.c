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

/* The sponge keeps the state as 50 words: RV32 is little-endian, so word 2 i + h is half h of
 * lane i, byte k of the state is byte k of Keccak's state, and absorbing is a word (or byte) XOR:
 * no 64-bit shifts, which RV32 has no instruction for. */
void zkrv_keccak256(const void *data, size_t len, uint8_t out[32]) {
    enum { RATE = 136 };
    uint32_t st[50] __attribute__((aligned(8))) = {0};
    uint8_t *sb = (uint8_t *)st;
    const uint8_t *p = data;
    for (; len >= RATE; len -= RATE, p += RATE) {
        if (((uintptr_t)p & 3) == 0) {
            const uint32_t *w = (const uint32_t *)(const void *)p;
            for (int i = 0; i < RATE / 4; i++) st[i] ^= w[i];
        } else {
            for (int i = 0; i < RATE; i++) sb[i] ^= p[i];
        }
        zkrv_keccak_f((uint64_t *)(void *)st);
    }
    for (size_t i = 0; i < len; i++) sb[i] ^= p[i];
    sb[len] ^= 0x01; /* Keccak's padding: 0x01 ... 0x80 (the same byte when len = RATE - 1) */
    sb[RATE - 1] ^= 0x80;
    zkrv_keccak_f((uint64_t *)(void *)st);
    memcpy(out, sb, 32);
}
