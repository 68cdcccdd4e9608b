// Writes each binary's V8 code cache (dist/NAME.cjs.v8cache, read by bin/start.cjs) by running the
// binary's usual start-up once with EMU_CODE_CACHE=train: the cache then holds the functions that
// start-up compiles, not only the bundle's top level:
// - emu on a QMP start-up from a standard config (`emu --qmp-socket S -S virt-disk root=… cdrom=…`:
//   greeting, qmp_capabilities, query-status, quit), so the config layer and device creation are in
//   it too (a 20-device config then starts 20 ms sooner; the empty start pays 2 ms more to load it);
// - emu-legacy on the README's main job, `-nographic` up to the embedded firmware's prompt, then
//   `poweroff` typed at it, plus a QMP socket;
// - emu-img on `info` of a small image.
// A training run that fails leaves no cache: the binaries then write their own on first use.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TIMEOUT_MS = 30_000;

function run(bin, args, { qmpSocket, prompt } = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, EMU_CODE_CACHE: 'train' } });
    let stdout = '';
    proc.stdout.on('data', (d) => {
      stdout += d;
      if (prompt && stdout.includes(prompt.wait)) {
        proc.stdin.write(prompt.type);
        prompt = undefined;
      }
    });
    if (!prompt) proc.stdin.end();
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
    const iso = join(dir, 'cd.iso');
    writeFileSync(img, Buffer.alloc(1 << 20));
    writeFileSync(iso, Buffer.alloc(1 << 20));
    // One at a time: a training run is a start-up, and start-ups are what the cache is for.
    const results = [];
    for (const [name, args, opts] of [
      ['emu', ['--qmp-socket', s1, '-S', 'virt-disk', `root=${img}`, `cdrom=${iso}`], { qmpSocket: s1 }],
      ['emu-legacy', ['-hda', img, '-cdrom', iso, '-nographic', '-qmp', `unix:${s2},server=on,wait=off`], { prompt: { wait: 'emu> ', type: 'poweroff\r' } }],
      ['emu-img', ['info', img], {}],
    ]) {
      results.push(await run(bin(name), args, opts).then(() => ({ status: 'fulfilled' }), (reason) => ({ status: 'rejected', reason })));
    }
    for (const r of results) if (r.status === 'rejected') console.warn(`code cache not trained: ${r.reason.message}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
