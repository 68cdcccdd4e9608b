// Waiting for the process's standard streams to drain before exiting: when stdout is a pipe Node may
// write it asynchronously, and process.exit() would drop a guest's last output.

import type { Writable } from 'node:stream';

export async function drainStdio(timeoutMs = 2000): Promise<void> {
  const one = (s: Writable) =>
    s.writableLength === 0
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        s.once('drain', () => {
          clearTimeout(timer);
          resolve();
        });
      });
  await Promise.all([one(process.stdout), one(process.stderr)]);
}
