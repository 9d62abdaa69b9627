/* Runtime test: malloc/calloc/realloc/free keep blocks disjoint and contents intact. */
#include <string.h>
#include <zkrv.h>
int main(void) {
    uint8_t *p[64];
    uint32_t seed = 7;
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 64; i++) {
            seed = seed * 1103515245u + 12345u;
            size_t n = 1 + (seed >> 16) % 300;
            p[i] = (i & 1) ? malloc(n) : calloc(n, 1);
            if (!p[i] || ((uintptr_t)p[i] & 7)) return 1;
            if (!(i & 1)) for (size_t j = 0; j < n; j++) if (p[i][j]) return 2;
            memset(p[i], i, n);
            p[i] = realloc(p[i], n + 64);
            for (size_t j = 0; j < n; j++) if (p[i][j] != (uint8_t)i) return 3;
            memset(p[i], i, n + 64);
        }
        for (int i = 0; i < 64; i++) {
            for (size_t j = 0; j < 65; j++) if (p[i][j] != (uint8_t)i) return 4;
            free(p[i]);
        }
    }
    if (malloc(0x0C000000) != 0) return 5;  /* larger than the heap */
    zkrv_log("heap ok");
    return 0;
}
