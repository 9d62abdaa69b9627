/* Keccak-256 of generated data (scripts/bench.py accel). Input: two little-endian uint32: the byte
 * count n, then the mode (0: zkrv_keccak256, today in guest instructions; 2: no hashing: the cost
 * of everything else). The data is the same as sha256.c's: the little-endian words
 * x_i = n + (i + 1) 0x9e3779b9 (mod 2^32) truncated to n bytes. Journal: the 32-byte digest (mode
 * 2: nothing). Exit code 0. */
#include <zkrv.h>

int main(void) {
    uint32_t n = 0, mode = 0;
    zkrv_read(&n, sizeof n);
    zkrv_read(&mode, sizeof mode);
    uint32_t *words = malloc(n + 4);
    uint32_t x = n, count = (n + 3) / 4;
    for (uint32_t i = 0; i < count; i++) words[i] = x += 0x9e3779b9u;
    if (mode == 2) return 0;
    uint8_t out[32];
    zkrv_keccak256(words, n, out);
    zkrv_commit(out, 32);
    return 0;
}
