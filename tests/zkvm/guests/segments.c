/* Segment test guest: loads, stores, branches, every ECALL kind, across many segments.
 * Input: up to 64 bytes (a seed). Sorts 48 pseudo-random words derived from it (insertion
 * sort), hashes them with the SHA256 precompile (zkrv_sha256), logs, commits the digest and the
 * two smallest words; the exit code is the smallest word's low byte. */
#include <zkrv.h>

#define N 48
static uint32_t buf[N];

int main(void) {
    uint8_t in[64];
    size_t n = zkrv_read(in, sizeof in);
    uint32_t x = 1;
    for (size_t i = 0; i < n; i++) x = x * 31u + in[i];
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = x;
    }
    for (int i = 1; i < N; i++) {
        uint32_t v = buf[i];
        int j = i - 1;
        while (j >= 0 && buf[j] > v) {
            buf[j + 1] = buf[j];
            j--;
        }
        buf[j + 1] = v;
    }
    uint8_t out[32];
    zkrv_sha256(buf, sizeof buf, out);
    zkrv_log("segments: sorted and hashed");
    zkrv_commit(out, 32);
    zkrv_commit(buf, 8);
    return (int)(buf[0] & 0xff);
}
