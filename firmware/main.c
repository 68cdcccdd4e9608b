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

/* Disks by the name the prompt uses: diskN, in transport address order. */
static int disk_base(int n, u64 *base) {
  for (u32 i = 0; i < mi.nvirtio; i++) {
    if (virtio_id(mi.virtio[i].base) != 2) continue;
    if (n-- == 0) { *base = mi.virtio[i].base; return 0; }
  }
  return -1;
}

static void list_devices(void) {
  printf_("  serial   %s at 0x%lx\n", mi.uart_compat[0] ? mi.uart_compat : "uart", mi.uart_base);
  int disks = 0;
  for (u32 i = 0; i < mi.nvirtio; i++) {
    u64 b = mi.virtio[i].base;
    if (mmio_r32(b) != 0x74726976) continue; /* "virt" */
    u32 id = mmio_r32(b + 8);
    if (id == 0) continue;
    const char *name = virtio_name(id);
    if (name) printf_("  virtio   %s at 0x%lx", name, b);
    else printf_("  virtio   device %u at 0x%lx", id, b);
    if (id == 2 && virtio_id(b) == 2) {
      printf_(": disk%d, ", disks++);
      print_size(virtio_blk_sectors(b) * 512);
    }
    puts_("\n");
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
  banner();
  prompt_main(&mi);
}

/* ---- the prompt ---- */

static const char *const NEED_VIRTIO = "not available yet: the firmware's virtio drivers are still to come\n";

static void help(void) {
  puts_("Commands:\n"
        "  help                 this list\n"
        "  devices              the machine's devices\n"
        "  read <disk> <lba> [n] hex dump of n (1-8) sectors of a virtio-blk disk\n"
        "  eject <cd>           open a CD drive's tray (not available yet)\n"
        "  load <cd>            close a CD drive's tray (not available yet)\n"
        "  boot <dev>           boot from a disk (not available yet)\n"
        "  reset                reset the machine\n"
        "  poweroff             power the machine off\n");
}

/* Decimal, or hex with 0x; the rest of the word must be digits. */
static int parse_num(char **p, u64 *v) {
  while (**p == ' ') (*p)++;
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
    r = r * base + (u64)d;
  }
  if (s == start || (*s && *s != ' ')) return -1;
  *p = s;
  *v = r;
  return 0;
}

static u8 sectors[8 * 512] __attribute__((aligned(16)));

static void read_cmd(char *args) {
  while (*args == ' ') args++;
  u64 n, lba, count = 1, base;
  if (!strneq(args, "disk", 4)) goto usage;
  args += 4;
  if (parse_num(&args, &n) || parse_num(&args, &lba)) goto usage;
  while (*args == ' ') args++;
  if (*args && parse_num(&args, &count)) goto usage;
  if (count < 1 || count > 8) { puts_("read: count is 1 to 8 sectors\n"); return; }
  if (disk_base((int)n, &base)) { printf_("read: no disk%lu\n", n); return; }
  if (lba + count > virtio_blk_sectors(base)) { puts_("read: beyond the end of the disk\n"); return; }
  if (virtio_blk_read(base, lba, sectors, (u32)count)) { puts_("read: the disk reported an error\n"); return; }
  for (u64 o = 0; o < count * 512; o += 16) {
    printf_("%08lx: ", lba * 512 + o);
    for (int i = 0; i < 16; i++) printf_("%02x ", sectors[o + i]);
    putchar_(' ');
    for (int i = 0; i < 16; i++) { u8 c = sectors[o + i]; putchar_(c >= 32 && c < 127 ? c : '.'); }
    puts_("\n");
  }
  return;
usage:
  puts_("usage: read disk<N> <lba> [count]\n");
}

static void run(char *line) {
  while (*line == ' ') line++;
  char *arg = line;
  while (*arg && *arg != ' ') arg++;
  int n = (int)(arg - line);
  if (n == 0) return;
  if (n == 4 && strneq(line, "help", 4)) help();
  else if (n == 7 && strneq(line, "devices", 7)) list_devices();
  else if (n == 5 && strneq(line, "reset", 5)) system_reset(1);
  else if (n == 8 && strneq(line, "poweroff", 8)) system_reset(0);
  else if (n == 4 && strneq(line, "read", 4)) read_cmd(arg);
  else if ((n == 4 && (strneq(line, "load", 4) || strneq(line, "boot", 4))) ||
           (n == 5 && strneq(line, "eject", 5)))
    puts_(NEED_VIRTIO);
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
  puts_("No bootable device found.\nType 'help' for the commands.\n");
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
