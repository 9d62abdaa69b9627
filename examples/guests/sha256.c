/* SHA-256 of generated data, in software or with the SHA256 precompile (scripts/bench.py accel).
 * Input: two little-endian uint32: the byte count n, then the mode (0: software SHA-256 in guest
 * instructions, 1: zkrv_sha256, the precompile, 2: neither: the cost of everything else). The data
 * is the little-endian words x_i = n + (i + 1) 0x9e3779b9 (mod 2^32) truncated to n bytes (cheap to
 * generate: about 3 cycles per word, so the cycles are mostly hashing). Journal: the 32-byte digest (mode 2: nothing). Exit code 0. */
#include <zkrv.h>

static const uint32_t K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#define ROR(x, n) (((x) >> (n)) | ((x) << (32 - (n))))

/* The software compression: same contract as zkrv_sha256_compress. */
static void soft_compress(uint32_t h[8], const void *block) {
    const uint8_t *p = block;
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ROR(w[i - 15], 7) ^ ROR(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ROR(w[i - 2], 17) ^ ROR(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ROR(e, 6) ^ ROR(e, 11) ^ ROR(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + w[i];
        uint32_t t2 = (ROR(a, 2) ^ ROR(a, 13) ^ ROR(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void soft_sha256(const uint8_t *data, size_t len, uint8_t out[32]) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                     0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    uint32_t buf[32];
    size_t left = len;
    for (; left >= 64; left -= 64, data += 64) soft_compress(h, data);
    uint8_t *tail = (uint8_t *)buf;
    size_t n = left + 9 <= 64 ? 64 : 128;
    memcpy(tail, data, left);
    tail[left] = 0x80;
    memset(tail + left + 1, 0, n - left - 1);
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++) tail[n - 1 - i] = (uint8_t)(bits >> (8 * i));
    for (size_t off = 0; off < n; off += 64) soft_compress(h, tail + off);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(h[i] >> 8);
        out[4 * i + 3] = (uint8_t)h[i];
    }
}

int main(void) {
    uint32_t n = 0, mode = 1;
    zkrv_read(&n, sizeof n);
    zkrv_read(&mode, sizeof mode);
    uint32_t *words = malloc(n + 4);
    uint32_t x = n, count = (n + 3) / 4; /* locals: the stores cannot alias them */
    for (uint32_t i = 0; i < count; i++) words[i] = x += 0x9e3779b9u;
    const uint8_t *data = (const uint8_t *)words;
    uint8_t out[32];
    if (mode == 2) return 0;
    if (mode == 0)
        soft_sha256(data, n, out);
    else
        zkrv_sha256(data, n, out);
    zkrv_commit(out, 32);
    return 0;
}
