#!/bin/sh
# fwcfg.elf on a machine with disks and a CD drive carrying bootindex values, the transcript of
# `make expected` (QEMU 7.2) and of test/firmware/fw-cfg.test.ts (emu-legacy): the same command line.
# Usage: fwcfg-devices.sh EMULATOR [DIR]  (DIR holds the scratch images; default: a temporary one)
set -e
here=$(cd "$(dirname "$0")" && pwd)
dir=${2:-$(mktemp -d)}
for f in d1 d2 d3 cd; do truncate -s 1M "$dir/$f.img"; done
exec timeout 30 "$1" -M virt -bios none -kernel "$here/fwcfg.elf" -nographic -m 128M -smp 2 \
  -uuid 12345678-9abc-def0-1234-56789abcdef0 -boot menu=on,reboot-timeout=5000 \
  -drive if=none,id=d1,file="$dir/d1.img",format=raw -device virtio-blk-device,drive=d1,bootindex=2 \
  -drive if=none,id=d2,file="$dir/d2.img",format=raw -device virtio-blk-device,drive=d2 \
  -device virtio-scsi-device,id=s0 \
  -drive if=none,id=cd,file="$dir/cd.img",format=raw,media=cdrom -device scsi-cd,drive=cd,bootindex=1,scsi-id=3,lun=2 \
  -drive if=none,id=d3,file="$dir/d3.img",format=raw -device scsi-hd,drive=d3,bootindex=10
