/* An S-mode payload that exercises the embedded firmware's SBI (see sbi.c beside it).
   Entered on hart 0 by the firmware with a0 = hartid, a1 = DTB; other harts by HSM hart_start. */
    .section .text.start
    .globl _start
_start:
    la    sp, stack0_top
    call  main
1:  wfi
    j     1b

    .globl second_entry
second_entry:
    la    sp, stack1_top
    call  second_main
1:  wfi
    j     1b

    .align 4
    .globl trap_entry
trap_entry:
    addi  sp, sp, -128
    sd    ra, 0(sp)
    sd    a0, 8(sp)
    sd    a1, 16(sp)
    sd    a2, 24(sp)
    sd    a3, 32(sp)
    sd    a4, 40(sp)
    sd    a5, 48(sp)
    sd    a6, 56(sp)
    sd    a7, 64(sp)
    sd    t0, 72(sp)
    sd    t1, 80(sp)
    sd    t2, 88(sp)
    sd    t3, 96(sp)
    sd    t4, 104(sp)
    sd    t5, 112(sp)
    sd    t6, 120(sp)
    call  on_trap
    ld    ra, 0(sp)
    ld    a0, 8(sp)
    ld    a1, 16(sp)
    ld    a2, 24(sp)
    ld    a3, 32(sp)
    ld    a4, 40(sp)
    ld    a5, 48(sp)
    ld    a6, 56(sp)
    ld    a7, 64(sp)
    ld    t0, 72(sp)
    ld    t1, 80(sp)
    ld    t2, 88(sp)
    ld    t3, 96(sp)
    ld    t4, 104(sp)
    ld    t5, 112(sp)
    ld    t6, 120(sp)
    addi  sp, sp, 128
    sret

    .bss
    .align 4
    .space 8192
stack0_top:
    .space 8192
stack1_top:
