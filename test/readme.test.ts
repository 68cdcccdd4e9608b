// The README's main job, run as written: the first shell block under "## The main job" makes the
// images (emu-img, truncate) and starts two machines; each must show the embedded firmware's banner
// with the disk and the CD drive, and its prompt, and end on `poweroff`.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exitWithin, ROOT, spawnBinary, tempDir, waitFor } from './helpers/emu.ts';

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## The main job'));
const block = /```sh\n([\s\S]*?)```/.exec(section)![1];
const lines = block.split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
const BINS: Record<string, string> = { emu: 'bin/emu', 'emu-legacy': 'bin/emu-legacy', 'emu-img': 'bin/emu-img' };

/** `npx emu-x args` → the checkout's binary; other commands (truncate) as they are. */
function command(line: string): [string, string[]] {
  const words = line.split(/\s+/);
  if (words[0] === 'npx') return [join(ROOT, BINS[words[1]]), words.slice(2)];
  return [words[0], words.slice(1)];
}

/** The banner the README shows, as `emu virt-disk` prints it. */
const shown = /\n```\n(emu firmware [\s\S]*?)\n```/.exec(section)![1];

const machines = lines.filter((l) => /^npx emu(-legacy)? /.test(l));
const setup = lines.filter((l) => !machines.includes(l));

t.test('the README shows the two machine commands of the main job', async (t) => {
  t.same(machines, ['npx emu-legacy -hda disk.img -cdrom x.iso -nographic', 'npx emu virt-disk root=disk.img cdrom=x.iso']);
  t.ok(setup.some((l) => l.startsWith('npx emu-img create')), 'images made with emu-img');
});

for (const line of machines) {
  t.test(line, async (t) => {
    const dir = tempDir();
    for (const l of setup) {
      const [cmd, args] = command(l);
      execFileSync(cmd, args, { cwd: dir, stdio: 'pipe', timeout: 30_000 });
    }
    const [cmd, args] = command(line);
    const p = spawnBinary(t, cmd, args, { cwd: dir });
    await waitFor(() => p.stdout().includes('emu> '), 'the firmware prompt', 30_000);
    const out = p.stdout();
    t.match(out, /emu firmware \d+\.\d+\.\d+/);
    t.match(out, /disk0 +64 MiB .*, disk\.img/);
    t.match(out, /cd0 +scsi-cd .*tray closed, medium present, 10 MiB .*, x\.iso/);
    t.match(out, /No bootable device found\./);
    if (line.startsWith('npx emu ')) {
      const banner = out.slice(out.indexOf('emu firmware'), out.indexOf('emu> ') + 4).replace(/\r/g, '');
      t.equal(banner.replace(/emu firmware \S+/, 'emu firmware X'), shown.replace(/emu firmware \S+/, 'emu firmware X'), "the README's sample output is what emu prints");
    }
    p.proc.stdin!.write('poweroff\r');
    const exit = await exitWithin(p, 20_000);
    t.equal(exit?.code, 0, 'poweroff ends emu');
  });
}
