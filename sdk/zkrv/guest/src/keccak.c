/* Keccak-f[1600] and Ethereum's Keccak-256, in guest instructions (FIPS 202's permutation with
 * the original Keccak padding, not SHA3-256's). Not yet a precompile: every permutation costs
 * about 16,000 proven guest cycles (docs/zkvm-accel.md, "Keccak"). */
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

void zkrv_keccak_f(uint64_t a[25]) {
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
