/* Sort: a CPU-bound guest (also the executor benchmark).
 * Input: optional little-endian uint32 n (default 1000) and uint32 seed (default 1).
 * Fills n words from a xorshift generator, insertion-sorts them, and commits n, the checksum
 * sum(i * a[i]) mod 2^32 and the smallest/largest element. Exit code 0 iff sorted. */
#include <zkrv.h>

static uint32_t xorshift32(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

int main(void) {
    uint32_t n = 1000, seed = 1;
    zkrv_read(&n, 4);
    zkrv_read(&seed, 4);
    if (seed == 0) seed = 1;
    uint32_t *a = n <= (1u << 24) ? malloc(n * sizeof *a) : NULL;
    if (!a) {
        zkrv_log("sort: out of memory");
        return 2;
    }
    for (uint32_t i = 0; i < n; i++) a[i] = xorshift32(&seed);
    for (uint32_t i = 1; i < n; i++) {
        uint32_t v = a[i], j = i;
        while (j > 0 && a[j - 1] > v) {
            a[j] = a[j - 1];
            j--;
        }
        a[j] = v;
    }
    uint32_t sum = 0, sorted = 1;
    for (uint32_t i = 0; i < n; i++) {
        sum += i * a[i];
        if (i && a[i - 1] > a[i]) sorted = 0;
    }
    uint32_t out[4] = {n, sum, n ? a[0] : 0, n ? a[n - 1] : 0};
    zkrv_commit(out, sizeof out);
    free(a);
    return sorted ? 0 : 1;
}
