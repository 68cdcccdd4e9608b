// Side by side with the real QEMU 7.2 (when qemu-system-riscv64 is installed): the same command
// lines on the same configuration give byte-identical human-monitor-command output. Lines whose
// output differs on purpose are in commands.test.ts with the reason.

import t from 'tap';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { machineCore } from './helpers.ts';

const QEMU = 'qemu-system-riscv64';
const haveQemu = spawnSync(QEMU, ['--version']).status === 0;

/** A QEMU started with -qmp stdio; `hmp` runs one line through human-monitor-command. */
class Qemu {
  private buf = '';
  private readonly waiting: ((m: Record<string, unknown>) => void)[] = [];
  constructor(private readonly p: ChildProcess) {
    p.stdout!.setEncoding('utf8');
    p.stdout!.on('data', (d: string) => {
      this.buf += d;
      for (let i = this.buf.indexOf('\n'); i >= 0; i = this.buf.indexOf('\n')) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        let m: Record<string, unknown>;
        try {
          m = JSON.parse(line) as Record<string, unknown>;
        } catch {
          continue;
        }
        if ('event' in m) continue;
        this.waiting.shift()?.(m);
      }
    });
  }
  static async start(args: string[]): Promise<Qemu> {
    const p = spawn(QEMU, ['-M', 'virt', '-nodefaults', '-display', 'none', '-S', '-qmp', 'stdio', ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    const q = new Qemu(p);
    await new Promise<Record<string, unknown>>((r) => q.waiting.push(r)); // greeting
    await q.execute('qmp_capabilities');
    return q;
  }
  execute(name: string, args?: Record<string, unknown>): Promise<Record<string, unknown>> {
    return new Promise((r) => {
      this.waiting.push(r);
      this.p.stdin!.write(JSON.stringify({ execute: name, ...(args ? { arguments: args } : {}) }));
    });
  }
  async hmp(line: string): Promise<string> {
    const r = await this.execute('human-monitor-command', { 'command-line': line });
    return String(r.return ?? JSON.stringify(r.error));
  }
  kill(): void {
    this.p.kill('SIGKILL');
  }
}

t.test('emu and QEMU 7.2 print the same', { skip: haveQemu ? false : `${QEMU} is not installed` }, async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  const d = f.dir;
  const qemu = await Qemu.start([
    '-smp', '2', '-name', 'myguest',
    '-blockdev', `driver=file,node-name=f0,filename=${join(d, 'disk.img')},locking=off`,
    '-blockdev', 'driver=raw,node-name=d0,file=f0',
    '-blockdev', `driver=file,node-name=f1,filename=${join(d, 'cd.iso')},read-only=on,locking=off`,
    '-blockdev', 'driver=raw,node-name=cd0,file=f1,read-only=on',
    '-device', 'virtio-blk-device,id=vd0,drive=d0', '-device', 'virtio-scsi-device,id=scsi0', '-device', 'scsi-cd,id=cd,drive=cd0',
    '-chardev', 'null,id=ser0',
  ]);
  t.teardown(() => qemu.kill());
  const lines = [
    'info status', 'info name', 'info uuid', 'info block', 'info block nosuch', 'info block d0', 'info block -n d0', 'info block -n f1', 'info block vd0', 'info block -z',
    'bogus', 'info bogus', 'help bogus', 'help info bogus', '', 'c extra', 'q extra', 'info status extra', 'info qom-tree a b',
    'info qom-tree /nosuch', 'info qom-tree /machine/peripheral/cd', 'info qom-tree /machine/peripheral/vd0',
    'eject', 'eject -x cd', 'eject cd0 extra', 'eject nosuch', 'change', 'change cd0', 'change nosuch /x',
    'device_add nosuchdev', 'device_add scsi-cd,id=x1,foo=bar', 'device_add scsi-cd,,x', 'device_add', 'device_add a b',
    'device_del', 'device_del nosuch',
    'help eject', 'help change', 'help device_add', 'help device_del', 'help c', 'help cont', 'help stop', 'help s', 'help quit',
    'help q', 'help system_reset', 'help system_powerdown', 'help help', 'help ?', 'help info status', 'help info block',
    'help info chardev', 'help info qtree', 'help info qom-tree', 'help info name', 'help info uuid', 'help info cpus',
    'help info status extra',
    'device_add scsi-cd,id=cd2,bus=scsi0.0,scsi-id=3', 'device_add scsi-cd,id=cd2',
    'device_del cd2', 'device_del cd2',
    'cont', 'info status', 'cont', 'stop', 'info status', 'stop', 'c', 'info status', 'device_del vd0',
    'system_reset', 'system_powerdown',
  ];
  for (const line of lines) {
    const ours = await f.hmp(line);
    const theirs = await qemu.hmp(line);
    t.equal(ours, theirs, JSON.stringify(line));
  }
  // QEMU's own monitor chardev (compat_monitor0) is not one of emu's.
  const chardevs = (await qemu.hmp('info chardev')).split('\r\n').filter((l) => !l.startsWith('compat_monitor0')).join('\r\n');
  t.equal(await f.hmp('info chardev'), chardevs, 'info chardev');
  // Thread ids differ by nature.
  const cpus = (s: string) => s.replace(/thread_id=\d+/g, 'thread_id=N');
  t.equal(cpus(await f.hmp('info cpus')), cpus(await qemu.hmp('info cpus')), 'info cpus');
});

// (emu's eject also takes a qdev id, which QEMU 7.2's HMP does not: commands.test.ts.)
t.test('empty CD drives, with and without an id', { skip: haveQemu ? false : `${QEMU} is not installed` }, async (t) => {
  const f = await machineCore();
  t.teardown(f.close);
  await f.run('device_add', { driver: 'scsi-cd', id: 'cd3' });
  await f.run('device_add', { driver: 'scsi-cd' });
  const d = f.dir;
  const qemu = await Qemu.start([
    '-blockdev', `driver=file,node-name=f0,filename=${join(d, 'disk.img')},locking=off`,
    '-blockdev', 'driver=raw,node-name=d0,file=f0',
    '-blockdev', `driver=file,node-name=f1,filename=${join(d, 'cd.iso')},read-only=on,locking=off`,
    '-blockdev', 'driver=raw,node-name=cd0,file=f1,read-only=on',
    '-device', 'virtio-blk-device,id=vd0,drive=d0', '-device', 'virtio-scsi-device,id=scsi0', '-device', 'scsi-cd,id=cd,drive=cd0',
    '-device', 'scsi-cd,id=cd3', '-device', 'scsi-cd',
  ]);
  t.teardown(() => qemu.kill());
  for (const line of ['info block', 'info qom-tree /machine/peripheral-anon', 'device_del /machine/peripheral-anon/device[0]']) {
    t.equal(await f.hmp(line), await qemu.hmp(line), JSON.stringify(line));
  }
});
