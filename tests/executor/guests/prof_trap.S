/* Profiler test guest: main calls crash, whose second instruction is a misaligned load. */
    .text
    .globl main
    .type main, @function
main:
    addi  sp, sp, -16
    sw    ra, 12(sp)
    jal   ra, crash
    lw    ra, 12(sp)
    addi  sp, sp, 16
    ret
    .size main, .-main

    .globl crash
    .type crash, @function
crash:
    addi  a0, sp, 2
    lw    a0, 0(a0)         /* crash+0x4: sp + 2 is not word-aligned */
    ret
    .size crash, .-crash
