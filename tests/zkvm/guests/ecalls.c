/* ECALL edge cases for the zkVM circuit: raw READs past the end of input, zkrv_commit with
 * edge-case buffers (empty with a null or wild pointer, code bytes: the runtime stages them into
 * COMMIT blocks) and LOG with edge-case buffers (the top of the stack ending exactly at RAM_END). Journal: input length, the bytes read, the counts of 3 raw READs after the
 * input ended, 8 code bytes. Exit code: input length (2^31 + n if a READ past the end of input
 * returned bytes, which the executor never does). */
#include <zkrv.h>

#define RAM_END 0x0C000000u

static uint32_t raw_ecall(uint32_t num, uint32_t arg0, uint32_t arg1) {
    register uint32_t a0 __asm__("a0") = arg0;
    register uint32_t a1 __asm__("a1") = arg1;
    register uint32_t a7 __asm__("a7") = num;
    __asm__ volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a7) : "memory");
    return a0;
}

int main(void) {
    uint32_t word, n = 0, buf[8], counts[3];
    uint8_t *bytes = (uint8_t *)buf;
    for (;;) { /* raw word READs until a short one */
        uint32_t c = raw_ecall(1, (uint32_t)(uintptr_t)&word, 0);
        for (uint32_t i = 0; i < c && n < sizeof buf; i++) bytes[n++] = (uint8_t)(word >> (8 * i));
        if (c < 4) break;
    }
    uint32_t late = 0;
    for (int k = 0; k < 3; k++) {
        counts[k] = raw_ecall(1, (uint32_t)(uintptr_t)&word, 0);
        late |= counts[k] | word;
    }
    zkrv_commit(&n, 4);
    zkrv_commit(buf, n);
    zkrv_commit(counts, sizeof counts);
    zkrv_commit(0, 0);
    zkrv_commit((const void *)(uintptr_t)0xFFFFFFFFu, 0);
    zkrv_commit((const void *)(uintptr_t)&raw_ecall, 8); /* read-only code bytes */
    raw_ecall(3, 0, 0);
    raw_ecall(3, RAM_END - 16, 16); /* the top of the stack, ending exactly at RAM_END */
    zkrv_log("ecalls: done");
    return (int)(late ? 0x80000000u + n : n);
}
