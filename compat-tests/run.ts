// `npm run compat`: runs the corpus and prints the table (case, identical or the first difference).
// Arguments: case names or substrings to run only those. Exit status 1 when a case is not identical.

import { formatTable, killAll, loadCases, runCases } from './runner.ts';

const filters = process.argv.slice(2);
const cases = loadCases();
const t0 = Date.now();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}
const results = await runCases(cases, {
  only: filters.length ? (c) => filters.some((f) => c.name.includes(f)) : undefined,
  onResult: (r) => process.stderr.write(`${r.ok ? 'ok  ' : 'FAIL'} ${r.name} (${r.ms} ms)\n`),
});
process.stdout.write(formatTable(results));
const bad = results.filter((r) => !r.ok).length;
process.stdout.write(`\n${results.length} cases, ${results.length - bad} identical, ${bad} not; ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
process.exitCode = bad ? 1 : 0;
