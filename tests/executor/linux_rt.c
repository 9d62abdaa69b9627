/* Test-only runtime: the zkrv guest API on Linux syscalls, so the same C program runs under
 * Debian's qemu-riscv32 as an independent reference (journal -> stdout, input <- stdin). */
#include <zkrv.h>

static long sys3(long n, long a, long b, long c) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a2 __asm__("a2") = c;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7) : "memory");
    return a0;
}

size_t zkrv_read(void *buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        long n = sys3(63, 0, (long)((char *)buf + got), (long)(len - got));
        if (n <= 0) break;
        got += (size_t)n;
    }
    return got;
}

void zkrv_commit(const void *buf, size_t len) {
    while (len) {
        long n = sys3(64, 1, (long)buf, (long)len);
        if (n <= 0) zkrv_exit(255);
        buf = (const char *)buf + n;
        len -= (size_t)n;
    }
}

void zkrv_log(const char *msg) {
    sys3(64, 2, (long)msg, (long)strlen(msg));
    sys3(64, 2, (long)"\n", 1);
}

_Noreturn void zkrv_exit(uint32_t code) {
    for (;;) sys3(93, (long)code, 0, 0);
}

char __heap_start[8 << 20];

int main(void);

void __linux_start(void) { zkrv_exit((uint32_t)main()); }

__asm__(".section .text.linux_start, \"ax\"\n.globl _start\n_start:\n  call __linux_start\n");
