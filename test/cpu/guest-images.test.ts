// The committed guest images must be what their sources build to, so the tests (which use
// the prebuilt .elf files) test the sources. Needs Debian's gcc-riscv64-unknown-elf.
import t from 'tap';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GUESTS, hasCommand } from './helpers.ts';

const haveGcc = hasCommand('riscv64-unknown-elf-gcc') && hasCommand('make');

t.test('committed guest images equal a fresh build', { skip: haveGcc ? false : 'riscv64-unknown-elf-gcc not installed (Debian package gcc-riscv64-unknown-elf)' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'emu-guests-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const f of readdirSync(GUESTS)) if (!f.endsWith('.elf') && !f.endsWith('.expected')) cpSync(join(GUESTS, f), join(dir, f));
  execFileSync('make', ['-s', '-C', dir], { stdio: 'pipe', timeout: 120000 });
  const elves = readdirSync(GUESTS).filter((f) => f.endsWith('.elf'));
  t.ok(elves.length >= 5, 'images are committed');
  for (const f of elves) {
    t.ok(Buffer.compare(readFileSync(join(GUESTS, f)), readFileSync(join(dir, f))) === 0, `${f} matches its sources`);
  }
});
