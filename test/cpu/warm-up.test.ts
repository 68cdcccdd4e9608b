// The warm-up program (src/hw/cpu/warm-up.ts) must really take the paths it is there to train:
// it ends, on both of its harts, at its final spin in S-mode, which it reaches only after three
// rounds of the M-mode instruction mix (traps included) and three rounds under Sv39 paging.
import t from 'tap';
import { runWarmUpProgram } from '../../src/hw/cpu/warm-up.ts';
import { PRV_S } from '../../src/hw/cpu/hart.ts';

t.test('the warm-up program runs to its end, interpreted and compiled alike', async (t) => {
  const { interpreted, compiled, blocks } = runWarmUpProgram();
  t.ok(compiled, 'a block compiler is available here');
  for (const [name, h] of [['interpreted', interpreted], ['compiled', compiled!]] as const) {
    t.equal(h.priv, PRV_S, `${name}: ended in S-mode (after mret with MPP = S)`);
    t.equal(h.getReg(3), 0n, `${name}: the S-mode loop counted down`);
    t.equal(h.csrRead(0x342, 0), 13, `${name}: the last trap was the S-mode load page fault`);
    t.equal(h.getReg(24), 1n, `${name}: the instruction across the page boundary ran`);
    t.equal(h.csrRead(0x180, 0) === 0, false, `${name}: satp set (Sv39)`);
  }
  for (let r = 0; r < 32; r++) t.equal(compiled!.getReg(r), interpreted.getReg(r), `x${r} equal on both harts`);
  t.equal(compiled!.pc, interpreted.pc, 'same final pc');
  // more than four distinct blocks, so V8 sees the interpreter's call into blocks as megamorphic
  t.ok(blocks > 4, `blocks compiled (${blocks})`);
});
