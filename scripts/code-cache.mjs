// Writes each binary's V8 code cache (dist/NAME.cjs.v8cache, read by bin/start.cjs) by running the
// binary's usual start-up once with EMU_CODE_CACHE=train: the cache then holds the functions that
// start-up compiles, not only the bundle's top level. emu and emu-legacy are trained on a QMP start-up
// (spawn, greeting, qmp_capabilities, query-status, quit), emu-img on `info` of a small image.
// A training run that fails leaves no cache: the binaries then write their own on first use.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT_MS = 30_000;

function run(bin, args, { qmpSocket } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, EMU_CODE_CACHE: 'train' } });
    let stderr = '';
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { proc.kill('SIGKILL'); reject(new Error(`${bin}: training run timed out`)); }, TIMEOUT_MS);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`${bin} ${args.join(' ')} exited with ${code}: ${stderr.trim()}`));
    });
    if (qmpSocket) talk(qmpSocket, proc).catch((e) => { proc.kill('SIGKILL'); reject(e); });
  });
}

/** Greeting, negotiation, a query and quit over the binary's QMP socket. */
async function talk(path, proc) {
  while (!existsSync(path)) {
    if (proc.exitCode !== null) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  const sock = await new Promise((resolve, reject) => {
    const attempt = (n) => {
      const s = net.connect(path);
      s.once('connect', () => resolve(s));
      s.once('error', (e) => (n > 0 ? setTimeout(() => attempt(n - 1), 10) : reject(e)));
    };
    attempt(100);
  });
  const replies = ['{"execute":"qmp_capabilities"}', '{"execute":"query-status"}', '{"execute":"quit"}'];
  let buf = '';
  sock.on('data', (d) => {
    buf += d;
    while (buf.includes('\n')) {
      buf = buf.slice(buf.indexOf('\n') + 1);
      const next = replies.shift();
      if (next) sock.write(next);
    }
  });
  sock.on('error', () => {});
}

export async function trainCodeCaches(root) {
  const dir = mkdtempSync(join(tmpdir(), 'emu-code-cache-'));
  try {
    const bin = (name) => join(root, 'bin', name);
    const s1 = join(dir, 'emu.sock');
    const s2 = join(dir, 'legacy.sock');
    const img = join(dir, 'disk.img');
    writeFileSync(img, Buffer.alloc(1 << 16));
    const results = await Promise.allSettled([
      run(bin('emu'), ['--qmp-socket', s1, '-S'], { qmpSocket: s1 }),
      run(bin('emu-legacy'), ['-M', 'virt', '-S', '-display', 'none', '-nodefaults', '-qmp', `unix:${s2},server=on,wait=off`], { qmpSocket: s2 }),
      run(bin('emu-img'), ['info', img]),
    ]);
    for (const r of results) if (r.status === 'rejected') console.warn(`code cache not trained: ${r.reason.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
