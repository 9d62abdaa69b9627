/* Runtime test: raw ECALLs the SDK would never make (selected by the first input byte). */
#include <zkrv.h>
static uint32_t block[16] = {1, 2, 3, 4, 5, 6, 7, 8};
static long ecall(long n, long a, long b) {
    register long a0 __asm__("a0") = a;
    register long a1 __asm__("a1") = b;
    register long a7 __asm__("a7") = n;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return a0;
}
int main(void) {
    uint8_t which = 0;
    zkrv_read(&which, 1);
    switch (which) {
    case 0: ecall(2, 0, (long)block); ecall(0, 0, 0); break; /* HALT after an unpadded block */
    case 1: ecall(77, 0, 0); break;                         /* unknown ECALL */
    case 2: ecall(2, 0, 0x100); break;                      /* COMMIT from the null guard */
    case 3: ecall(1, (long)&block[0] + 2, 0); break;        /* READ to a misaligned pointer */
    case 4: ecall(1, 0x10000, 0); break;                    /* READ into a code page */
    case 5: ecall(2, (long)block, (long)block); break;      /* COMMIT with a0 != 0 */
    case 6: ecall(3, 0x0BFFFFF0, 0x20); break;              /* LOG running off RAM */
    case 7: { volatile uint32_t *p = (uint32_t *)0x10; *p = 1; break; }  /* null guard */
    case 8: __builtin_trap();                               /* unimp: illegal instruction */
    case 9: ecall(0, 0, 0); break;                          /* HALT without any block */
    case 10: ecall(2, 0, (long)block + 2); break;           /* COMMIT, misaligned block */
    }
    return 0;
}
