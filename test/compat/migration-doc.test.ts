// docs/MIGRATION.md: every option of emu-legacy's option table has a section, and every runnable
// example (a `<!-- runnable: NAME -->` comment and the fenced blocks after it) is a compat case — the
// legacy command line, emu's options, a config file and a QMP script must build identical machines.
// A `json print-config` block must be what `emu-legacy --print-config` prints.

import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPTIONS } from '../../src/vl-legacy/options.ts';
import { type CompatCase, type FileSpec, killAll, formatTable, ROOT, runCases, runPrintConfig, type QmpStep } from '../../compat-tests/runner.ts';

t.setTimeout(900_000);
t.teardown(killAll);

const DOC = join(ROOT, 'docs/MIGRATION.md');
const text = readFileSync(DOC, 'utf8');

/** The files every example may use, made in its folder. */
const FIXTURES: Record<string, FileSpec> = {
  'disk.img': { raw: '1M' },
  'data.img': { raw: '1M' },
  'disk.qcow2': { qcow2: '4M' },
  'cd.iso': { raw: '2M' },
  'fw.bin': { program: true },
  'kernel.bin': { program: true },
  'initrd.img': { bytes: 4096 },
};

/** Shell words of a command as the examples write them: quotes and backslash-newline only. */
function shellWords(cmd: string): string[] {
  const s = cmd.replace(/\\\n/g, ' ');
  const words: string[] = [];
  let cur: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated quote in: ${cmd}`);
      cur = (cur ?? '') + s.slice(i + 1, end);
      i = end;
    } else if (/\s/.test(c)) {
      if (cur !== undefined) words.push(cur);
      cur = undefined;
    } else {
      cur = (cur ?? '') + c;
    }
  }
  if (cur !== undefined) words.push(cur);
  return words;
}

interface Block { info: string; body: string }

interface Example {
  name: string;
  options: string[];
  blocks: Block[];
}

/** The runnable examples: each marker and the fenced blocks up to the next marker or `##` heading. */
function examples(): Example[] {
  const out: Example[] = [];
  let cur: Example | undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^<!-- runnable: (\S+)((?: \S+=\S+)*) -->$/.exec(line);
    if (m) {
      cur = { name: m[1], options: m[2].trim() ? m[2].trim().split(' ') : [], blocks: [] };
      out.push(cur);
      continue;
    }
    if (/^##+ /.test(line) && !line.startsWith('**')) {
      // A walkthrough keeps its blocks across its bold steps; a new section ends an example.
      if (cur && !/^## Walkthrough/.test(line)) cur = undefined;
      continue;
    }
    const f = /^```(.*)$/.exec(line);
    if (f) {
      const end = lines.indexOf('```', i + 1);
      if (end < 0) throw new Error(`MIGRATION.md:${i + 1}: unterminated block`);
      cur?.blocks.push({ info: f[1].trim(), body: lines.slice(i + 1, end).join('\n') });
      i = end;
    }
  }
  return out;
}

function toCase(ex: Example): { c: CompatCase; printConfig?: string } {
  const one = (info: string) => {
    const b = ex.blocks.filter((x) => x.info === info);
    if (b.length !== 1) throw new Error(`example ${ex.name}: expected one \`${info}\` block, found ${b.length}`);
    return b[0].body;
  };
  const command = (info: string, program: string) => {
    const words = shellWords(one(info));
    if (words[0] !== program) throw new Error(`example ${ex.name}: the \`${info}\` block must run ${program}`);
    return words.slice(1);
  };
  const files: Record<string, FileSpec> = { ...FIXTURES };
  for (const b of ex.blocks) {
    const f = /(?:^|\s)file=(\S+)/.exec(b.info);
    if (f) files[f[1]] = { text: b.body };
  }
  const qmp = one('qmp').split('\n').filter((l) => l.trim()).map((l): QmpStep => {
    const msg = JSON.parse(l) as { execute: string; arguments?: Record<string, unknown> };
    return msg.arguments ? [msg.execute, msg.arguments] : [msg.execute];
  });
  const legacyRead = ex.options.includes('legacy-read=print-config') ? 'print-config' as const : undefined;
  const c: CompatCase = {
    name: `MIGRATION.md:${ex.name}`,
    files,
    legacy: command('sh legacy', 'emu-legacy'),
    cli: command('sh emu', 'emu'),
    config: { args: command('sh config', 'emu') },
    qmp,
    ...(legacyRead ? { legacyRead, legacyReason: 'the example says so' } : {}),
  };
  const pc = ex.blocks.find((b) => b.info === 'json print-config');
  return pc ? { c, printConfig: pc.body } : { c };
}

t.test('every option of the legacy option table has a section', async (t) => {
  const headings = text.split('\n').filter((l) => l.startsWith('### '));
  for (const o of OPTIONS) {
    const flag = o.emuOnly ? `--${o.name}` : `-${o.name}`;
    t.ok(headings.some((h) => h.includes(`\`${flag}\``)), `${flag} has a section in docs/MIGRATION.md`);
  }
});

t.test('the runnable examples build identical machines', async (t) => {
  const exs = examples();
  t.ok(exs.length >= 15, `${exs.length} runnable examples`);
  const built = exs.map(toCase);
  const results = await runCases(built.map((b) => b.c), { jobs: 4 });
  for (const r of results) t.ok(r.ok, r.name, { diagnostic: !r.ok, table: r.ok ? undefined : formatTable([r]) });

  // The printed config shown in the walkthrough is what emu-legacy prints (paths are relative).
  for (const b of built) {
    if (b.printConfig === undefined) continue;
    const printed = await runPrintConfig(b.c);
    t.same(printed, JSON.parse(b.printConfig), `${b.c.name}: the shown --print-config output is current`);
  }
});
