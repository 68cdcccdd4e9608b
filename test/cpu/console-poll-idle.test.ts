// A guest spinning on the UART's line status register for a key (U-Boot's and OpenSBI's consoles
// wait this way, without WFI) is put to sleep by the run loop instead of burning a host core, and
// still answers a key at once. In its own file so other tests' threads do not add to the count.
import t from 'tap';
import { runGuest } from './helpers.ts';

// lui t0,0x10000; li t1,'>'; sb t1,0(t0); loop: lbu t1,5(t0); andi t1,t1,1; beqz t1,loop;
// lbu t1,0(t0); sb t1,0(t0); j loop   — print '>', then echo every byte received
const ECHO = new Uint32Array([0x100002b7, 0x03e00313, 0x00628023, 0x0052c303, 0x00137313, 0xfe030ce3, 0x0002c303, 0x00628023, 0xfedff06f]);

t.test('a console polled for a key costs almost no host CPU and still echoes at once', async (t) => {
  const m: { cpu?: number; wall?: number; sent?: number; echoMs?: number } = {};
  const r = await runGuest({ kernel: new Uint8Array(ECHO.buffer) }, {
    timeoutMs: 30_000,
    until: (out) => out.endsWith('x'),
    onOutput: (out, board) => {
      if (out === '>') {
        // let the guest settle into its loop, then measure a second of waiting
        setTimeout(() => {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          setTimeout(() => {
            const used = process.cpuUsage(c0);
            m.cpu = (used.user + used.system) / 1000;
            m.wall = performance.now() - t0;
            m.sent = performance.now();
            board.uart.push('x');
          }, 1000);
        }, 200);
      }
      if (out.endsWith('x') && m.sent !== undefined) m.echoMs = performance.now() - m.sent;
    },
  });
  t.equal(r.output, '>x', 'the key is echoed');
  t.comment(`host CPU while the guest polled: ${m.cpu!.toFixed(1)} ms over ${m.wall!.toFixed(0)} ms; echo after ${m.echoMs!.toFixed(1)} ms`);
  t.ok(m.cpu! < 0.15 * m.wall!, 'the polling guest sleeps');
  t.ok(m.echoMs! < 50, 'input wakes it at once');
});
