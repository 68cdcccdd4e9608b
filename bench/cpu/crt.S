# Entry for the test guests: hart 0 runs main(); other harts park in WFI.
# main's return value becomes the sifive,test exit (0 -> 0x5555 pass, n -> 0x3333 | n << 16).
    .section .text.start
    .globl _start
_start:
    csrr  t0, mhartid
    bnez  t0, park
    la    sp, __stack_top
    la    t0, __bss_start
    la    t1, __bss_end
1:  bgeu  t0, t1, 2f
    sd    zero, 0(t0)
    addi  t0, t0, 8
    j     1b
2:  call  main
    call  guest_exit
park:
    wfi
    j     park
