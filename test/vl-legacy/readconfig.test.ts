// -readconfig against QEMU 7.2 (catalogue 40 and files run on qemu-system-riscv64 7.2).
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigText, type ConfigSection } from '../../src/vl-legacy/readconfig.ts';
import { run, err } from './helpers.ts';

// `all` (the option list with repeats) is checked where it matters, in the drive tests.
const plain = (v: unknown) => JSON.parse(JSON.stringify(v, (k, x) => (k === 'all' ? undefined : x)));
const files: Record<string, string> = {
  'bad2.cfg': '[nosuchgroup]\nfoo = "bar"\n',
  'bad3.cfg': '  # indented comment\n[drive]\n',
  'c2.cfg': '[memory]\nsize="256M"\n',
  'c7.cfg': '[drive "a"]\nfile = "d0.img"\nformat = "raw"\nif = "none"\n\n[drive "a"]\nfile = "d0.img"\nformat = "raw"\n# c\n',
  'good.cfg':
    '[drive "d0"]\nfile = "d0.img"\nformat = "raw"\nif = "none"\n[device "v0"]\ndriver = "virtio-blk-device"\ndrive = "d0"\n' +
    '[machine]\ntype = "virt"\n[memory]\nsize = "256M" # trailing\n',
  'ws.cfg': '[memory]\n   \n',
  'hdr.cfg': '[memory]\nsize = "256M"\n[memory]\n[bogus]\n',
  'obj.cfg': '[object]\nqom-type = "memory-backend-ram"\nsize = "1M"\n',
  'badid.cfg': '[drive "1a"]\nfile = "d0.img"\n',
  'slots.cfg': '[memory]\nsize = "1G"\nslots = "x"\n',
  'badif.cfg': '[drive]\nfile = "d0.img"\nformat = "raw"\nif = "bogus"\n',
  'memid.cfg': '[memory "m"]\nsize = "1G"\n',
  'ro.cfg': '[drive]\nfile = "d0.img"\nformat = "raw"\nif = "none"\nreadonly = "maybe"\n',
  'memg.cfg': '[memory]\nsize = "garbage"\n',
  'nested.cfg': '[machine]\nsmp.cpus = "2"\naclint = "on"\n[smp-opts]\nmaxcpus = "4"\n[boot-opts]\norder = "c"\n[object "m0"]\nqom-type = "memory-backend-ram"\nsize = "1M"\n',
};
const readFile = (p: string) => {
  if (p in files) return files[p];
  throw Object.assign(new Error('nope'), { code: 'ENOENT' });
};
const rc = (name: string, more: string[] = []) => err(['-readconfig', name, ...more], { readFile });

t.test("QEMU's messages (catalogue 40 and observed)", async (t) => {
  t.equal(rc('bad2.cfg'), "emu-legacy:bad2.cfg:2: There is no option group 'nosuchgroup'\n");
  t.equal(rc('bad3.cfg'), 'emu-legacy:bad3.cfg:1: no group defined\n');
  t.equal(rc('c2.cfg'), "emu-legacy:c2.cfg:2: Invalid parameter 'size=\"256M\"'\n");
  t.equal(rc('c7.cfg'), "emu-legacy:c7.cfg:8: Duplicate ID 'a' for drive\n");
  t.equal(rc('ws.cfg'), 'emu-legacy:ws.cfg:2: parse error\n');
  t.equal(rc('hdr.cfg'), "emu-legacy:hdr.cfg:2: There is no option group 'bogus'\n");
  t.equal(rc('obj.cfg'), "emu-legacy:obj.cfg:3: Parameter 'id' is missing\n");
  // errors from a config file lose QEMU's hint lines
  t.equal(rc('badid.cfg'), "emu-legacy:badid.cfg:2: Parameter 'id' expects an identifier\n");
  t.equal(rc('slots.cfg'), "emu-legacy:slots.cfg:3: Parameter 'slots' expects a number\n");
  t.equal(rc('memid.cfg'), "emu-legacy:memid.cfg:2: Invalid parameter 'id'\n");
  t.equal(rc('memg.cfg'), "emu-legacy:memg.cfg:2: Parameter 'size' expects a non-negative number below 2^64\n");
  // drive errors found later are reported where the section was read
  t.equal(rc('badif.cfg'), "emu-legacy:badif.cfg:4: unsupported bus type 'bogus'\n");
  t.equal(rc('ro.cfg'), "emu-legacy:ro.cfg:5: Parameter 'read-only' expects 'on' or 'off'\n");
  t.equal(rc('/nonexistent.cfg'), "emu-legacy: -readconfig /nonexistent.cfg: Could not open '/nonexistent.cfg': No such file or directory\n");
});

t.test('a good file feeds the same groups as the command line', async (t) => {
  const r = run(['-M', 'spike', '-readconfig', 'good.cfg'], { readFile });
  t.equal(r.stderr, '');
  const p = r.parsed!;
  t.equal(p.machine.type, 'virt'); // [machine] after -M spike overrides it
  t.same(plain(p.memory?.opts), { size: '256M' });
  t.same(plain(p.drives), [{ id: 'd0', opts: { file: 'd0.img', format: 'raw', if: 'none' }, loc: { kind: 'file', file: 'good.cfg', line: 4 } }]);
  t.same(plain(p.devices), [{ id: 'v0', opts: { driver: 'virtio-blk-device', drive: 'd0' }, loc: { kind: 'file', file: 'good.cfg', line: 7 } }]);
  t.same(p.readconfig, ['good.cfg']);
  t.same(r.drives!.drives.map((d) => d.id), ['d0']);
});

t.test('position: the file is read where -readconfig stands', async (t) => {
  const r = run(['-drive', 'if=none,id=x,file=a', '-readconfig', 'good.cfg', '-drive', 'if=none,id=y,file=b', '-M', 'spike'], { readFile });
  const p = r.parsed!;
  t.same(p.drives.map((d) => d.id), ['x', 'd0', 'y']);
  t.equal(p.machine.type, 'spike');
  t.equal(err(['-readconfig', 'good.cfg', '-drive', 'if=none,id=d0,file=z'], { readFile }), "emu-legacy: -drive if=none,id=d0,file=z: Duplicate ID 'd0' for drive\n");
  t.equal(err(['-drive', 'if=none,id=d0,file=z', '-readconfig', 'good.cfg'], { readFile }), "emu-legacy:good.cfg:4: Duplicate ID 'd0' for drive\n");
});

t.test('keyval groups: machine, smp-opts, boot-opts, object', async (t) => {
  const p = run(['-smp', 'cpus=1', '-readconfig', 'nested.cfg'], { readFile }).parsed!;
  t.same(plain(p.machine), { smp: { cpus: '2', maxcpus: '4' }, aclint: 'on', boot: { order: 'c' } });
  t.same(plain(p.objects), [{ args: { id: 'm0', 'qom-type': 'memory-backend-ram', size: '1M' }, syntax: 'keyval', loc: { kind: 'file', file: 'nested.cfg', line: 10 } }]);
});

t.test('the reader itself', async (t) => {
  const sections: ConfigSection[] = [];
  const n = readConfigText('# c\n[drive "d0"]\n  file = "a b" junk\nx = ""\nflag\nfile = "c"\n[device]\n\ndriver = "x"', 'f', (s) => sections.push(s));
  t.equal(n, 2);
  t.same(plain(sections), [
    { group: 'drive', dict: { id: 'd0', file: 'c', x: '', flag: '' }, loc: { kind: 'file', file: 'f', line: 6 } },
    { group: 'device', dict: { driver: 'x' }, loc: { kind: 'file', file: 'f', line: 9 } },
  ]);
  // a section is applied before the next line is even read
  const seen: string[] = [];
  t.throws(() => readConfigText('[a]\nk = "v"\n[b]\n   \n', 'f', (s) => {
    seen.push(s.group);
  }), new Error('parse error'));
  t.same(seen, ['a']);
  // an indented '#' is a key named '#', not a comment
  const keys: ConfigSection[] = [];
  readConfigText('[a]\n  # x\n', 'f', (s) => keys.push(s));
  t.same(plain(keys[0].dict), { '#': '' });
});

t.test('real files and a directory', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-rc-'));
  const f = join(dir, 'vm.cfg');
  writeFileSync(f, '[memory]\nsize = "512"\n');
  t.same(plain(run(['-readconfig', f]).parsed!.memory?.opts), { size: '512' });
  t.equal(err(['-readconfig', dir]), `emu-legacy: -readconfig ${dir}: Cannot read config file: Is a directory\n`);
});
