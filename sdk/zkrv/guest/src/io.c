/* zkrv guest I/O over ECALL (numbers and registers: docs/executor.md, zkrv_prover/executor/abi.py)
 *   a7 = 0 HALT   a0 = exit code; the journal digest is the machine's journal state
 *   a7 = 1 READ   a0 = word-aligned pointer; host writes one word there, a0 <- bytes (0..4)
 *   a7 = 2 COMMIT a0 = 0, a1 = word-aligned 64-byte block: appended to the journal and
 *                 compressed into the journal state (SHA-256), proven by the circuit
 *   a7 = 3 LOG    a0 = pointer, a1 = length: text to the host log
 * The journal is SHA-256 padded here (zkrv_exit) before HALT: the machine requires it.
 */
#include <zkrv.h>

#define ECALL_HALT 0
#define ECALL_READ 1
#define ECALL_COMMIT 2
#define ECALL_LOG 3

static inline uint32_t ecall2(uint32_t num, uint32_t a0, uint32_t a1) {
    register uint32_t r_a0 __asm__("a0") = a0;
    register uint32_t r_a1 __asm__("a1") = a1;
    register uint32_t r_a7 __asm__("a7") = num;
    __asm__ volatile("ecall" : "+r"(r_a0) : "r"(r_a1), "r"(r_a7) : "memory");
    return r_a0;
}

static uint32_t journal_block[16]; /* word-aligned staging of the journal's partial block */
static uint32_t journal_fill;      /* bytes staged in journal_block (0..63) */
static uint64_t journal_len;       /* bytes committed so far */

static uint32_t stage;             /* last input word read, and how many bytes remain in it */
static uint32_t stage_left;
static int input_done;

size_t zkrv_read(void *buf, size_t len) {
    uint8_t *out = buf;
    size_t got = 0;
    while (got < len) {
        if (stage_left == 0) {
            if (input_done) break;
            uint32_t n = ecall2(ECALL_READ, (uint32_t)(uintptr_t)&stage, 0);
            if (n == 0) {
                input_done = 1;
                break;
            }
            stage_left = n;   /* little-endian: the next byte is the low byte of stage */
            if (n == 4 && len - got >= 4 && ((uintptr_t)(out + got) & 3) == 0) {
                *(uint32_t *)(void *)(out + got) = stage;   /* fast path: whole aligned word */
                got += 4;
                stage_left = 0;
                continue;
            }
        }
        out[got++] = (uint8_t)stage;
        stage >>= 8;
        stage_left--;
    }
    return got;
}

static void commit_block(const void *block) {
    ecall2(ECALL_COMMIT, 0, (uint32_t)(uintptr_t)block);
}

void zkrv_commit(const void *buf, size_t len) {
    const uint8_t *p = buf;
    uint8_t *stage8 = (uint8_t *)journal_block;
    journal_len += len;
    while (len > 0) {
        if (journal_fill == 0 && len >= 64 && ((uintptr_t)p & 3) == 0) {
            commit_block(p); /* whole aligned blocks go to the machine without a copy */
            p += 64;
            len -= 64;
            continue;
        }
        size_t n = 64 - journal_fill < len ? 64 - journal_fill : len;
        memcpy(stage8 + journal_fill, p, n);
        journal_fill += n;
        p += n;
        len -= n;
        if (journal_fill == 64) {
            commit_block(journal_block);
            journal_fill = 0;
        }
    }
}

void zkrv_log(const char *msg) {
    ecall2(ECALL_LOG, (uint32_t)(uintptr_t)msg, (uint32_t)strlen(msg));
}

_Noreturn void zkrv_exit(uint32_t code) {
    /* SHA-256 padding (FIPS 180-4, 5.1.1): 0x80, zeros, the 64-bit big-endian bit length */
    uint8_t *stage8 = (uint8_t *)journal_block;
    uint64_t bits = journal_len * 8;
    stage8[journal_fill++] = 0x80;
    if (journal_fill > 56) {
        memset(stage8 + journal_fill, 0, 64 - journal_fill);
        commit_block(journal_block);
        journal_fill = 0;
    }
    memset(stage8 + journal_fill, 0, 56 - journal_fill);
    for (int i = 0; i < 8; i++) stage8[63 - i] = (uint8_t)(bits >> (8 * i));
    commit_block(journal_block);
    ecall2(ECALL_HALT, code, 0);
    for (;;) {
    }
}
