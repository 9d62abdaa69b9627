/* A chain of 256-bit modular multiplications, in software or with the MODMUL256 precompile
 * (scripts/bench.py accel). Input: two little-endian uint32: the count n, then the mode (0:
 * software modmul in guest instructions, 1: zkrv_modmul256, the precompile, 2: neither: the cost
 * of everything else), then 64 bytes: x0 and c, each a little-endian 256-bit integer below the
 * modulus p = 2^256 - 2^32 - 977 (secp256k1's field). The guest computes x_(i+1) = x_i c mod p
 * for i < n. Journal: x_n, 32 bytes little-endian (mode 2: x0). Exit code 0. */
#include <zkrv.h>

static const uint32_t P[8] = {0xfffffc2f, 0xfffffffe, 0xffffffff, 0xffffffff,
                              0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff};

/* x >= y, 8-word little-endian. */
static int geq(const uint32_t x[8], const uint32_t y[8]) {
    for (int i = 7; i >= 0; i--)
        if (x[i] != y[i]) return x[i] > y[i];
    return 1;
}

/* x -= y; returns the borrow. */
static uint32_t sub(uint32_t x[8], const uint32_t y[8]) {
    uint32_t borrow = 0;
    for (int i = 0; i < 8; i++) {
        uint32_t d = x[i] - y[i];
        uint32_t b1 = x[i] < y[i];
        x[i] = d - borrow;
        borrow = b1 | (d < borrow);
    }
    return borrow;
}

/* x += y; returns the carry. */
static uint32_t add(uint32_t x[8], const uint32_t y[8]) {
    uint32_t carry = 0;
    for (int i = 0; i < 8; i++) {
        uint32_t s = x[i] + y[i];
        uint32_t c1 = s < y[i];
        x[i] = s + carry;
        carry = c1 | (x[i] < carry);
    }
    return carry;
}

/* x = x + y mod m, for x, y < m. */
static void addmod(uint32_t x[8], const uint32_t y[8], const uint32_t m[8]) {
    if (add(x, y) || geq(x, m)) sub(x, m);
}

/* out = a b mod m for a, b < m: double-and-add over b's bits, most significant first. */
static void soft_modmul(uint32_t out[8], const uint32_t a[8], const uint32_t b[8],
                        const uint32_t m[8]) {
    uint32_t r[8] = {0};
    for (int i = 255; i >= 0; i--) {
        uint32_t t[8];
        memcpy(t, r, sizeof t);
        addmod(r, t, m);
        if ((b[i >> 5] >> (i & 31)) & 1) addmod(r, a, m);
    }
    memcpy(out, r, sizeof r);
}

int main(void) {
    uint32_t hdr[2], x[8], c[8];
    if (zkrv_read(hdr, sizeof hdr) != sizeof hdr || zkrv_read(x, sizeof x) != sizeof x ||
        zkrv_read(c, sizeof c) != sizeof c)
        return 1;
    for (uint32_t i = 0; i < hdr[0] && hdr[1] != 2; i++) {
        if (hdr[1] == 0)
            soft_modmul(x, x, c, P);
        else
            zkrv_modmul256(x, x, c, P);
    }
    zkrv_commit(x, sizeof x);
    return 0;
}
