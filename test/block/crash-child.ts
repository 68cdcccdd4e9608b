// Run by crash.test.ts: a deterministic stream of writes (and some flushes) through the qcow2 driver,
// until killed. After each flush it prints how many writes the flush covered.
import { openImage } from '../../src/hw/block/open.ts';
import { crashOp } from './crash-ops.ts';

const [filename, seedText, countText] = process.argv.slice(2);
if (!filename) {
  // Run directly (e.g. `tap test/block/`): nothing to do without the parent's arguments.
  process.stdout.write('1..0 # SKIP crash writer; crash.test.ts runs it\n');
  process.exit(0);
}
// unsafe: flush() still writes the metadata in its crash-safe order, it only skips fdatasync, which
// a process kill does not need (the page cache survives it) and which would only slow the test.
const d = openImage({ filename, format: 'qcow2', cache: 'unsafe' }).driver;
const count = Number(countText);
const ops = crashOp(Number(seedText), d.size);
for (let i = 0; i < count; i++) {
  const op = ops();
  d.write(op.offset, op.data);
  if (op.flushAfter) {
    d.flush();
    process.stdout.write(`flushed ${i + 1}\n`);
  }
}
d.close();
process.stdout.write('done\n');
