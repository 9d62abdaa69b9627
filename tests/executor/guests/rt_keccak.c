/* The runtime's Keccak (tests/executor/test_executor_keccak.py). Input: a little-endian uint32
 * mode, then the data. Mode 0: commit zkrv_keccak256(data). Mode 1: the same from one byte past
 * a word boundary (the unaligned absorb). Mode 2: data is a 200-byte Keccak state; commit
 * zkrv_keccak_f(state). */
#include <zkrv.h>

static uint8_t buf[4096 + 8];

int main(void) {
    uint32_t mode = 0;
    zkrv_read(&mode, sizeof mode);
    uint8_t *p = mode == 1 ? buf + 1 : buf + 4;
    size_t n = 0, got;
    while ((got = zkrv_read(p + n, 4096 - n)) > 0) n += got;
    if (mode == 2) {
        uint64_t state[25];
        memcpy(state, p, sizeof state);
        zkrv_keccak_f(state);
        zkrv_commit(state, sizeof state);
        return 0;
    }
    uint8_t out[32];
    zkrv_keccak256(p, n, out);
    zkrv_commit(out, 32);
    return 0;
}
