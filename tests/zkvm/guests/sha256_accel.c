/* SHA-256 precompile test guest. Input: a mode word, then data.
 *   mode 0: commit zkrv_sha256(data) (any length, the data at an unaligned offset when the
 *           second byte of the mode word is 1)
 *   mode 1: data = 32-byte state (native words) + 64-byte block; commit the state after one
 *           zkrv_sha256_compress
 *   mode 2: like mode 1 with the block overlapping the state (block = state bytes + 32 more)
 */
#include <zkrv.h>

static uint8_t data[4096 + 4];
static uint32_t words[32];

int main(void) {
    uint32_t mode = 0;
    zkrv_read(&mode, 4);
    if ((mode & 0xff) == 0) {
        size_t off = (mode >> 8) & 1;
        size_t n = zkrv_read(data + off, sizeof(data) - off);
        uint8_t out[32];
        zkrv_sha256(data + off, n, out);
        zkrv_commit(out, 32);
        return (int)n;
    }
    if ((mode & 0xff) == 1) {
        zkrv_read(words, 96);
        zkrv_sha256_compress(words, words + 8);
        zkrv_commit(words, 32);
        return 1;
    }
    zkrv_read(words, 64);
    zkrv_sha256_compress(words, words);
    zkrv_commit(words, 32);
    return 2;
}
