// A hart in WFI costs (almost) no host CPU: the run loop sleeps on a host timer until the next
// CLINT deadline. In its own file so other tests' JIT and GC threads do not add to the count.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runGuest, guestElf, GUESTS } from './helpers.ts';

t.test('a guest sleeping in WFI costs almost no host CPU', async (t) => {
  // measured inside the guest's sleep, between its "sleeping" and "woke" lines: only the WFI period
  const m: { armed?: boolean; cpu0?: NodeJS.CpuUsage; used?: NodeJS.CpuUsage; t0: number; wall: number } = { t0: 0, wall: 0 };
  const r = await runGuest({ kernel: guestElf('wfi') }, {
    harts: 2, timeoutMs: 30000,
    onOutput: (out) => {
      // from 50 ms into the sleep: V8's threads are still compiling the code that ran just before
      if (!m.cpu0 && !m.armed && out.includes('sleeping\r\n')) {
        m.armed = true;
        setTimeout(() => { if (!m.used) { m.cpu0 = process.cpuUsage(); m.t0 = performance.now(); } }, 50);
      }
      if (m.cpu0 && !m.used && out.includes('woke')) { m.used = process.cpuUsage(m.cpu0); m.wall = performance.now() - m.t0; }
    },
  });
  const cpuMs = m.used ? (m.used.user + m.used.system) / 1000 : Infinity;
  const wall = m.wall;
  t.equal(r.exitCode, 0, 'guest woke from WFI on its timer');
  t.equal(r.output, readFileSync(join(GUESTS, 'wfi.expected'), 'latin1'), 'same transcript as QEMU');
  t.ok(wall >= 200, `measured ${wall.toFixed(0)} ms of the sleep`);
  t.comment(`host CPU while the guest slept: ${cpuMs.toFixed(1)} ms over ${wall.toFixed(0)} ms (${(100 * cpuMs / wall).toFixed(1)}%)`);
  t.ok(cpuMs < 0.1 * wall, 'host CPU near zero while the guest sleeps');
});
