/* zkrv guest entry: set the stack, zero .bss, run main, exit with its return value.
 * The executor starts with every register zero and pc at _start. */
    .section .text.zkrv_start, "ax"
    .globl _start
_start:
    lui   sp, %hi(__stack_top)
    addi  sp, sp, %lo(__stack_top)
    lui   t0, %hi(__bss_start)
    addi  t0, t0, %lo(__bss_start)
    lui   t1, %hi(__bss_end)
    addi  t1, t1, %lo(__bss_end)
1:  bgeu  t0, t1, 2f
    sw    zero, 0(t0)
    addi  t0, t0, 4
    j     1b
2:  li    a0, 0          /* argc */
    li    a1, 0          /* argv */
    call  main
    tail  zkrv_exit      /* a0 = main's return value */
