/* Differential guest: integer arithmetic, M-extension edge cases, shifts, comparisons and
 * 64-bit helpers on operands read from the input (so nothing constant-folds). */
#include <zkrv.h>

static uint32_t out[256];
static uint32_t nout, total, h = 2166136261u;

static void put(uint32_t v) {
    out[nout++] = v;
    h = (h ^ v) * 16777619u;
    total++;
    if (nout == 256) {
        zkrv_commit(out, sizeof out);
        nout = 0;
    }
}

static void ops(uint32_t a, uint32_t b) {
    int32_t sa = (int32_t)a, sb = (int32_t)b;
    put(a + b); put(a - b); put(a * b);
    put((uint32_t)(((int64_t)sa * sb) >> 32));
    put((uint32_t)(((int64_t)sa * (uint64_t)b) >> 32));
    put((uint32_t)(((uint64_t)a * b) >> 32));
    /* C leaves x/0 and INT_MIN/-1 undefined: compute RISC-V's results explicitly via asm */
    uint32_t q, r, qu, ru;
    __asm__ volatile("div %0, %1, %2" : "=r"(q) : "r"(a), "r"(b));
    __asm__ volatile("rem %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    __asm__ volatile("divu %0, %1, %2" : "=r"(qu) : "r"(a), "r"(b));
    __asm__ volatile("remu %0, %1, %2" : "=r"(ru) : "r"(a), "r"(b));
    put(q); put(r); put(qu); put(ru);
    put(a << (b & 31)); put(a >> (b & 31)); put((uint32_t)(sa >> (b & 31)));
    uint32_t sll, srl, sra;
    __asm__ volatile("sll %0, %1, %2" : "=r"(sll) : "r"(a), "r"(b));  /* unmasked amount */
    __asm__ volatile("srl %0, %1, %2" : "=r"(srl) : "r"(a), "r"(b));
    __asm__ volatile("sra %0, %1, %2" : "=r"(sra) : "r"(a), "r"(b));
    put(sll); put(srl); put(sra);
    put(sa < sb); put(a < b); put(sa < 5); put(a < 0xFFFFF800u);
    put(a ^ b); put(a | b); put(a & b); put(~a);
    uint64_t A = ((uint64_t)a << 32) | b, B = ((uint64_t)b << 7) ^ a;
    int64_t SA = (int64_t)A, SB = (int64_t)B;
    if (B) { uint64_t x = A / B, y = A % B; put((uint32_t)x); put((uint32_t)(x >> 32)); put((uint32_t)y); put((uint32_t)(y >> 32)); }
    if (SB && !(SA == INT64_MIN && SB == -1)) {
        int64_t x = SA / SB, y = SA % SB;
        put((uint32_t)x); put((uint32_t)((uint64_t)x >> 32)); put((uint32_t)y); put((uint32_t)((uint64_t)y >> 32));
    }
    uint64_t P = A * B;
    put((uint32_t)P); put((uint32_t)(P >> 32));
    put((uint32_t)(A >> (b & 63))); put((uint32_t)((uint64_t)(SA >> (a & 63)) >> 16)); put((uint32_t)(A << (a & 63)));
}

int main(void) {
    static const uint32_t edge[] = {0, 1, 2, 3, 7, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFF,
                                    0xFFFFFFFE, 0x12345678, 0xDEADBEEF, 31, 32, 33};
    const unsigned ne = sizeof edge / sizeof edge[0];
    for (unsigned i = 0; i < ne; i++)
        for (unsigned j = 0; j < ne; j++) ops(edge[i], edge[j]);
    uint32_t v[2];
    while (zkrv_read(v, 8) == 8) ops(v[0], v[1]);
    zkrv_commit(out, nout * 4);
    zkrv_commit(&total, 4);
    return (int)(h & 0x7F);
}
