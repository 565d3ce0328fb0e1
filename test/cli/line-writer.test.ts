import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LineWriter } from '../../src/cli/output.js';

describe('LineWriter on a file descriptor', () => {
  it('writes every line once, in order, across flushes, with non-ASCII text and lines longer than its buffer', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-lw-'));
    try {
      const path = join(dir, 'out.txt');
      const fd = openSync(path, 'w');
      const w = new LineWriter({ fd }, 64);
      const lines: string[] = [];
      for (let i = 0; i < 200; i++) lines.push(i % 17 === 0 ? `${i} µs → ${'x'.repeat(i)}` : `line ${i}`);
      for (const l of lines) w.line(l);
      w.flush();
      closeSync(fd);
      expect(readFileSync(path, 'utf8')).toBe(`${lines.join('\n')}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
