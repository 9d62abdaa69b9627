/* Differential guest: switch jump tables, recursion, function pointers, loops with
 * data-dependent branches, and a journal of input-dependent length (exercises the guest's
 * journal SHA-256 on every length). */
#include <zkrv.h>

static int ack(int m, int n) {
    if (m == 0) return n + 1;
    if (n == 0) return ack(m - 1, 1);
    return ack(m - 1, ack(m, n - 1));
}

static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }

__attribute__((noinline)) static uint32_t dispatch(uint32_t op, uint32_t x) {
    switch (op) {   /* dense: becomes a jump table at -O2 */
    case 0: return x + 1;
    case 1: return x * 3;
    case 2: return x ^ 0x5555;
    case 3: return x >> 1;
    case 4: return x << 2;
    case 5: return ~x;
    case 6: return x - 77;
    case 7: return x * x;
    case 8: return x | 0x100;
    case 9: return x & 0xFF00FF;
    case 10: return x + (x >> 3);
    default: return x + op;
    }
}

static uint32_t f_add(uint32_t a, uint32_t b) { return a + b; }
static uint32_t f_mul(uint32_t a, uint32_t b) { return a * b; }
static uint32_t f_xor(uint32_t a, uint32_t b) { return a ^ b; }
static uint32_t (*const table[3])(uint32_t, uint32_t) = {f_add, f_mul, f_xor};

int main(void) {
    uint8_t in[32] = {0};
    size_t n = zkrv_read(in, sizeof in);
    uint32_t x = 12345;
    for (size_t i = 0; i < n; i++) x = dispatch(in[i] % 14, x);
    zkrv_commit(&x, 4);
    uint32_t r[4] = {(uint32_t)ack(2, 3 + (n & 3)), fib(15 + (n & 3)), 0, 0};
    for (size_t i = 0; i < n; i++) r[2] = table[in[i] % 3](r[2] + 1, in[i]);
    for (uint32_t i = 0; i < 100; i++) r[3] += (i & 1) ? i * 3 : (i % 7 == 0 ? 1000 : i);
    zkrv_commit(r, sizeof r);
    /* a journal whose length depends on the input: 0..(n*17) bytes */
    uint8_t blob[600];
    size_t len = (n * 17) % sizeof blob;
    for (size_t i = 0; i < len; i++) blob[i] = (uint8_t)(i * 7 + x);
    zkrv_commit(blob, len);
    return (int)(x % 200);
}
