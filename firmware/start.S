/* Reset entry and M-mode trap entry. The boot ROM enters here on every hart with
   a0 = hartid, a1 = device tree, a2 = fw_dynamic_info. */
#define MAX_HARTS 512
#define TRAP_STACK_SHIFT 11        /* 2 KiB of M-mode stack per hart, for traps and parking */
#define MAIN_STACK 16384           /* hart 0's stack for the banner and the prompt */

    .section .text.start
    .globl _start
_start:
    csrw  mie, zero
    la    t0, trap_entry
    csrw  mtvec, t0
    li    t0, MAX_HARTS
    bgeu  a0, t0, hang
    call  set_trap_stack
    bnez  a0, secondary
    la    t0, __bss_start
    la    t1, __bss_end
1:  bgeu  t0, t1, 2f
    sd    zero, 0(t0)
    addi  t0, t0, 8
    j     1b
2:  la    sp, main_stack + MAIN_STACK
    call  boot_main
hang:
    wfi
    j     hang

/* sp = mscratch = top of this hart's trap stack (a0 = hartid); clobbers t0 only. */
set_trap_stack:
    la    sp, trap_stacks
    addi  t0, a0, 1
    slli  t0, t0, TRAP_STACK_SHIFT
    add   sp, sp, t0
    csrw  mscratch, sp
    ret

/* A stopped hart starts over on a fresh stack: HSM stop comes from inside a trap. */
    .globl park
park:
    csrr  a0, mhartid
    call  set_trap_stack
secondary:
    call  secondary_main
    j     hang

/* Enters S-mode at a0 with a0 = a1, a1 = a2, interrupts off until the payload enables them. */
    .globl enter_smode
enter_smode:
    csrw  mepc, a0
    li    t0, (3 << 11) | (1 << 7) | (1 << 8) | (1 << 5) | (1 << 1)
    csrc  mstatus, t0
    li    t0, (1 << 11)
    csrs  mstatus, t0
    csrw  satp, zero
    mv    a0, a1
    mv    a1, a2
    li    ra, 0
    mret

    .align 4
trap_entry:
    csrrw sp, mscratch, sp
    addi  sp, sp, -256
    sd    x1, 8(sp)
    sd    x3, 24(sp)
    sd    x4, 32(sp)
    sd    x5, 40(sp)
    sd    x6, 48(sp)
    sd    x7, 56(sp)
    sd    x8, 64(sp)
    sd    x9, 72(sp)
    sd    x10, 80(sp)
    sd    x11, 88(sp)
    sd    x12, 96(sp)
    sd    x13, 104(sp)
    sd    x14, 112(sp)
    sd    x15, 120(sp)
    sd    x16, 128(sp)
    sd    x17, 136(sp)
    sd    x18, 144(sp)
    sd    x19, 152(sp)
    sd    x20, 160(sp)
    sd    x21, 168(sp)
    sd    x22, 176(sp)
    sd    x23, 184(sp)
    sd    x24, 192(sp)
    sd    x25, 200(sp)
    sd    x26, 208(sp)
    sd    x27, 216(sp)
    sd    x28, 224(sp)
    sd    x29, 232(sp)
    sd    x30, 240(sp)
    sd    x31, 248(sp)
    csrr  t0, mscratch
    sd    t0, 16(sp)
    mv    a0, sp
    call  trap
    ld    x1, 8(sp)
    ld    x3, 24(sp)
    ld    x4, 32(sp)
    ld    x5, 40(sp)
    ld    x6, 48(sp)
    ld    x7, 56(sp)
    ld    x8, 64(sp)
    ld    x9, 72(sp)
    ld    x10, 80(sp)
    ld    x11, 88(sp)
    ld    x12, 96(sp)
    ld    x13, 104(sp)
    ld    x14, 112(sp)
    ld    x15, 120(sp)
    ld    x16, 128(sp)
    ld    x17, 136(sp)
    ld    x18, 144(sp)
    ld    x19, 152(sp)
    ld    x20, 160(sp)
    ld    x21, 168(sp)
    ld    x22, 176(sp)
    ld    x23, 184(sp)
    ld    x24, 192(sp)
    ld    x25, 200(sp)
    ld    x26, 208(sp)
    ld    x27, 216(sp)
    ld    x28, 224(sp)
    ld    x29, 232(sp)
    ld    x30, 240(sp)
    ld    x31, 248(sp)
    addi  sp, sp, 256
    csrrw sp, mscratch, sp
    mret

    .section .stacks, "aw", @nobits
    .align 12
trap_stacks:
    .space MAX_HARTS << TRAP_STACK_SHIFT
main_stack:
    .space MAIN_STACK
