# Trap entries for the M- and S-mode handlers of the traps/paging/interrupts guests, and
# run_in_mode(fn, mpp): run fn in U (mpp = 0) or S (mpp = 1 << 11); fn ends with
# `li a7, -1; ecall` (possibly relayed by S-mode), which returns from run_in_mode.
    .text
    .globl m_trap_entry, s_trap_entry, run_in_mode, run_in_mode_return
    .align 4
m_trap_entry:
    addi sp, sp, -256
    .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\r, \r*8(sp)
    .endr
    mv a0, sp
    call m_handle
    .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\r, \r*8(sp)
    .endr
    addi sp, sp, 256
    mret

    .align 4
s_trap_entry:
    addi sp, sp, -256
    .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd x\r, \r*8(sp)
    .endr
    mv a0, sp
    call s_handle
    .irp r,1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld x\r, \r*8(sp)
    .endr
    addi sp, sp, 256
    sret

run_in_mode:
    addi sp, sp, -112
    sd ra, 0(sp)
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11
    sd s\n, (8+8*\n)(sp)
    .endr
    la t0, saved_sp
    sd sp, 0(t0)
    csrw mepc, a0
    li t0, 0x1800
    csrc mstatus, t0
    csrs mstatus, a1
    addi sp, sp, -1024      # the lower mode's stack, below ours
    mret
run_in_mode_return:
    la t0, saved_sp
    ld sp, 0(t0)
    ld ra, 0(sp)
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11
    ld s\n, (8+8*\n)(sp)
    .endr
    addi sp, sp, 112
    ret

    .data
    .align 3
saved_sp: .dword 0

    .text
    .globl m_vectors
    .align 8
m_vectors:
    .option push
    .option norvc
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
    j vec\n
    .endr
    .irp n,0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
vec\n: csrwi mscratch, \n
    j m_trap_entry
    .endr
    .option pop
