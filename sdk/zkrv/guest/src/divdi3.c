/* 64-bit division helpers clang calls on rv32 (libgcc/compiler-rt ABI):
 * __udivdi3, __umoddi3, __divdi3, __moddi3, __udivmoddi4. Division by zero is undefined in C;
 * here it returns quotient all-ones and remainder = dividend, mirroring RISC-V DIVU/REMU. */
#include <stdint.h>

uint64_t __udivmoddi4(uint64_t n, uint64_t d, uint64_t *rem) {
    if (d == 0) {
        if (rem) *rem = n;
        return ~(uint64_t)0;
    }
    uint64_t q = 0, r = 0;
    if ((d >> 32) == 0 && (n >> 32) == 0) {  /* 32-bit fast path: one hardware DIVU/REMU */
        uint32_t n32 = (uint32_t)n, d32 = (uint32_t)d;
        q = n32 / d32;
        r = n32 % d32;
    } else {
        /* shift-subtract, starting from the dividend's highest set bit */
        int bit = 63;
        while (bit > 0 && !((n >> bit) & 1)) bit--;
        for (; bit >= 0; bit--) {
            uint64_t carry = r >> 63;   /* r < d, but 2r can exceed 64 bits when d >= 2^63 */
            r = (r << 1) | ((n >> bit) & 1);
            if (carry || r >= d) {
                r -= d;
                q |= (uint64_t)1 << bit;
            }
        }
    }
    if (rem) *rem = r;
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
