// Entry of `npm run bench` after bench/run.mjs bundled it: runs the benchmarks and writes the
// Markdown report. Options: --smoke (tiny counts), --output FILE, --keep (keep logs and data),
// --only a,b (run only these scenarios and print their figures without writing the report).
import fs from 'node:fs';
import path from 'node:path';

import { format, resolveConfig } from 'prettier';

import { renderReport } from './report';
import { FULL_SETTINGS, runBenchmarks, SMOKE_SETTINGS } from './run-benchmarks';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const root = path.resolve(__dirname, '..', '..');
  const outputIndex = args.indexOf('--output');
  const output =
    outputIndex >= 0
      ? path.resolve(args[outputIndex + 1])
      : path.join(root, 'docs', 'benchmarks.md');
  const smoke = args.includes('--smoke');
  const onlyIndex = args.indexOf('--only');
  const only = onlyIndex >= 0 ? args[onlyIndex + 1].split(',') : undefined;

  const results = await runBenchmarks({
    root,
    settings: smoke ? SMOKE_SETTINGS : FULL_SETTINGS,
    openInfoScript: path.join(__dirname, 'access-with-open-info.js'),
    algorithm: process.env.SIGNING_ALGORITHM,
    keepWorkDir: args.includes('--keep') || process.env.BENCH_CPU_PROFILE === '1',
    only,
  });
  if (only) {
    process.stderr.write('Partial run: the figures are above, and the report was not written.\n');
    return;
  }

  // The speed work and other remarks are written by hand in bench/notes.md and kept across runs.
  const notesFile = path.join(root, 'bench', 'notes.md');
  const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, 'utf8').trim() : '';
  let report = renderReport(results);
  if (notes) report += `\n${notes}\n`;

  // Prettier aligns the tables, so that the page passes the repository's format check as written.
  const prettierOptions = await resolveConfig(path.join(root, 'docs', 'benchmarks.md'));
  report = await format(report, { ...prettierOptions, parser: 'markdown' });

  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, report);
  process.stderr.write(`Wrote ${path.relative(process.cwd(), output) || output}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
