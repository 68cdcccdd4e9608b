// Runs every example of docs/CONFIG.md. Within each section (## or ###), ```yaml file=NAME and
// ```json file=NAME blocks are written to a fresh folder; each `emu CONFIG NAME=VALUE...` line of a
// ```sh block is loaded as the command line would load it, and compared with the ```json result or
// ```text error block that follows; each successful result is then built into a real machine
// (with empty image files standing in for the ones it names). A file no emu line reads is loaded on
// its own, so no example goes unchecked.

import t from 'tap';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createCore } from '../../src/qmp/core.ts';
import { ConfigError, applyConfig, findConfig, loadConfig, parseVariableWords } from '../../src/vl2/config/index.ts';
import { tempDir } from './helpers.ts';

interface Block {
  lang: string;
  attrs: string[];
  text: string;
  line: number;
}

interface Section {
  title: string;
  blocks: Block[];
}

/** The ## sections; ### subsections share their section's folder, as the text reads on. */
function sections(md: string): Section[] {
  const out: Section[] = [{ title: '(top)', blocks: [] }];
  const lines = md.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const h = /^## (.*)$/.exec(lines[i]);
    if (h) {
      out.push({ title: h[1], blocks: [] });
      continue;
    }
    const f = /^```(\S*)\s*(.*)$/.exec(lines[i]);
    if (!f) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    out[out.length - 1].blocks.push({ lang: f[1], attrs: f[2].split(/\s+/).filter(Boolean), text: `${body.join('\n')}\n`, line: start + 1 });
  }
  return out.filter((s) => s.blocks.length);
}

function filenames(v: unknown, out: string[] = []): string[] {
  if (Array.isArray(v)) v.forEach((e) => filenames(e, out));
  else if (typeof v === 'object' && v !== null) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'filename' && typeof x === 'string') out.push(x);
      else filenames(x, out);
    }
  }
  return out;
}

const md = readFileSync(new URL('../../docs/CONFIG.md', import.meta.url), 'utf8');
const cwd = process.cwd();
let commands = 0;

for (const section of sections(md)) {
  t.test(section.title, async (t) => {
    const { dir, write } = tempDir();
    process.chdir(dir);
    t.teardown(() => process.chdir(cwd));
    const written = new Set<string>();
    const read = new Set<string>();
    const { blocks } = section;
    for (let b = 0; b < blocks.length; b++) {
      const block = blocks[b];
      const file = block.attrs.find((a) => a.startsWith('file='))?.slice(5);
      if (file) {
        write(file, block.text);
        written.add(file);
        continue;
      }
      if (block.lang === 'sh') {
        const next = blocks[b + 1];
        const expect = next && ((next.lang === 'json' && next.attrs.includes('result')) || (next.lang === 'text' && next.attrs.includes('error'))) ? next : undefined;
        for (const line of block.text.split('\n').filter((l) => l.startsWith('emu '))) {
          commands++;
          const [config, ...words] = line.slice(4).split(' ');
          let loaded: ReturnType<typeof loadConfig> | undefined;
          try {
            loaded = loadConfig(findConfig(config), parseVariableWords(words));
          } catch (e) {
            if (!(e instanceof ConfigError) || expect?.lang !== 'text') throw e;
            t.equal(e.message, expect.text.trim(), `line ${block.line}: ${line}`);
            for (const f of written) if (e.message.includes(f)) read.add(f);
            continue;
          }
          for (const f of loaded.sources.files) read.add(f.slice(dir.length + 1));
          if (expect?.lang === 'text') t.fail(`line ${block.line}: ${line} should fail with ${expect.text.trim()}`);
          if (expect?.lang === 'json') t.same(loaded.document, JSON.parse(expect.text), `line ${block.line}: ${line}`);
          for (const f of filenames(loaded.document.blockdevs)) if (!existsSync(f)) writeFileSync(f, Buffer.alloc(1 << 20));
          const core = createCore();
          await applyConfig(core.dispatcher, loaded);
          t.ok(core.vm.config !== undefined || loaded.document.machine === undefined, `line ${block.line}: ${line} builds`);
          core.vm.blocks.closeAll();
        }
        if (expect) b++;
        continue;
      }
      if (block.lang === 'json' || block.lang === 'text') t.fail(`line ${block.line}: a result or error block that follows no emu line`);
    }
    for (const f of written) {
      if (read.has(f)) continue;
      t.doesNotThrow(() => loadConfig(f), `${f} loads on its own`);
    }
  });
}

t.test('the examples were found', async (t) => {
  t.ok(commands >= 12, `${commands} emu lines`);
});
