/* Fibonacci: the main job's example guest.
 * Input: a little-endian uint32 n (default 50 when the input is empty).
 * Journal: n (4 bytes) then fib(n) mod 2^64 (8 bytes, little-endian). Exit code 0. */
#include <zkrv.h>

int main(void) {
    uint32_t n = 50;
    zkrv_read(&n, sizeof n);
    uint64_t a = 0, b = 1;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t t = a + b;
        a = b;
        b = t;
    }
    zkrv_log("fibonacci: done");
    zkrv_commit(&n, sizeof n);
    zkrv_commit(&a, sizeof a);
    return 0;
}
