import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..');

/** Returns the rows of the Markdown table under `heading`, as arrays of cells. */
function tableRows(report: string, heading: string): string[][] {
  const section = report.split(/^## /m).find((part) => part.startsWith(heading));
  if (!section) return [];
  return section
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
}

describe('npm run bench --smoke', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-smoke-'));
  const output = path.join(dir, 'benchmarks.md');
  let report = '';
  let stderr = '';

  beforeAll(async () => {
    // The bundles in dist/apps come from the build that this target depends on.
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        ['bench/run.mjs', '--smoke', '--skip-build', '--output', output],
        { cwd: root, maxBuffer: 16 * 1024 * 1024 },
        (error, _stdout, errorOutput) => {
          stderr = errorOutput;
          if (error) reject(new Error(`The benchmark failed: ${error.message}\n${stderr}`));
          else resolve();
        },
      );
    });
    report = fs.readFileSync(output, 'utf8');
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes every section of the report', () => {
    for (const heading of [
      'Machine and settings',
      'Targets',
      '(a) Exchange endpoint',
      '(b) API call with a master token',
      '(c) Handshake through Mission Control',
      '(d) Peer: oidc-provider',
      '(e) Limits',
      '(f) Memory',
    ]) {
      expect(report).toContain(`## ${heading}`);
    }
    expect(report).toMatch(/- Node\.js v\d+/);
  });

  it('fills every cell with a figure', () => {
    expect(report).not.toMatch(/\bn\/a\b|NaN|Infinity|undefined/);
  });

  it('measures each dialect and concurrency without errors', () => {
    const databases = /- Databases: (.+?)( \(|$)/m.exec(report)?.[1].split(', ') ?? [];
    expect(databases).toContain('sqlite');

    const exchange = tableRows(report, '(a) Exchange endpoint');
    expect(exchange).toHaveLength(databases.length * 2);
    for (const row of exchange) expect(row[5]).toBe('0');

    const authentication = tableRows(report, '(b) API call with a master token');
    expect(authentication).toHaveLength(databases.length * 2);

    const handshake = tableRows(report, '(c) Handshake through Mission Control');
    expect(handshake).toEqual([expect.arrayContaining(['sqlite', '2'])]);
    expect(handshake[0][5]).toBe('0');

    const memory = tableRows(report, '(f) Memory');
    expect(memory.map((row) => row[0])).toEqual(['jpd-access', 'mission-control']);
    for (const row of memory) expect(row[8]).toBe('0');
  });

  it('judges all three targets', () => {
    const targets = tableRows(report, 'Targets');
    expect(targets).toHaveLength(3);
    for (const row of targets) expect(['yes', 'no']).toContain(row[1]);
  });

  it('shows progress while it runs', () => {
    expect(stderr).toContain('exchange sqlite c=1: exchanging');
  });
});
