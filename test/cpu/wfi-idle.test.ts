// A hart in WFI costs (almost) no host CPU: the run loop sleeps on a host timer until the next
// CLINT deadline. In its own file so other tests' JIT and GC threads do not add to the count.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGuest, guestElf, GUESTS } from './helpers.ts';

t.test('a guest sleeping in WFI costs almost no host CPU', async (t) => {
  // measured from the guest's "sleeping" to its "woke" line: only the WFI period
  const m: { cpu0?: NodeJS.CpuUsage; used?: NodeJS.CpuUsage; t0: number; wall: number } = { t0: 0, wall: 0 };
  const r = await runGuest({ kernel: guestElf('wfi') }, {
    harts: 2, timeoutMs: 30000,
    onOutput: (out) => {
      if (!m.cpu0 && out.includes('sleeping\r\n')) { m.cpu0 = process.cpuUsage(); m.t0 = performance.now(); }
      if (m.cpu0 && !m.used && out.includes('woke')) { m.used = process.cpuUsage(m.cpu0); m.wall = performance.now() - m.t0; }
    },
  });
  const cpuMs = m.used ? (m.used.user + m.used.system) / 1000 : Infinity;
  const wall = m.wall;
  t.equal(r.exitCode, 0, 'guest woke from WFI on its timer');
  t.equal(r.output, readFileSync(join(GUESTS, 'wfi.expected'), 'latin1'), 'same transcript as QEMU');
  t.ok(wall >= 250, `slept ${wall.toFixed(0)} ms`);
  t.comment(`host CPU while the guest slept: ${cpuMs.toFixed(1)} ms over ${wall.toFixed(0)} ms (${(100 * cpuMs / wall).toFixed(1)}%)`);
  t.ok(cpuMs < 0.1 * wall, 'host CPU near zero while the guest sleeps');
});
