// blockdev-add's snapshot=true (-drive snapshot=on, -snapshot): writes go to a throw-away overlay,
// reads see them, and the image itself stays byte-identical.

import t from 'tap';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCore } from '../../src/qmp/core.ts';
import { tempDir } from '../helpers/emu.ts';

t.test('writes land in the overlay, the base image is untouched', async (t) => {
  const f = join(tempDir(), 'base.img');
  writeFileSync(f, Buffer.alloc(1 << 20, 0x5a));
  const before = readFileSync(f);
  const { vm, dispatcher } = createCore();
  await dispatcher.submit('blockdev-add', { driver: 'raw', 'node-name': 'd0', snapshot: true, file: { driver: 'file', filename: f } });
  const node = vm.blocks.get('d0')!;
  t.equal(node.impl.readOnly, false, 'the guest may write');
  node.impl.write(4096, new Uint8Array(512).fill(0xa5));
  node.impl.flush();
  const back = new Uint8Array(512);
  node.impl.read(4096, back);
  t.equal(back[0], 0xa5, 'reads see the writes');
  node.impl.read(0, back);
  t.equal(back[0], 0x5a, 'unwritten areas come from the image');
  vm.blocks.closeAll();
  t.same(readFileSync(f), before, 'the image is byte-identical');
});
