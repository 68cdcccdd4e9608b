// The committed firmware image must be what its sources build to, so what emu embeds is what the
// sources say. Needs Debian's gcc-riscv64-unknown-elf.
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/emu.ts';

const FIRMWARE = join(ROOT, 'firmware');

function hasCommand(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

const haveGcc = hasCommand('riscv64-unknown-elf-gcc') && hasCommand('make');

t.test('committed firmware image equals a fresh build', { skip: haveGcc ? false : 'riscv64-unknown-elf-gcc not installed (Debian package gcc-riscv64-unknown-elf)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-fw-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(FIRMWARE)) if (!/\.(bin|elf)$/.test(f)) cpSync(join(FIRMWARE, f), join(dir, f));
  execFileSync('make', ['-s', '-C', dir, `PACKAGE_JSON=${join(ROOT, 'package.json')}`], { stdio: 'pipe', timeout: 120_000 });
  const fresh = readFileSync(join(dir, 'emu-fw.bin'));
  const committed = readFileSync(join(FIRMWARE, 'emu-fw.bin'));
  t.ok(fresh.length > 0 && fresh.length < 2 * 1024 * 1024, 'the image stays below the 2 MiB where a -kernel goes');
  t.ok(Buffer.compare(committed, fresh) === 0, 'firmware/emu-fw.bin matches its sources (run make -C firmware)');
});

t.test('committed SBI test payload equals a fresh build', { skip: haveGcc ? false : 'riscv64-unknown-elf-gcc not installed (Debian package gcc-riscv64-unknown-elf)' }, async (t) => {
  const src = join(ROOT, 'test/firmware/sbi-payload');
  const dir = mkdtempSync(join(tmpdir(), 'emu-sbi-payload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(src)) if (!f.endsWith('.elf')) cpSync(join(src, f), join(dir, f));
  execFileSync('make', ['-s', '-C', dir], { stdio: 'pipe', timeout: 120_000 });
  t.ok(Buffer.compare(readFileSync(join(src, 'sbi-payload.elf')), readFileSync(join(dir, 'sbi-payload.elf'))) === 0, 'sbi-payload.elf matches its sources');
});

t.test('committed boot-header test payload equals a fresh build', { skip: haveGcc ? false : 'riscv64-unknown-elf-gcc not installed (Debian package gcc-riscv64-unknown-elf)' }, async (t) => {
  const src = join(ROOT, 'test/firmware/boot-payload');
  const dir = mkdtempSync(join(tmpdir(), 'emu-boot-payload-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(src)) if (!/\.(bin|elf)$/.test(f)) cpSync(join(src, f), join(dir, f));
  execFileSync('make', ['-s', '-C', dir], { stdio: 'pipe', timeout: 120_000 });
  t.ok(Buffer.compare(readFileSync(join(src, 'boot-payload.bin')), readFileSync(join(dir, 'boot-payload.bin'))) === 0, 'boot-payload.bin matches its sources');
});

t.test('the image embeds the package version', async (t) => {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  t.ok(readFileSync(join(FIRMWARE, 'emu-fw.bin')).includes(Buffer.from(`\0${version}\0`)), `version ${version} is in the image (rebuild after a version bump)`);
});
