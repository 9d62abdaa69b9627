/* Profiler test guest: a recursive function and a loop in separate (non-inlined) functions.
 * Input: a little-endian uint32 n (default 10). Journal: fib(n) + sum of i*i for i < n. */
#include <zkrv.h>

__attribute__((noinline)) static uint32_t fib(uint32_t n) {
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

__attribute__((noinline)) static uint32_t square_sum(uint32_t n) {
    uint32_t s = 0;
    for (uint32_t i = 0; i < n; i++) s += i * i;
    return s;
}

int main(void) {
    uint32_t n = 10;
    zkrv_read(&n, sizeof n);
    uint32_t r = fib(n) + square_sum(n);
    zkrv_commit(&r, sizeof r);
    return 0;
}
