// bench/startup: spawn → QMP greeting (and → first reply) for `emu --qmp-socket PATH -S`, for emu with
// a config of 20 devices, and for `qemu-system-riscv64 -M virt -S -display none -nodefaults -qmp
// unix:PATH,server=on,wait=off` in the same run when QEMU is installed.
// Run: npx tsx bench/startup/startup-bench.ts [runs]
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.argv[2] ?? 15);
const EMU = new URL('../../bin/emu', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'emu-bench-startup-'));

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function once(cmd: string, args: (sock: string) => string[]): Promise<{ greeting: number; reply: number }> {
  const sock = join(dir, `s${Math.random().toString(36).slice(2)}.sock`);
  const t0 = performance.now();
  const proc = spawn(cmd, args(sock), { stdio: 'ignore' });
  try {
    while (!existsSync(sock)) {
      if (performance.now() - t0 > 20_000) throw new Error(`${cmd}: no socket`);
      await new Promise((r) => setTimeout(r, 1));
    }
    return await new Promise((resolve, reject) => {
      const attempt = () => {
        const s = net.connect(sock);
        let buf = '';
        let greeting = 0;
        s.on('error', () => setTimeout(attempt, 1));
        s.on('data', (d) => {
          buf += d.toString();
          if (!greeting && buf.includes('\n')) {
            greeting = performance.now() - t0;
            s.write('{"execute":"qmp_capabilities"}');
          } else if (greeting && buf.split('\n').length > 2) {
            resolve({ greeting, reply: performance.now() - t0 });
            s.destroy();
          }
        });
        setTimeout(() => reject(new Error('timeout')), 20_000).unref();
      };
      attempt();
    });
  } finally {
    proc.kill('SIGKILL');
  }
}

async function measure(name: string, cmd: string, args: (sock: string) => string[]) {
  const g: number[] = [];
  const r: number[] = [];
  await once(cmd, args);
  for (let i = 0; i < RUNS; i++) {
    const m = await once(cmd, args);
    g.push(m.greeting);
    r.push(m.reply);
  }
  console.log(`${name.padEnd(34)} greeting ${median(g).toFixed(1).padStart(7)} ms   first reply ${median(r).toFixed(1).padStart(7)} ms   (median of ${RUNS})`);
  return median(r);
}

const images = Array.from({ length: 4 }, (_, i) => {
  const f = join(dir, `d${i}.img`);
  writeFileSync(f, Buffer.alloc(1 << 16));
  return f;
});
const cfg = join(dir, 'twenty.json');
writeFileSync(cfg, JSON.stringify({
  machine: { type: 'virt', memory: '256M' },
  blockdevs: images.map((f, i) => ({ driver: 'raw', 'node-name': `d${i}`, 'read-only': true, file: { driver: 'file', filename: f } })),
  devices: [
    ...images.map((_, i) => ({ driver: 'virtio-blk-device', id: `vd${i}`, drive: `d${i}` })),
    { driver: 'virtio-scsi-device', id: 'scsi0' },
    ...Array.from({ length: 15 }, (_, i) => ({ driver: 'scsi-cd', id: `cd${i}`, bus: 'scsi0.0' })),
  ],
}));

const emuEmpty = await measure('emu --qmp-socket P -S', EMU, (s) => ['--qmp-socket', s, '-S']);
const emu20 = await measure('emu, config with 20 devices, -S', EMU, (s) => ['--qmp-socket', s, '-S', cfg]);
const hasQemu = spawnSync('qemu-system-riscv64', ['--version']).status === 0;
if (hasQemu) {
  const q = await measure('qemu-system-riscv64 -M virt -S', 'qemu-system-riscv64', (s) => ['-M', 'virt', '-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${s},server=on,wait=off`]);
  console.log(`ratio emu/QEMU (first reply): empty ${(emuEmpty / q).toFixed(2)}, 20 devices ${(emu20 / q).toFixed(2)}`);
} else {
  console.log('qemu-system-riscv64 not installed (Debian qemu-system-misc): no comparison');
}
process.exit(0);
