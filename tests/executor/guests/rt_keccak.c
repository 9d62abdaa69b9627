/* The runtime's Keccak (tests/executor/test_executor_keccak.py). Input: a little-endian uint32
 * mode, then the data. Mode 0: commit zkrv_keccak256(data). Mode 1: the same from one byte past
 * a word boundary (the unaligned absorb). Mode 2: data is a 200-byte Keccak state; commit
 * zkrv_keccak_f(state). Modes 3..6 call the KECCAKF ECALL (5) directly on such a state: 3 as
 * documented (commit the permuted state), 4 with a1 = 1, 5 on a misaligned pointer, 6 on the
 * code (read-only). */
#include <zkrv.h>

static uint8_t buf[4096 + 8];

static void keccakf_ecall(void *state, uint32_t a1) {
    register uint32_t r_a0 __asm__("a0") = (uint32_t)(uintptr_t)state;
    register uint32_t r_a1 __asm__("a1") = a1;
    register uint32_t r_a7 __asm__("a7") = 5;
    __asm__ volatile("ecall" : : "r"(r_a0), "r"(r_a1), "r"(r_a7) : "memory");
}

int main(void) {
    uint32_t mode = 0;
    zkrv_read(&mode, sizeof mode);
    uint8_t *p = mode == 1 ? buf + 1 : buf + 4;
    size_t n = 0, got;
    while ((got = zkrv_read(p + n, 4096 - n)) > 0) n += got;
    if (mode >= 3) {
        static uint64_t state[25];
        memcpy(state, p, sizeof state);
        void *at = mode == 5 ? (uint8_t *)state + 2 : mode == 6 ? (void *)main : (void *)state;
        keccakf_ecall(at, mode == 4);
        zkrv_commit(state, sizeof state);
        return 0;
    }
    if (mode == 2) {
        uint64_t state[25];
        memcpy(state, p, sizeof state);
        zkrv_keccak_f(state);
        zkrv_commit(state, sizeof state);
        return 0;
    }
    uint8_t out[32];
    zkrv_keccak256(p, n, out);
    zkrv_commit(out, 32);
    return 0;
}
