# The virtio test guests (make -f virtio.mk). They share Makefile's compiler settings; their images
# are committed as .img (ELF files) so Makefile's `make` and its image check leave them alone;
# test/virtio/guest-images.test.ts checks they equal a fresh build.
CC = riscv64-unknown-elf-gcc
CFLAGS = -march=rv64imac_zicsr_zifencei -mabi=lp64 -mcmodel=medany -nostdlib -ffreestanding -fno-builtin -O2 -g0 -Wall
LDFLAGS = -T link.ld -Wl,--build-id=none -static -s -Wl,--no-warn-rwx-segments
VIRTIO_GUESTS = scsi-cd blk-bench
all: $(VIRTIO_GUESTS:%=%.img)
%.img: %.c crt.S lib.c guest.h virtio.h link.ld
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ crt.S lib.c $<
clean:
	rm -f $(VIRTIO_GUESTS:%=%.img)
.PHONY: all clean
