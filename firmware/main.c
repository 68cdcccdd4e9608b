/* Hart 0's path from reset: read the device tree, enter a -kernel payload in S-mode, or else
   show what the machine has and offer a prompt. */
#include "fw.h"

#ifndef EMU_VERSION
#define EMU_VERSION "unknown"
#endif

/* What QEMU's boot ROM (and emu's) passes in a2: OpenSBI's fw_dynamic_info layout. */
struct fw_dynamic_info { u64 magic, version, next_addr, next_mode, options, boot_hart; };
#define FW_DYNAMIC_MAGIC 0x4942534fUL

static struct machine_info mi;

static const char *virtio_name(u32 id) {
  switch (id) {
    case 1: return "virtio-net";
    case 2: return "virtio-blk";
    case 3: return "virtio-console";
    case 4: return "virtio-rng";
    case 8: return "virtio-scsi";
    case 9: return "virtio-9p";
    case 16: return "virtio-gpu";
    case 18: return "virtio-input";
  }
  return 0;
}

static void print_size(u64 bytes) {
  const u64 mib = 1UL << 20, gib = 1UL << 30;
  if (bytes >= gib && bytes % gib == 0) printf_("%lu GiB", bytes / gib);
  else if (bytes % mib == 0) printf_("%lu MiB", bytes / mib);
  else printf_("%lu KiB", bytes >> 10);
}

static void print_medium(struct bdev *d) {
  enum medium m = bdev_refresh(d);
  if (d->kind == KIND_CD) {
    if (m == MEDIUM_TRAY_OPEN) { puts_("tray open"); return; }
    if (m == MEDIUM_ABSENT) { puts_("tray closed, no medium"); return; }
    if (m == MEDIUM_READY) puts_("tray closed, medium present, ");
  }
  if (m == MEDIUM_ERROR) { puts_("not ready"); return; }
  print_size(d->blocks * d->block_size);
  printf_(" (%lu x %u-byte blocks)", d->blocks, d->block_size);
}

static void list_bdevs(int transport) {
  for (int i = 0; i < bdev_count(); i++) {
    struct bdev *d = bdev_at(i);
    if (d->transport != transport) continue;
    if (d->kind == KIND_OTHER) {
      printf_("    scsi   %u:%u, device type 0x%x\n", d->scsi.target, d->scsi.lun, d->scsi.type);
      continue;
    }
    char name[8];
    bdev_name(d, name);
    printf_("    %6s ", name);
    if (d->bus == BUS_SCSI) printf_("%s %u:%u, ", d->kind == KIND_CD ? "scsi-cd" : "scsi-hd", d->scsi.target, d->scsi.lun);
    print_medium(d);
    if (d->backing[0]) printf_(", %s", d->backing);
    puts_("\n");
  }
}

static void list_devices(void) {
  printf_("  serial   %s at 0x%lx\n", mi.uart_compat[0] ? mi.uart_compat : "uart", mi.uart_base);
  for (u32 i = 0; i < mi.nvirtio; i++) {
    u64 b = mi.virtio[i].base;
    if (mmio_r32(b) != 0x74726976) continue; /* "virt" */
    u32 id = mmio_r32(b + 8);
    if (id == 0) continue;
    const char *name = virtio_name(id);
    if (name) printf_("  virtio   %s at 0x%lx\n", name, b);
    else printf_("  virtio   device %u at 0x%lx\n", id, b);
    list_bdevs((int)i);
  }
}

static void banner(void) {
  printf_("\nemu firmware %s\n", EMU_VERSION);
  printf_("Machine: %s, %u hart%s, ", mi.model[0] ? mi.model : "riscv virt", mi.harts, mi.harts == 1 ? "" : "s");
  print_size(mi.mem_size);
  printf_(" RAM at 0x%lx\n", mi.mem_base);
  printf_("Devices:\n");
  list_devices();
}

static u64 boot_hartid;
static void *boot_dtb;

/* The boot order (blockdev.c), each device tried in turn; returns only when none boots. */
static void boot_devices(void) {
  struct bdev *order[MAX_BDEVS];
  int n = bdev_boot_order(&mi, order, MAX_BDEVS);
  puts_("Boot order:");
  for (int i = 0; i < n; i++) printf_("%s %s%d", i ? "," : "", bdev_prefix(order[i]), order[i]->index);
  puts_(n ? "\n" : " none\n");
  for (int i = 0; i < n; i++) {
    const char *why = boot_from(order[i], &mi, boot_hartid, boot_dtb);
    printf_("  %s%d: %s\n", bdev_prefix(order[i]), order[i]->index, why);
  }
}

void boot_main(u64 hartid, void *dtb, const struct fw_dynamic_info *info) {
  if (fdt_scan(dtb, &mi) == 0) uart_init(mi.uart_base);
  if (mi.harts == 0) mi.harts = 1;
  nharts = mi.harts > MAX_HARTS ? MAX_HARTS : mi.harts;
  sbi_set_boot_hart(hartid);
  hart_init(hartid);
  if (info && info->magic == FW_DYNAMIC_MAGIC && info->next_addr) {
    fdt_reserve((void *)dtb, FW_BASE, FW_SIZE, mi.mem_base + mi.mem_size);
    enter_smode(info->next_addr, hartid, (u64)dtb);
  }
  boot_hartid = hartid;
  boot_dtb = dtb;
  bdev_scan(&mi);
  banner();
  boot_devices();
  puts_("No bootable device found.\n");
  prompt_main(&mi);
}

/* ---- the prompt ---- */

static void help(void) {
  puts_("Commands:\n"
        "  help                 this list\n"
        "  devices              the machine's devices, scanned again\n"
        "  read <dev> <lba> [n] hex dump of n blocks (up to 4 KiB) of a disk or CD\n"
        "  eject <cd>           open a CD drive's tray\n"
        "  load <cd>            close a CD drive's tray\n"
        "  boot <disk>          boot from a disk with an emu boot header\n"
        "  reset                reset the machine\n"
        "  poweroff             power the machine off\n"
        "Disks are disk0, disk1, ... and CD drives cd0, cd1, ... in device-tree order.\n");
}

static void skip_spaces(char **p) { while (**p == ' ') (*p)++; }

/* Decimal, or hex with 0x; the rest of the word must be digits. */
static int parse_num(char **p, u64 *v) {
  skip_spaces(p);
  char *s = *p;
  u64 base = 10, r = 0;
  if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { base = 16; s += 2; }
  char *start = s;
  for (;; s++) {
    int d;
    if (*s >= '0' && *s <= '9') d = *s - '0';
    else if (base == 16 && *s >= 'a' && *s <= 'f') d = *s - 'a' + 10;
    else if (base == 16 && *s >= 'A' && *s <= 'F') d = *s - 'A' + 10;
    else break;
    if (r > (~0UL - (u64)d) / base) return -1;
    r = r * base + (u64)d;
  }
  if (s == start || (*s && *s != ' ')) return -1;
  *p = s;
  *v = r;
  return 0;
}

/* The next word names a device of `kind` (-1: a disk or CD); prints why not and returns 0. */
static struct bdev *parse_dev(char **p, const char *cmd, int kind) {
  skip_spaces(p);
  char *w = *p;
  int len = 0;
  while (w[len] && w[len] != ' ') len++;
  if (!len) return 0;
  *p = w + len;
  struct bdev *d = bdev_find(w, len);
  char c = w[len];
  w[len] = 0;
  if (!d) printf_("%s: no device '%s' (try 'devices')\n", cmd, w);
  else if (kind >= 0 && d->kind != kind) { printf_("%s: %s is not a %s\n", cmd, w, kind == KIND_CD ? "CD drive" : "disk"); d = 0; }
  w[len] = c;
  return d;
}

static u8 sectors[4096] __attribute__((aligned(16)));

static void read_cmd(char *args) {
  u64 lba, count = 1;
  skip_spaces(&args);
  if (!*args) goto usage;
  struct bdev *d = parse_dev(&args, "read", -1);
  if (!d) return;
  if (parse_num(&args, &lba)) goto usage;
  skip_spaces(&args);
  if (*args && parse_num(&args, &count)) goto usage;
  skip_spaces(&args);
  if (*args) goto usage;
  enum medium m = bdev_refresh(d);
  if (m != MEDIUM_READY) {
    printf_("read: %s%d %s\n", bdev_prefix(d), d->index, m == MEDIUM_TRAY_OPEN ? "has its tray open" : m == MEDIUM_ABSENT ? "has no medium" : "is not ready");
    return;
  }
  u64 max = sizeof sectors / d->block_size;
  if (count < 1 || count > max) { printf_("read: count is 1 to %lu blocks of %u bytes\n", max, d->block_size); return; }
  if (lba >= d->blocks || count > d->blocks - lba) { puts_("read: beyond the end of the disk\n"); return; }
  if (bdev_read(d, lba, sectors, (u32)count)) { puts_("read: the device reported an error\n"); return; }
  for (u64 o = 0; o < count * d->block_size; o += 16) {
    printf_("%08lx: ", lba * d->block_size + o);
    for (int i = 0; i < 16; i++) printf_("%02x ", sectors[o + i]);
    putchar_(' ');
    for (int i = 0; i < 16; i++) { u8 c = sectors[o + i]; putchar_(c >= 32 && c < 127 ? c : '.'); }
    puts_("\n");
  }
  return;
usage:
  puts_("usage: read <disk|cd> <lba> [count]\n");
}

static void tray_cmd(char *args, int load) {
  const char *cmd = load ? "load" : "eject";
  skip_spaces(&args);
  if (!*args) { printf_("usage: %s <cd>\n", cmd); return; }
  struct bdev *d = parse_dev(&args, cmd, KIND_CD);
  if (!d) return;
  skip_spaces(&args);
  if (*args) { printf_("usage: %s <cd>\n", cmd); return; }
  int r = scsi_start_stop(&d->scsi, load);
  if (r == -2) { printf_("%s: cd%d is locked (medium removal prevented)\n", cmd, d->index); return; }
  if (r) { printf_("%s: cd%d reported an error\n", cmd, d->index); return; }
  printf_("cd%d: ", d->index);
  print_medium(d);
  puts_("\n");
}

static void boot_cmd(char *args) {
  skip_spaces(&args);
  if (!*args) { puts_("usage: boot <disk>\n"); return; }
  struct bdev *d = parse_dev(&args, "boot", -1);
  if (!d) return;
  skip_spaces(&args);
  if (*args) { puts_("usage: boot <disk>\n"); return; }
  const char *why = boot_from(d, &mi, boot_hartid, boot_dtb);
  printf_("boot: %s%d: %s\n", bdev_prefix(d), d->index, why);
}

static void run(char *line) {
  while (*line == ' ') line++;
  char *arg = line;
  while (*arg && *arg != ' ') arg++;
  int n = (int)(arg - line);
  if (n == 0) return;
  if (n == 4 && strneq(line, "help", 4)) help();
  else if (n == 7 && strneq(line, "devices", 7)) {
    bdev_scan(&mi); /* the firmware takes no hot-plug events: look again, so new units show */
    list_devices();
  }
  else if (n == 5 && strneq(line, "reset", 5)) system_reset(1);
  else if (n == 8 && strneq(line, "poweroff", 8)) system_reset(0);
  else if (n == 4 && strneq(line, "read", 4)) read_cmd(arg);
  else if (n == 5 && strneq(line, "eject", 5)) tray_cmd(arg, 0);
  else if (n == 4 && strneq(line, "load", 4)) tray_cmd(arg, 1);
  else if (n == 4 && strneq(line, "boot", 4)) boot_cmd(arg);
  else {
    *arg = 0;
    printf_("unknown command '%s'; try 'help'\n", line);
  }
}

/* Sleeps in WFI between keystrokes (the UART interrupt routed to hart 0's M-mode context wakes
   it without a trap, as mstatus.MIE stays clear), so an idle prompt costs the host nothing. */
static void uart_wait_setup(void) {
  mmio_w32(PLIC_BASE + 4 * UART_IRQ, 1);
  mmio_w32(PLIC_BASE + 0x2000 + 4 * (UART_IRQ / 32), 1u << (UART_IRQ % 32));
  mmio_w32(PLIC_BASE + 0x200000, 0);
  mmio_w8(mi.uart_base + 1, 1); /* IER: received data available */
  csr_set(mie, MIP_MEIP);
}

/* Undoes uart_wait_setup before a payload takes over the machine. */
void prompt_quiesce(void) {
  csr_clear(mie, MIP_MEIP);
  mmio_w8(mi.uart_base + 1, 0);
  mmio_w32(PLIC_BASE + 0x2000 + 4 * (UART_IRQ / 32), 0);
  mmio_w32(PLIC_BASE + 4 * UART_IRQ, 0);
  u32 claim = mmio_r32(PLIC_BASE + 0x200004);
  if (claim) mmio_w32(PLIC_BASE + 0x200004, claim);
}

static int wait_char(void) {
  for (;;) {
    int c = getchar_();
    if (c >= 0) return c;
    __asm__ volatile("wfi");
    u32 claim = mmio_r32(PLIC_BASE + 0x200004);
    if (claim) mmio_w32(PLIC_BASE + 0x200004, claim);
  }
}

void prompt_main(const struct machine_info *m) {
  (void)m;
  static char line[128];
  puts_("Type 'help' for the commands.\n");
  uart_wait_setup();
  for (;;) {
    puts_("emu> ");
    int n = 0, last = 0;
    for (;;) {
      int c = wait_char();
      if (c == '\n' && last == '\r') { last = 0; continue; }
      last = c;
      if (c == '\r' || c == '\n') break;
      if (c == 8 || c == 127) {
        if (n) { n--; puts_("\b \b"); }
        continue;
      }
      if (c < ' ' || n == (int)sizeof line - 1) continue;
      line[n++] = (char)c;
      putchar_(c);
    }
    line[n] = 0;
    puts_("\n");
    run(line);
  }
}
