import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const DOC = path.join(ROOT, 'docs/SECURITY.md');

/** A table row of the threat model: its section and the test it names. */
interface Row {
  section: string;
  file: string;
  title: string;
}

/** Reads every table row of the threat model that names a test. */
function readRows(text: string): { rows: Row[]; rowsWithoutTest: string[] } {
  const rows: Row[] = [];
  const rowsWithoutTest: string[] = [];
  let section = '';
  for (const line of text.split('\n')) {
    if (line.startsWith('## ')) section = line.slice(3).trim();
    if (
      !line.startsWith('| ') ||
      line.startsWith('| ---') ||
      /^\| (Threat|Fault)\s+\|/.test(line)
    ) {
      continue;
    }
    const test = /`([\w./-]+\.spec\.ts)` › "([^"]+)"\s*\|\s*$/.exec(line);
    if (test) rows.push({ section, file: test[1], title: test[2] });
    else rowsWithoutTest.push(line);
  }
  return { rows, rowsWithoutTest };
}

describe('the threat model in docs/SECURITY.md', () => {
  const text = fs.readFileSync(DOC, 'utf8');
  const { rows, rowsWithoutTest } = readRows(text);

  it('names a test in every row', () => {
    expect(rows.length).toBeGreaterThan(50);
    expect(rowsWithoutTest).toEqual([]);
  });

  it.each(rows.map((row) => [`${row.file} › ${row.title}`, row] as const))(
    'names an existing test: %s',
    (_label, row) => {
      const file = path.join(ROOT, row.file);
      expect(fs.existsSync(file)).toBe(true);
      const source = fs.readFileSync(file, 'utf8');

      expect(source).toContain(row.title);
    },
  );

  it('states the row counts in its summary', () => {
    const count = (pattern: RegExp) => rows.filter((row) => pattern.test(row.section)).length;
    const summary =
      /\*\*Summary: (\d+) hostile inputs tried, (\d+) faults survived, (\d+) secret checks passed, all with nothing\s+lost\.\*\*/.exec(
        text,
      );

    expect(summary).not.toBeNull();
    expect(Number(summary![1])).toBe(count(/\(hostile input\)$/));
    expect(Number(summary![2])).toBe(count(/\(survived\)$/));
    expect(Number(summary![3])).toBe(count(/\(checks\)$/));
  });
});
