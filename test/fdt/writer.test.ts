import t from 'tap';
import { FdtError, FdtTree, serializeFdt, FDT_MAGIC } from '../../src/hw/fdt/writer.ts';
import { parseFdt, propString, propStrings, propU32s, propU64s, readFdtHeader } from '../../src/hw/fdt/reader.ts';

function sample(): FdtTree {
  const tree = new FdtTree();
  const root = tree.root;
  root.setCells('#address-cells', 2).setCells('#size-cells', 2).setString('compatible', 'test,board');
  const intc = root.addChild('intc@1000');
  intc.setEmpty('interrupt-controller').setCells('#interrupt-cells', 1);
  const dev = root.addChild('dev@2000');
  dev
    .setU64('reg', 0x2000, 0x100)
    .setCells('interrupt-parent', intc)
    .setCells('interrupts', 5)
    .setStrings('compatible', 'vendor,dev2', 'vendor,dev')
    .setBytes('blob', new Uint8Array([1, 2, 3]))
    .setString('label', 'ünïcode');
  dev.addChild('sub').setCells('cells', 7);
  return tree;
}

t.test('header and layout', async (t) => {
  const blob = serializeFdt(sample());
  const h = readFdtHeader(blob);
  t.equal(h.magic, FDT_MAGIC);
  t.equal(h.version, 17);
  t.equal(h.lastCompVersion, 16);
  t.equal(h.totalsize, blob.length, 'not padded by default');
  t.equal(h.offMemRsvmap, 40);
  t.equal(h.offDtStruct, 56, 'one terminating reservation entry');
  t.equal(h.offDtStrings, h.offDtStruct + h.sizeDtStruct);
  t.equal(h.offDtStrings + h.sizeDtStrings, blob.length);
  t.equal(h.sizeDtStruct % 4, 0);
});

t.test('strings block is de-duplicated, sharing tails like dtc', async (t) => {
  const tree = sample();
  const blob = serializeFdt(tree);
  const h = readFdtHeader(blob);
  const strings = Buffer.from(blob.subarray(h.offDtStrings, h.offDtStrings + h.sizeDtStrings)).toString('latin1');
  const names = strings.split('\0').slice(0, -1);
  t.same(names, [
    '#address-cells',
    '#size-cells',
    'compatible',
    'interrupt-controller',
    '#interrupt-cells',
    'phandle',
    'reg',
    'interrupt-parent',
    'interrupts',
    'blob',
    'label',
  ], 'first-use order, each name once, "cells" shares the tail of "#address-cells"');
});

t.test('phandles: assigned at serialization, appended last when not placed', async (t) => {
  const { tree } = parseFdt(serializeFdt(sample()));
  const intc = tree.find('/intc@1000')!;
  t.same(intc.props.map((p) => p.name), ['interrupt-controller', '#interrupt-cells', 'phandle']);
  t.same(propU32s(intc.prop('phandle')!), [1]);
  t.same(propU32s(tree.find('/dev@2000')!.prop('interrupt-parent')!), [1]);

  // Fixed numbers stay; the others go above the highest fixed one.
  const t2 = new FdtTree();
  const a = t2.root.addChild('a');
  const b = t2.root.addChild('b');
  const c = t2.root.addChild('c').setPhandle(7);
  t2.root.setCells('refs', b, a, c);
  const parsed = parseFdt(serializeFdt(t2)).tree;
  t.same(propU32s(parsed.root.prop('refs')!), [9, 8, 7], 'a then b in depth-first order, after the fixed 7');

  const t3 = new FdtTree();
  t3.root.addChild('x').setPhandle(3);
  t3.root.addChild('y').setPhandle(3);
  t.throws(() => serializeFdt(t3), /both have phandle 3/);

  const t4 = new FdtTree();
  const stray = new FdtTree().root.addChild('elsewhere');
  t4.root.setCells('ref', stray);
  t.throws(() => serializeFdt(t4), /not in this tree/);
});

t.test('values round trip through the reader', async (t) => {
  const { tree, header } = parseFdt(serializeFdt(sample()));
  t.equal(header.bootCpuidPhys, 0);
  const dev = tree.find('/dev@2000')!;
  t.same(propU64s(dev.prop('reg')!), [0x2000n, 0x100n]);
  t.same(propStrings(dev.prop('compatible')!), ['vendor,dev2', 'vendor,dev']);
  t.equal(propString(dev.prop('label')!), 'ünïcode');
  t.same([...(dev.prop('blob')!.value as { bytes: Uint8Array }).bytes], [1, 2, 3]);
  t.equal(tree.find('/intc@1000')!.prop('interrupt-controller')!.value.type, 'bytes');
  t.same(propU32s(tree.find('/dev@2000/sub')!.prop('cells')!), [7]);
  t.equal(tree.find('/dev@2000/sub')!.path, '/dev@2000/sub');
});

t.test('writer → reader → writer gives the same bytes; output is deterministic', async (t) => {
  const make = (): FdtTree => {
    const tree = sample();
    tree.addReservation(0x80000000, 0x200000);
    tree.bootCpuidPhys = 1;
    return tree;
  };
  const tree = make();
  const a = serializeFdt(tree);
  t.same(Buffer.from(serializeFdt(tree)), Buffer.from(a), 'same tree, same bytes');
  t.same(Buffer.from(serializeFdt(make())), Buffer.from(a), 'equal trees, same bytes');
  const { tree: back } = parseFdt(a);
  t.same(back.reservations, [{ address: 0x80000000n, size: 0x200000n }]);
  t.equal(back.bootCpuidPhys, 1);
  t.same(Buffer.from(serializeFdt(back)), Buffer.from(a), 'round trip');
});

t.test('padding', async (t) => {
  const packed = serializeFdt(sample());
  const padded = serializeFdt(sample(), { padTo: 0x1000 });
  t.equal(padded.length, 0x1000);
  t.equal(readFdtHeader(padded).totalsize, 0x1000);
  t.same(Buffer.from(padded.subarray(packed.length)), Buffer.alloc(0x1000 - packed.length));
  t.same(Buffer.from(padded.subarray(40, packed.length)), Buffer.from(packed.subarray(40)), 'blocks unchanged');
  t.throws(() => serializeFdt(sample(), { padTo: 16 }), /needs \d+ bytes/);
  // Extra bytes after totalsize (QEMU's dump is the whole 1 MiB buffer) are ignored.
  const big = new Uint8Array(packed.length + 100);
  big.set(packed);
  t.same(Buffer.from(serializeFdt(parseFdt(big).tree)), Buffer.from(packed));
});

t.test('the builder refuses what the format cannot hold', async (t) => {
  const tree = new FdtTree();
  tree.root.addChild('a');
  t.throws(() => tree.root.addChild('a'), /already has a child 'a'/);
  t.throws(() => tree.root.addChild('bad name'), FdtError);
  t.throws(() => tree.root.addChild('a/b'), FdtError);
  t.throws(() => tree.root.addChild('x'.repeat(32)), FdtError, 'node names are at most 31 characters');
  t.throws(() => tree.root.setString('s', 'a\0b'), /NUL/);
  t.throws(() => tree.root.setCells('c', 2 ** 32), /32-bit/);
  t.throws(() => tree.root.setCells('c', -1), /32-bit/);
  t.throws(() => tree.root.setU64('c', 2n ** 64n), /64-bit/);
  t.throws(() => tree.root.setEmpty('bad prop'), FdtError);
  t.ok(tree.root.setEmpty('#good,prop?-x_y.z+'), 'all allowed characters');
});

t.test('set keeps position, remove and removeChild work', async (t) => {
  const tree = new FdtTree();
  tree.root.setCells('a', 1).setCells('b', 2).setCells('a', 3);
  t.same(tree.root.props.map((p) => p.name), ['a', 'b']);
  t.ok(tree.root.remove('a'));
  t.notOk(tree.root.remove('a'));
  tree.root.addChild('k');
  t.ok(tree.root.removeChild('k'));
  t.equal(tree.find('/k'), undefined);
});

t.test('the reader rejects broken blobs', async (t) => {
  const good = serializeFdt(sample());
  t.throws(() => parseFdt(good.subarray(0, 20)), /too short/);
  const badMagic = good.slice();
  badMagic[0] = 0;
  t.throws(() => parseFdt(badMagic), /magic/);
  t.throws(() => parseFdt(good.subarray(0, good.length - 4)), /header says/);
  const oldVersion = good.slice();
  new DataView(oldVersion.buffer).setUint32(20, 3);
  t.throws(() => parseFdt(oldVersion), /version/);
  const badTag = good.slice();
  const h = readFdtHeader(good);
  new DataView(badTag.buffer).setUint32(h.offDtStruct, 0x77);
  t.throws(() => parseFdt(badTag), /unknown structure tag/);
  const truncatedStruct = good.slice();
  new DataView(truncatedStruct.buffer).setUint32(36, h.sizeDtStruct - 8);
  t.throws(() => parseFdt(truncatedStruct), FdtError);
});
