/* Shared declarations of emu's embedded firmware (see README.md). */
#ifndef EMU_FW_H
#define EMU_FW_H

typedef unsigned long u64;
typedef unsigned int u32;
typedef unsigned char u8;
typedef long i64;
typedef unsigned short u16;

#define MAX_HARTS 512

/* The riscv virt board's fixed addresses (QEMU 7.2's memory map, which emu follows). */
#define CLINT_BASE 0x2000000UL
#define CLINT_MTIMECMP(h) (CLINT_BASE + 0x4000 + 8 * (u64)(h))
#define CLINT_MTIME (CLINT_BASE + 0xbff8)
#define PLIC_BASE 0xc000000UL
#define TEST_BASE 0x100000UL
#define UART_IRQ 10
#define TIMEBASE_HZ 10000000UL /* virt's CLINT timer */

#define MIP_SSIP (1UL << 1)
#define MIP_MSIP (1UL << 3)
#define MIP_STIP (1UL << 5)
#define MIP_MTIP (1UL << 7)
#define MIP_SEIP (1UL << 9)
#define MIP_MEIP (1UL << 11)

#define MSTATUS_SIE (1UL << 1)
#define MSTATUS_MIE (1UL << 3)
#define MSTATUS_SPIE (1UL << 5)
#define MSTATUS_MPIE (1UL << 7)
#define MSTATUS_SPP (1UL << 8)
#define MSTATUS_MPP (3UL << 11)
#define MSTATUS_MPP_S (1UL << 11)

#define csr_read(csr) ({ u64 __v; __asm__ volatile("csrr %0, " #csr : "=r"(__v)); __v; })
#define csr_write(csr, v) __asm__ volatile("csrw " #csr ", %0" ::"rK"((u64)(v)))
#define csr_set(csr, v) __asm__ volatile("csrs " #csr ", %0" ::"rK"((u64)(v)))
#define csr_clear(csr, v) __asm__ volatile("csrc " #csr ", %0" ::"rK"((u64)(v)))

static inline void mmio_w32(u64 a, u32 v) { *(volatile u32 *)a = v; }
static inline u32 mmio_r32(u64 a) { return *(volatile u32 *)a; }
static inline void mmio_w8(u64 a, u8 v) { *(volatile u8 *)a = v; }
static inline u8 mmio_r8(u64 a) { return *(volatile u8 *)a; }
static inline void mmio_w64(u64 a, u64 v) { *(volatile u64 *)a = v; }

/* console.c */
void uart_init(u64 base);
void putchar_(int c);
int getchar_(void); /* -1 when nothing is waiting */
void puts_(const char *s);
void printf_(const char *fmt, ...);
int streq(const char *a, const char *b);
int strneq(const char *a, const char *b, int n);
int strlen_(const char *s);

/* fdt.c: what the firmware needs from the device tree */
struct virtio_slot { u64 base; };
struct machine_info {
  u64 mem_base, mem_size;
  u32 harts;
  char model[48];
  u64 uart_base;
  char uart_compat[32];
  u32 nvirtio;
  struct virtio_slot virtio[32];
  u64 fwcfg_base; /* 0: no fw_cfg in the device tree */
};
int fdt_scan(const void *fdt, struct machine_info *mi);
int fdt_reserve(void *fdt, u64 base, u64 size, u64 limit);

/* fwcfg.c */
int fwcfg_init(u64 base);
int fwcfg_file(const char *name, char *buf, u32 cap);

/* The firmware's own memory, kept from the payload (link.ld keeps everything inside it). */
#define FW_BASE 0x80000000UL
#define FW_SIZE 0x200000UL

/* virtio.c: the polled transport, and virtio-blk */
struct vbuf { void *addr; u32 len; int in; /* in: the device writes it */ };
u32 virtio_id(u64 base);
u32 virtio_config32(u64 base, u32 offset);
i64 virtio_request(u64 base, u32 queue, void (*configure)(u64 base), const struct vbuf *bufs, int n, u32 timeout_ms);
i64 virtio_requests(u64 base, u32 queue, void (*configure)(u64 base), const struct vbuf *bufs, const int *counts, int nchains, u32 timeout_ms);
void virtio_release(void);
u64 time_now(void);
u64 virtio_blk_sectors(u64 base);
int virtio_blk_read(u64 base, u64 lba, void *buf, u32 count);

/* scsi.c: SCSI commands through virtio-scsi */
#define SCSI_TYPE_DISK 0
#define SCSI_TYPE_CD 5
struct scsi_unit { u64 base; u8 target; u16 lun; u8 type; };
/* What TEST UNIT READY says about the medium. */
enum medium { MEDIUM_READY, MEDIUM_ABSENT, MEDIUM_TRAY_OPEN, MEDIUM_ERROR };
typedef void (*scsi_found)(const struct scsi_unit *u);
void scsi_scan(u64 base, scsi_found found);
enum medium scsi_medium(const struct scsi_unit *u);
int scsi_capacity(const struct scsi_unit *u, u64 *blocks, u32 *block_size);
int scsi_read(const struct scsi_unit *u, u64 lba, void *buf, u32 count, u32 block_size);
int scsi_start_stop(const struct scsi_unit *u, int load);

/* blockdev.c: the prompt's disks and CD drives */
#define MAX_BDEVS 16
enum { BUS_BLK, BUS_SCSI };
enum { KIND_DISK, KIND_CD, KIND_OTHER };
struct bdev {
  u8 bus, kind;
  int index;           /* the N of diskN / cdN */
  int transport;       /* index into machine_info.virtio */
  struct scsi_unit scsi; /* scsi.base is the transport for virtio-blk too */
  u32 block_size;
  u64 blocks;          /* 0 while there is no medium */
  char backing[96];    /* the file behind it, from fw_cfg; empty when unknown or no medium */
};
void bdev_scan(const struct machine_info *mi);
int bdev_count(void);
struct bdev *bdev_at(int i);
struct bdev *bdev_find(const char *name, int len);
const char *bdev_prefix(const struct bdev *d);
void bdev_name(const struct bdev *d, char *buf);
enum medium bdev_refresh(struct bdev *d);
int bdev_read(struct bdev *d, u64 lba, void *buf, u32 count);
int bdev_boot_order(const struct machine_info *mi, struct bdev **list, int max);

/* sbi.c */
struct regs { u64 x[32]; };
extern u32 nharts;
void hart_init(u64 hartid);
void trap(struct regs *r);
void start_hart_hsm(u64 hartid) __attribute__((noreturn));
void sbi_set_boot_hart(u64 hartid);
void system_reset(int reboot) __attribute__((noreturn));

/* start.S */
void enter_smode(u64 addr, u64 a0, u64 a1) __attribute__((noreturn));
void park(void) __attribute__((noreturn));

/* boot.c: returns why the device cannot boot; does not return when it boots */
const char *boot_from(struct bdev *d, const struct machine_info *mi, u64 hartid, void *dtb);

/* main.c */
void prompt_main(const struct machine_info *mi) __attribute__((noreturn));
void prompt_quiesce(void);

#endif
