// Temporary folders with real config files and images, for the config tests.

import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../src/vl2/config/index.ts';

export function tempDir(files: Record<string, string | Buffer> = {}): { dir: string; path: (name: string) => string; write: (name: string, text: string | Buffer) => string } {
  const dir = mkdtempSync(join(tmpdir(), 'emu-config-'));
  const write = (name: string, text: string | Buffer) => {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  };
  for (const [n, t] of Object.entries(files)) write(n, t);
  return { dir, path: (n) => join(dir, n), write };
}

/** The ConfigError a function throws (fails the test with the real error otherwise). */
export function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}
