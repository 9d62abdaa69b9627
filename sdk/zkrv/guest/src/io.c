/* zkrv guest I/O over ECALL (numbers and registers: docs/executor.md, zkrv_prover/executor/abi.py)
 *   a7 = 0 HALT   a0 = exit code, a1 = word-aligned pointer to the 32-byte journal digest
 *   a7 = 1 READ   a0 = word-aligned pointer; host writes one word there, a0 <- bytes (0..4)
 *   a7 = 2 COMMIT a0 = pointer, a1 = length: append to the journal
 *   a7 = 3 LOG    a0 = pointer, a1 = length: text to the host log
 */
#include <zkrv.h>

#include "sha256.h"

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

static zkrv_sha256_ctx journal_hash;
static int journal_hash_ready;
static uint32_t digest_words[8];   /* word-aligned home of the digest passed to HALT */

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

void zkrv_commit(const void *buf, size_t len) {
    if (!journal_hash_ready) {
        zkrv_sha256_init(&journal_hash);
        journal_hash_ready = 1;
    }
    zkrv_sha256_update(&journal_hash, buf, len);
    ecall2(ECALL_COMMIT, (uint32_t)(uintptr_t)buf, (uint32_t)len);
}

void zkrv_log(const char *msg) {
    ecall2(ECALL_LOG, (uint32_t)(uintptr_t)msg, (uint32_t)strlen(msg));
}

_Noreturn void zkrv_exit(uint32_t code) {
    if (!journal_hash_ready) {
        zkrv_sha256_init(&journal_hash);
        journal_hash_ready = 1;
    }
    zkrv_sha256_final(&journal_hash, (uint8_t *)digest_words);
    ecall2(ECALL_HALT, code, (uint32_t)(uintptr_t)digest_words);
    for (;;) {
    }
}
