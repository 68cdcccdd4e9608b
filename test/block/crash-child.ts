// Run by crash.test.ts: a deterministic stream of writes (and some flushes) through the qcow2 driver,
// until killed. After each flush it prints how many writes the flush covered.
import { openImage } from '../../src/hw/block/open.ts';
import { crashOp } from './crash-ops.ts';

const [filename, seedText, countText] = process.argv.slice(2);
const d = openImage({ filename, format: 'qcow2' }).driver;
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
