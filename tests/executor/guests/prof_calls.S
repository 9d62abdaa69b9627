/* Profiler test guest: functions with exact instruction counts (see test_executor_profile.py).
 * leaf(n) retires 2n + 1 instructions; every other function's count is in its comment. */
    .text

    .globl main
    .type main, @function
main:                       /* self: 18 instructions */
    addi  sp, sp, -16
    sw    ra, 12(sp)
    li    a0, 10
    jal   ra, leaf          /* leaf(10): 21 */
    jal   ra, mid           /* mid: 9 self + 2 x leaf(3) */
    li    a0, 4
    jal   ra, rec           /* rec(4): 4 x 8 + 2 over 5 nested frames */
    li    a0, 5
    jal   ra, tailer        /* 4 in tailer, then leaf(6) replaces its frame: 13 */
    jal   t0, milli         /* called through the alternate link register t0 */
    jal   ra, skipper       /* returns 4 bytes past its return address */
    li    a0, 99            /* skipped */
    la    ra, 1f            /* a return matching no call: stays in main */
    ret
1:  lw    ra, 12(sp)
    addi  sp, sp, 16
    li    a0, 0
    ret
    .size main, .-main

    .globl leaf
    .type leaf, @function
leaf:
1:  addi  a0, a0, -1
    bnez  a0, 1b
    ret
    .size leaf, .-leaf

    .globl mid
    .type mid, @function
mid:                        /* self: 9 */
    addi  sp, sp, -16
    sw    ra, 12(sp)
    li    a0, 3
    jal   ra, leaf
    li    a0, 3
    jal   ra, leaf
    lw    ra, 12(sp)
    addi  sp, sp, 16
    ret
    .size mid, .-mid

    .globl rec
    .type rec, @function
rec:                        /* rec(0): 2; rec(n > 0): 8 + rec(n - 1) */
    beqz  a0, 1f
    addi  sp, sp, -16
    sw    ra, 12(sp)
    addi  a0, a0, -1
    jal   ra, rec
    lw    ra, 12(sp)
    addi  sp, sp, 16
1:  ret
    .size rec, .-rec

    .globl tailer
    .type tailer, @function
tailer:                     /* self: 4, then a tail call (jr t1) into leaf(a0 + 1) */
    addi  a0, a0, 1
    la    t1, leaf
    jr    t1
    .size tailer, .-tailer

    .globl milli
    .type milli, @function
milli:                      /* self: 3, returns through t0 */
    addi  a1, a1, 1
    addi  a1, a1, 1
    jr    t0
    .size milli, .-milli

    .globl skipper
    .type skipper, @function
skipper:                    /* self: 2 */
    addi  ra, ra, 4
    ret
    .size skipper, .-skipper
