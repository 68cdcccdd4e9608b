import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  writeFileDurable,
  writeFileDurableSync,
  DurableWriteFaultError,
  type DurableWriteFault,
} from '../../src/shared/durable-write.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'emu-dw-'));
const FAULTS: DurableWriteFault[] = ['before-fsync', 'before-rename', 'before-dir-fsync'];

for (const [label, write] of [
  ['sync', async (p: string, d: string | Uint8Array, o?: Parameters<typeof writeFileDurableSync>[2]) => writeFileDurableSync(p, d, o)],
  ['async', writeFileDurable],
] as const) {
  t.test(`${label}: writes, replaces, leaves nothing behind`, async (t) => {
    const dir = fresh();
    const p = join(dir, 'state.json');
    await write(p, '{"a":1}');
    t.equal(readFileSync(p, 'utf8'), '{"a":1}');
    await write(p, new TextEncoder().encode('{"a":2}'));
    t.equal(readFileSync(p, 'utf8'), '{"a":2}');
    t.same(readdirSync(dir), ['state.json']);
    await write(p, 'x', { mode: 0o600 });
    t.equal(statSync(p).mode & 0o777, 0o600);
  });

  t.test(`${label}: a missing folder fails cleanly`, async (t) => {
    const dir = fresh();
    await t.rejects(write(join(dir, 'nope', 'f'), 'x'), { code: 'ENOENT' });
    t.same(readdirSync(dir), []);
  });

  for (const fault of FAULTS) {
    t.test(`${label}: fault ${fault}`, async (t) => {
      const dir = fresh();
      const p = join(dir, 'state.json');
      writeFileSync(p, 'old');
      await t.rejects(write(p, 'new', { fault }), DurableWriteFaultError);
      // the target is either the old or the new content, never partial; the temp file is gone
      t.equal(readFileSync(p, 'utf8'), fault === 'before-dir-fsync' ? 'new' : 'old');
      t.same(readdirSync(dir), ['state.json']);
    });

    t.test(`${label}: simulated crash at ${fault} keeps the temp file as a crash would`, async (t) => {
      const dir = fresh();
      const p = join(dir, 'state.json');
      writeFileSync(p, 'old');
      const e = await write(p, 'new', { fault, simulateCrash: true }).then(() => undefined, (x: unknown) => x);
      t.ok(e instanceof DurableWriteFaultError && e.step === fault);
      t.equal(readFileSync(p, 'utf8'), fault === 'before-dir-fsync' ? 'new' : 'old');
      const others = readdirSync(dir).filter((f) => f !== 'state.json');
      t.equal(others.length, fault === 'before-dir-fsync' ? 0 : 1);
      for (const f of others) t.match(f, /^\.state\.json\.tmp-/);
    });
  }
}

t.test('concurrent writers each leave a whole file', async (t) => {
  const dir = fresh();
  const p = join(dir, 'f');
  const bodies = Array.from({ length: 20 }, (_, i) => String(i).repeat(10000));
  await Promise.all(bodies.map((b) => writeFileDurable(p, b)));
  t.ok(bodies.includes(readFileSync(p, 'utf8')));
  t.same(readdirSync(dir), ['f']);
});
