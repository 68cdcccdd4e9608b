/* Entry of the boot-header test payload: the firmware enters here in S-mode, a0 = hartid, a1 = DTB. */
    .section .text.start
    .globl _start
_start:
    la    sp, stack_top
    call  main
1:  wfi
    j     1b
    .bss
    .align 4
    .space 4096
stack_top:
