/* Big-integer arithmetic: 3^k as 32-bit limbs (MUL/MULHU carries), then its decimal digits by
 * repeated division by 10 (DIVU/REMU), signed 64-bit division helpers too. Input: k (u32,
 * default 60). Commits the limb count, the limbs and the number of decimal digits. */
#include <zkrv.h>

#define LIMBS 16

int main(void) {
    uint32_t k = 60;
    zkrv_read(&k, 4);
    if (k > 300) k = 300;
    uint32_t a[LIMBS] = {1};
    for (uint32_t i = 0; i < k; i++) {
        uint32_t carry = 0;
        for (int j = 0; j < LIMBS; j++) {
            uint64_t p = (uint64_t)a[j] * 3u + carry;
            a[j] = (uint32_t)p;
            carry = (uint32_t)(p >> 32);
        }
    }
    uint32_t t[LIMBS], digits = 0;
    for (int j = 0; j < LIMBS; j++) t[j] = a[j];
    for (;;) {
        int nz = 0;
        uint32_t rem = 0;
        for (int j = LIMBS - 1; j >= 0; j--) {
            uint64_t cur = ((uint64_t)rem << 32) | t[j];
            t[j] = (uint32_t)(cur / 10u);
            rem = (uint32_t)(cur % 10u);
            nz |= t[j] != 0;
        }
        digits++;
        if (!nz) break;
    }
    int64_t s = -(int64_t)a[0] * 7;
    int32_t q = (int32_t)(s / -3), r = (int32_t)(s % 5);
    uint32_t n = LIMBS;
    zkrv_commit(&n, 4);
    zkrv_commit(a, sizeof a);
    zkrv_commit(&digits, 4);
    zkrv_commit(&q, 4);
    zkrv_commit(&r, 4);
    return 0;
}
