/* 64-bit division helpers clang calls on rv32 (libgcc/compiler-rt ABI):
 * __udivdi3, __umoddi3, __divdi3, __moddi3, __udivmoddi4. Division by zero is undefined in C;
 * here it returns quotient all-ones and remainder = dividend, mirroring RISC-V DIVU/REMU. */
#include <stdint.h>

/* Number of significant bits of x (0 for 0), without builtins (no Zbb: they would be calls). */
static int bitlen64(uint64_t x) {
    int n = 0;
    if (x >> 32) { n += 32; x >>= 32; }
    if (x >> 16) { n += 16; x >>= 16; }
    if (x >> 8) { n += 8; x >>= 8; }
    if (x >> 4) { n += 4; x >>= 4; }
    if (x >> 2) { n += 2; x >>= 2; }
    if (x >> 1) { n += 1; x >>= 1; }
    return n + (int)x;
}

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
    if (d == 0) {
        if (rem) *rem = n;
        return ~(uint64_t)0;
    }
    uint64_t q = 0;
    if ((d >> 32) == 0 && (n >> 32) == 0) {  /* 32-bit fast path: one hardware DIVU/REMU */
        uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
        if (rem) *rem = n32 % d32;
        return n32 / d32;
    }
    if (n >= d) {
        /* restoring division over the bits where the quotient can be non-zero: align d's top
         * bit with n's (no overflow), then one compare-subtract per quotient bit */
        int shift = bitlen64(n) - bitlen64(d);
        d <<= shift;
        for (int i = 0; i <= shift; i++) {
            q <<= 1;
            if (n >= d) {
                n -= d;
                q |= 1;
            }
            d >>= 1;
        }
    }
    if (rem) *rem = n;
    return q;
}

uint64_t __udivdi3(uint64_t n, uint64_t d) { return __udivmoddi4(n, d, 0); }

uint64_t __umoddi3(uint64_t n, uint64_t d) {
    uint64_t r;
    __udivmoddi4(n, d, &r);
    return r;
}

int64_t __divdi3(int64_t n, int64_t d) {
    uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
    uint64_t q = __udivmoddi4(un, ud, 0);
    return (int64_t)(((n < 0) != (d < 0)) ? -q : q);
}

int64_t __moddi3(int64_t n, int64_t d) {
    uint64_t un = n < 0 ? -(uint64_t)n : (uint64_t)n;
    uint64_t ud = d < 0 ? -(uint64_t)d : (uint64_t)d;
    uint64_t r;
    __udivmoddi4(un, ud, &r);
    return (int64_t)(n < 0 ? -r : r);
}
