// The committed virtio guest images (test/guests/*.img, built by virtio.mk) must be what their
// sources build to. Needs Debian's gcc-riscv64-unknown-elf.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUESTS } from './helpers.ts';

function has(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}

t.test('committed virtio guest images equal a fresh build', { skip: has('riscv64-unknown-elf-gcc') && has('make') ? false : 'riscv64-unknown-elf-gcc not installed (Debian package gcc-riscv64-unknown-elf)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-virtio-guests-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(GUESTS)) if (!f.endsWith('.elf') && !f.endsWith('.img') && !f.endsWith('.expected')) cpSync(join(GUESTS, f), join(dir, f));
  execFileSync('make', ['-s', '-C', dir, '-f', 'virtio.mk'], { stdio: 'pipe', timeout: 120000 });
  const images = readdirSync(GUESTS).filter((f) => f.endsWith('.img'));
  t.ok(images.length >= 2, 'images are committed');
  for (const f of images) t.ok(Buffer.compare(readFileSync(join(GUESTS, f)), readFileSync(join(dir, f))) === 0, `${f} matches its sources`);
});
