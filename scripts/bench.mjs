// npm run bench: runs every benchmark under bench/ one after another (each is runnable alone too)
// and prints its results. Results worth keeping are recorded by hand in bench/RESULTS.md with the
// date and the machine's load.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const only = process.argv.slice(2);
const root = new URL('../bench/', import.meta.url).pathname;
for (const dir of readdirSync(root, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort()) {
  if (only.length && !only.includes(dir)) continue;
  const scripts = readdirSync(join(root, dir)).filter((f) => /bench\.ts$/.test(f)).sort();
  for (const s of scripts) {
    const file = join(root, dir, s);
    if (!existsSync(file)) continue;
    console.log(`\n== bench/${dir}/${s}`);
    const r = spawnSync('npx', ['tsx', file], { stdio: 'inherit' });
    if (r.status !== 0) console.log(`(bench/${dir}/${s} exited with ${r.status})`);
  }
}
