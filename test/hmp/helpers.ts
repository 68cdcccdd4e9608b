// A real core with the human monitor installed, built by QMP commands over real image files, the
// same configuration the QEMU 7.2 goldens in these tests were captured with:
//   qemu-system-riscv64 -M virt -nodefaults -display none -S -smp 2 -name myguest
//     -blockdev driver=file,node-name=f0,filename=DIR/disk.img -blockdev driver=raw,node-name=d0,file=f0
//     -blockdev driver=file,node-name=f1,filename=DIR/cd.iso,read-only=on
//     -blockdev driver=raw,node-name=cd0,file=f1,read-only=on
//     -device virtio-blk-device,id=vd0,drive=d0 -device virtio-scsi-device,id=scsi0
//     -device scsi-cd,id=cd,drive=cd0 -chardev null,id=ser0

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Core, createCore } from '../../src/qmp/core.ts';
import { installHmp } from '../../src/qmp/hmp/index.ts';

export interface Fixture {
  core: Core;
  dir: string;
  /** Runs a line through QMP's human-monitor-command. */
  hmp(line: string): Promise<string>;
  run(name: string, args?: Record<string, unknown>): Promise<unknown>;
  events: { event: string; data?: unknown }[];
  close(): void;
}

/** QEMU's monitor ends lines with CRLF; goldens are written with "\n". */
export const crlf = (s: string) => s.replace(/\n/g, '\r\n');

export function emptyCore(): Fixture {
  const dir = mkdtempSync(join(tmpdir(), 'emu-hmp-'));
  const core = createCore();
  installHmp(core);
  const events: { event: string; data?: unknown }[] = [];
  core.dispatcher.onEvent((e) => events.push({ event: e.event, ...(e.data !== undefined ? { data: e.data } : {}) }));
  const run = (name: string, args?: Record<string, unknown>) => core.dispatcher.submit(name, args);
  return {
    core, dir, run, events,
    hmp: async (line) => String(await run('human-monitor-command', { 'command-line': line })),
    close: () => {
      core.vm.blocks.closeAll();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function machineCore(): Promise<Fixture> {
  const f = emptyCore();
  const { dir, run } = f;
  writeFileSync(join(dir, 'disk.img'), Buffer.alloc(1 << 20));
  writeFileSync(join(dir, 'cd.iso'), Buffer.alloc(2 << 20));
  writeFileSync(join(dir, 'cd2.iso'), Buffer.alloc(3 << 20));
  await run('machine-set', { type: 'virt', smp: { cpus: 2 }, name: 'myguest' });
  await run('blockdev-add', { driver: 'file', 'node-name': 'f0', filename: join(dir, 'disk.img') });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'd0', file: 'f0' });
  await run('blockdev-add', { driver: 'file', 'node-name': 'f1', filename: join(dir, 'cd.iso'), 'read-only': true });
  await run('blockdev-add', { driver: 'raw', 'node-name': 'cd0', file: 'f1', 'read-only': true });
  await run('chardev-add', { id: 'ser0', backend: { type: 'null', data: {} } });
  await run('device_add', { driver: 'virtio-blk-device', id: 'vd0', drive: 'd0' });
  await run('device_add', { driver: 'virtio-scsi-device', id: 'scsi0' });
  await run('device_add', { driver: 'scsi-cd', id: 'cd', drive: 'cd0' });
  return f;
}
