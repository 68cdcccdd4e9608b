/**
 * Should the CPU run on the main event loop (slices + setImmediate) or in a worker thread?
 * Runs the CPU-bound guest both ways for a fixed time and measures, on the main thread, how
 * late a 1 ms interval timer fires (a stand-in for QMP socket latency) and the guest MIPS.
 *
 *   npx tsx bench/cpu/worker-vs-eventloop.ts [seconds]
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { VirtBoard } from '../../src/hw/guest/virt-board.ts';

const SECONDS = Number(process.argv[2] ?? 3);
const ELF = new URL('./cpubench.elf', import.meta.url).pathname;

function makeBoard(onOff: () => void): VirtBoard {
  const b = new VirtBoard({ power: { poweroff: onOff, reset: () => {} } });
  return b;
}

if (!isMainThread) {
  // worker: run slices back to back; the worker's own event loop only serves the stop message
  const b = makeBoard(() => { b.loadImages({ kernel: readFileSync(workerData.elf) }); for (const h of b.harts) h.reset(0x1000); });
  b.loadImages({ kernel: readFileSync(workerData.elf) });
  let stop = false;
  parentPort!.on('message', () => { stop = true; });
  const t0 = performance.now();
  let n = 0;
  const step = (): void => {
    const end = performance.now() + 50;
    while (performance.now() < end) { b.clint.update(); for (const h of b.harts) n += h.run(20000); }
    if (stop) { parentPort!.postMessage({ insns: n, secs: (performance.now() - t0) / 1000 }); return; }
    setImmediate(step);
  };
  step();
} else {
  const lateness = async (ms: number): Promise<number[]> => {
    const out: number[] = [];
    let last = performance.now();
    await new Promise<void>((resolve) => {
      const iv = setInterval(() => {
        const now = performance.now();
        out.push(now - last - 1);
        last = now;
      }, 1);
      setTimeout(() => { clearInterval(iv); resolve(); }, ms);
    });
    return out.sort((a, b) => a - b);
  };
  const pct = (a: number[], p: number): string => a[Math.min(a.length - 1, Math.floor(a.length * p))].toFixed(1);

  // 1. event loop
  const b = makeBoard(() => { b.loadImages({ kernel: readFileSync(ELF) }); b.reset(); });
  b.loadImages({ kernel: readFileSync(ELF) });
  const t0 = performance.now();
  b.runLoop.start();
  const l1 = await lateness(SECONDS * 1000);
  b.runLoop.pause();
  const mips1 = b.runLoop.instructions / ((performance.now() - t0) / 1000) / 1e6;
  b.dispose();
  console.log(`event loop : ${mips1.toFixed(1)} MIPS; 1 ms timer lateness p50 ${pct(l1, 0.5)} ms, p99 ${pct(l1, 0.99)} ms, max ${pct(l1, 1)} ms (${l1.length} ticks)`);

  // 2. worker
  // the worker needs the TypeScript loader registered in its own thread
  const boot = `import('tsx/esm/api').then((api) => { api.register(); return import(${JSON.stringify(import.meta.url)}); });`;
  const w = new Worker(boot, { eval: true, workerData: { elf: ELF } });
  await new Promise((r) => setTimeout(r, 300)); // let the worker load
  const l2 = await lateness(SECONDS * 1000);
  w.postMessage('stop');
  const res: { insns: number; secs: number } = await new Promise((r) => w.once('message', r));
  await w.terminate();
  console.log(`worker     : ${(res.insns / res.secs / 1e6).toFixed(1)} MIPS; 1 ms timer lateness p50 ${pct(l2, 0.5)} ms, p99 ${pct(l2, 0.99)} ms, max ${pct(l2, 1)} ms (${l2.length} ticks)`);
  process.exit(0);
}
