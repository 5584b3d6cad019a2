// Entry of `npm run bench` after bench/run.mjs bundled it: runs the benchmarks and writes the
// Markdown report. Options: --smoke (tiny counts), --output FILE, --keep (keep logs and data).
import fs from 'node:fs';
import path from 'node:path';

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

  const results = await runBenchmarks({
    root,
    settings: smoke ? SMOKE_SETTINGS : FULL_SETTINGS,
    openInfoScript: path.join(__dirname, 'access-with-open-info.js'),
    algorithm: process.env.SIGNING_ALGORITHM,
    keepWorkDir: args.includes('--keep'),
  });

  // The speed work and other remarks are written by hand in bench/notes.md and kept across runs.
  const notesFile = path.join(root, 'bench', 'notes.md');
  const notes = fs.existsSync(notesFile) ? fs.readFileSync(notesFile, 'utf8').trim() : '';
  let report = renderReport(results);
  if (notes) report += `\n${notes}\n`;

  fs.mkdirSync(path.dirname(output), { recursive: true });
  fs.writeFileSync(output, report);
  process.stderr.write(`Wrote ${path.relative(process.cwd(), output) || output}\n`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
