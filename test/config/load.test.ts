// The loader's small contracts: variable words, omitted sections, options, source positions.

import t from 'tap';
import { ConfigError, isVariableWord, loadConfig, parseVariableWords } from '../../src/vl2/config/index.ts';
import { QmpError } from '../../src/shared/errors.ts';
import { configError, tempDir } from './helpers.ts';

t.test('name=value words', async (t) => {
  t.same(parseVariableWords(['root=a=b.img', 'disks=x', 'disks=y', 'empty=']), { root: 'a=b.img', disks: ['x', 'y'], empty: '' });
  t.throws(() => parseVariableWords(['=x']), /'=x' is not a variable assignment \(name=value\)/);
  t.throws(() => parseVariableWords(['disk.img']), /'disk.img' is not a variable assignment/);
  t.ok(isVariableWord('root=disk.img'));
  t.ok(isVariableWord('root-format=qcow2'));
  t.notOk(isVariableWord('./x=y.yaml'), 'a path with = is not a variable');
  t.notOk(isVariableWord('vm.yaml'));
});

t.test('an empty file, omitted format and sections', async (t) => {
  const { path } = tempDir({ 'empty.yaml': '', 'comment.yaml': '# nothing\n', 'fmt.json': '{"format": "emu-machine/1"}' });
  const empty = { format: 'emu-machine/1', chardevs: [], blockdevs: [], devices: [] };
  for (const f of ['empty.yaml', 'comment.yaml', 'fmt.json']) t.same(loadConfig(path(f)).document, empty, f);
});

t.test('options: validate, readFile', async (t) => {
  const { path } = tempDir({ 'bad.yaml': 'machine: {type: virt, memory: lots}\n' });
  t.same(loadConfig(path('bad.yaml'), {}, { validate: false }).document.machine, { type: 'virt', memory: 'lots' });
  const files: Record<string, string> = { '/v/a.yaml': 'include: [b.yaml]\n', '/v/b.yaml': 'machine: {type: virt}\n' };
  const loaded = loadConfig('/v/a.yaml', {}, { readFile: (p) => { if (!(p in files)) throw Object.assign(new Error('no'), { code: 'ENOENT' }); return files[p]; } });
  t.same(loaded.document.machine, { type: 'virt' });
  t.same(loaded.sources.files, ['/v/a.yaml', '/v/b.yaml']);
  const missing = configError(() => loadConfig('/v/none.yaml', {}, { readFile: () => { throw Object.assign(new Error('no'), { code: 'ENOENT' }); } }));
  t.equal(missing.message, 'could not read /v/none.yaml: No such file or directory');
});

t.test('sources.at and the error object', async (t) => {
  const { path } = tempDir({
    'vm.yaml': 'variables:\n  img: {default: a.img}\nblockdevs:\n  - driver: raw\n    file: {driver: file, filename: "${img}"}\n',
  });
  const { sources } = loadConfig(path('vm.yaml'));
  t.match(sources.at(['blockdevs', 0, 'file', 'filename']), { file: path('vm.yaml'), line: 5, column: 36, context: ['from variable img=a.img'] });
  t.match(sources.at(['blockdevs', 0, 'driver'], 'key'), { line: 4, column: 5 });
  t.match(sources.at(['blockdevs', 0, 'node-name']), { line: 4, column: 5 }, 'an absent member: its object');
  t.equal(sources.at(['nothing'])?.line, 1);
  const { path: p2 } = tempDir({ 'raw.yaml': 'blockdevs:\n  - driver: raw\n' });
  const e = configError(() => loadConfig(p2('raw.yaml')));
  t.ok(e instanceof QmpError && e instanceof ConfigError);
  t.equal(e.errorClass, 'GenericError');
  t.same([e.file, e.line, e.column, e.context, e.reason], [p2('raw.yaml'), 2, 5, [], "Parameter 'file' is missing"]);
  t.equal(e.message, `${p2('raw.yaml')}:2:5: Parameter 'file' is missing`);
});
