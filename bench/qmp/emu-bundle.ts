// Bundles bin/emu's entry point to node_modules/.cache/emu-qmp/ so benchmarks and tests drive the
// current source without touching dist/ (which other work may be building at the same time).
// Package imports stay external and resolve through the repository's node_modules.
import { build } from 'esbuild';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export async function bundleEmu(): Promise<string> {
  const outdir = path.join(REPO, 'node_modules', '.cache', 'emu-qmp', String(process.pid));
  fs.mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: { emu: path.join(REPO, 'src/vl2/main.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'error',
  });
  return path.join(outdir, 'emu.js');
}

export function removeBundle(file: string): void {
  fs.rmSync(path.dirname(file), { recursive: true, force: true });
}
