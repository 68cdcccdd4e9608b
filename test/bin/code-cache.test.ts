// The build's V8 code cache (dist/NAME.cjs.v8cache, bin/start.cjs) must be accepted when a binary
// starts: V8 silently refuses a cache made under other V8 flags (a flag the bundle set while the
// cache was being trained made every start compile from source, and rewrite the cache).
import t from 'tap';
import { EMU, EMU_LEGACY, ROOT, runBinary } from '../helpers/emu.ts';
import { join } from 'node:path';

for (const [name, bin] of [['emu', EMU], ['emu-legacy', EMU_LEGACY], ['emu-img', join(ROOT, 'bin/emu-img')]]) {
  t.test(`${name}: V8 accepts the code cache the build wrote`, async (t) => {
    const r = await runBinary(t, bin, [], { env: { EMU_CODE_CACHE: 'check' } });
    t.equal(r.stdout.trim(), 'accepted');
    t.equal(r.code, 0);
  });
}
