// emu-legacy --help: the options of the table, in QEMU's style.
import { OPTIONS } from './options.ts';
import { EMU_VERSION } from '../shared/version.ts';

export function helpText(): string {
  const lines = OPTIONS.map((o) => `${`-${o.name}${o.hasArg ? ' ARG' : ''}`.padEnd(22)} ${o.help}`);
  return `emu-legacy version ${EMU_VERSION}\nusage: emu-legacy [options] [disk_image]\n\n'disk_image' is a raw or qcow2 hard disk image for IDE hard disk 0 (a virtio disk in emu)\n\nOptions (QEMU's syntax; see docs/MIGRATION.md):\n${lines.map((l) => `  ${l}\n`).join('')}`;
}
