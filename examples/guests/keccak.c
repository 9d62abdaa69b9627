/* Keccak-256 of generated data, in software or with the KECCAKF precompile (scripts/bench.py
 * accel). Input: two little-endian uint32: the byte count n, then the mode (0: Keccak-256 over this
 * file's Keccak-f[1600] in guest instructions, 1: zkrv_keccak256, the precompile, 2: neither: the
 * cost of everything else). The data is the same as sha256.c's: the little-endian words
 * x_i = n + (i + 1) 0x9e3779b9 (mod 2^32) truncated to n bytes. Journal: the 32-byte digest (mode
 * 2: nothing). Exit code 0. */
#include <zkrv.h>

static const uint64_t RC[24] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808aull, 0x8000000080008000ull,
    0x000000000000808bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000aull,
    0x000000008000808bull, 0x800000000000008bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800aull, 0x800000008000000aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

static inline uint64_t rotl(uint64_t x, unsigned n) { return (x << n) | (x >> (64 - n)); }

/* One rho + pi step along the lane cycle that starts at lane (1, 0): lane `dst` receives the
 * previous lane rotated by `rot`. Unrolled with constant offsets: a 64-bit rotation by a
 * constant is six RV32 instructions, by a variable one a branchy sequence. */
#define RP(dst, rot)            \
    do {                        \
        uint64_t t = a[dst];    \
        a[dst] = rotl(cur, rot); \
        cur = t;                \
    } while (0)

#define THETA(x)                                                           \
    do {                                                                   \
        uint64_t d = c[((x) + 4) % 5] ^ rotl(c[((x) + 1) % 5], 1);         \
        a[(x)] ^= d;                                                       \
        a[(x) + 5] ^= d;                                                   \
        a[(x) + 10] ^= d;                                                  \
        a[(x) + 15] ^= d;                                                  \
        a[(x) + 20] ^= d;                                                  \
    } while (0)

#define CHI(y)                                                             \
    do {                                                                   \
        uint64_t r0 = a[(y)], r1 = a[(y) + 1], r2 = a[(y) + 2], r3 = a[(y) + 3], r4 = a[(y) + 4]; \
        a[(y)] = r0 ^ (~r1 & r2);                                          \
        a[(y) + 1] = r1 ^ (~r2 & r3);                                      \
        a[(y) + 2] = r2 ^ (~r3 & r4);                                      \
        a[(y) + 3] = r3 ^ (~r4 & r0);                                      \
        a[(y) + 4] = r4 ^ (~r0 & r1);                                      \
    } while (0)

static void soft_keccak_f(uint64_t a[25]) {
    for (int round = 0; round < 24; round++) {
        uint64_t c[5];
        for (int x = 0; x < 5; x++) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        THETA(0);
        THETA(1);
        THETA(2);
        THETA(3);
        THETA(4);
        /* the rho offsets and pi destinations of FIPS 202 (sections 3.2.2, 3.2.3) */
        uint64_t cur = a[1];
        RP(10, 1);
        RP(7, 3);
        RP(11, 6);
        RP(17, 10);
        RP(18, 15);
        RP(3, 21);
        RP(5, 28);
        RP(16, 36);
        RP(8, 45);
        RP(21, 55);
        RP(24, 2);
        RP(4, 14);
        RP(15, 27);
        RP(23, 41);
        RP(19, 56);
        RP(13, 8);
        RP(12, 25);
        RP(2, 43);
        RP(20, 62);
        RP(14, 18);
        RP(22, 39);
        RP(9, 61);
        RP(6, 20);
        RP(1, 44);
        CHI(0);
        CHI(5);
        CHI(10);
        CHI(15);
        CHI(20);
        a[0] ^= RC[round];
    }
}

/* Keccak-256 with the software permutation: whole blocks a word at a time (the data is
 * word-aligned), the tail byte by byte, then Keccak's 0x01 ... 0x80 padding. */
static void soft_keccak256(const uint32_t *words, size_t len, uint8_t out[32]) {
    enum { RATE = 136 };
    uint64_t a[25] = {0};
    for (; len >= RATE; len -= RATE, words += RATE / 4) {
        for (int i = 0; i < RATE / 4; i++) a[i / 2] ^= (uint64_t)words[i] << (32 * (i % 2));
        soft_keccak_f(a);
    }
    const uint8_t *p = (const uint8_t *)words;
    for (size_t i = 0; i < len; i++) a[i / 8] ^= (uint64_t)p[i] << (8 * (i % 8));
    a[len / 8] ^= (uint64_t)0x01 << (8 * (len % 8));
    a[(RATE - 1) / 8] ^= (uint64_t)0x80 << (8 * ((RATE - 1) % 8));
    soft_keccak_f(a);
    for (int i = 0; i < 32; i++) out[i] = (uint8_t)(a[i / 8] >> (8 * (i % 8)));
}

int main(void) {
    uint32_t n = 0, mode = 0;
    zkrv_read(&n, sizeof n);
    zkrv_read(&mode, sizeof mode);
    uint32_t *words = malloc(n + 4);
    uint32_t x = n, count = (n + 3) / 4;
    for (uint32_t i = 0; i < count; i++) words[i] = x += 0x9e3779b9u;
    if (mode == 2) return 0;
    uint8_t out[32];
    if (mode == 0)
        soft_keccak256(words, n, out);
    else
        zkrv_keccak256(words, n, out);
    zkrv_commit(out, 32);
    return 0;
}
