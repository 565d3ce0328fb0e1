/**
 * Screenshot goldens: a PNG compared with the stored one pixel by pixel (pixelmatch), passing
 * when fewer than `maxRatio` of the pixels differ, so font hinting and anti-aliasing on another
 * machine do not fail the test while a moved column or a missing label does. The stored PNGs
 * change only with LVSCOPE_UPDATE_GOLDEN=1 (npm run test:golden:update); a failed comparison
 * leaves the actual image and a diff beside the golden as *.actual.png and *.diff.png.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export const UPDATE_GOLDEN = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';

export interface PngComparison {
  readonly differing: number;
  readonly ratio: number;
  /** Why the comparison cannot be made (size differs), or null. */
  readonly mismatch: string | null;
}

export function comparePng(actual: Buffer, expected: Buffer, diffPath?: string): PngComparison {
  const a = PNG.sync.read(actual);
  const e = PNG.sync.read(expected);
  if (a.width !== e.width || a.height !== e.height) {
    return { differing: Infinity, ratio: 1, mismatch: `size ${a.width}×${a.height}, stored ${e.width}×${e.height}` };
  }
  const diff = new PNG({ width: a.width, height: a.height });
  const differing = pixelmatch(a.data, e.data, diff.data, a.width, a.height, { threshold: 0.1 });
  if (differing > 0 && diffPath !== undefined) writeFileSync(diffPath, PNG.sync.write(diff));
  return { differing, ratio: differing / (a.width * a.height), mismatch: null };
}

/** Compares with the stored golden (writing it under UPDATE_GOLDEN); returns the comparison. */
export function pngGolden(file: string, actual: Buffer): PngComparison {
  const actualPath = file.replace(/\.png$/, '.actual.png');
  const diffPath = file.replace(/\.png$/, '.diff.png');
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden screenshot ${file} is missing: run npm run test:golden:update`);
  const result = comparePng(actual, readFileSync(file), diffPath);
  if (result.differing > 0) writeFileSync(actualPath, actual);
  else for (const p of [actualPath, diffPath]) rmSync(p, { force: true });
  return result;
}
