/**
 * Loads the `*.tshark.tsv` reference decodes under test/fixtures/conformance (see REFERENCE-DECODES.md):
 * a header line of field names, then one tab-separated line per frame. Empty fields stay ''.
 */
import { readFileSync } from 'node:fs';

export function loadTsharkTsv(path: string): Array<Record<string, string>> {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = (lines[0] ?? '').split('\t');
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    header.forEach((name, i) => {
      row[name] = cells[i] ?? '';
    });
    rows.push(row);
  }
  return rows;
}

/** frame.time_epoch ("1439753725.701607000") as exact seconds and nanoseconds. */
export function parseEpoch(text: string): { sec: number; nsec: number } {
  const [whole = '', frac = ''] = text.split('.');
  return { sec: Number(whole), nsec: Number(frac.padEnd(9, '0').slice(0, 9)) };
}
