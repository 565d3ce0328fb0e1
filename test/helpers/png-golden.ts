/**
 * Screenshot goldens: a PNG compared with the stored one pixel by pixel (pixelmatch), passing
 * when fewer than `maxRatio` of the pixels differ, so font hinting and anti-aliasing on another
 * machine do not fail the test while a moved column or a missing label does. The stored PNGs
 * change only with LVSCOPE_UPDATE_GOLDEN=1 (npm run test:golden:update); a failed comparison
 * leaves the actual image and a diff beside the golden as *.actual.png and *.diff.png.
 *
 * pngjs and pixelmatch are dev dependencies loaded at run time, so a checkout whose
 * node_modules predates them still type-checks; `pngTools()` is null until `npm ci` installs them.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export const UPDATE_GOLDEN = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';

interface Image { readonly width: number; readonly height: number; readonly data: Uint8Array }
interface PngTools {
  read(png: Buffer): Image;
  write(image: Image): Buffer;
  blank(width: number, height: number): Image;
  match(a: Uint8Array, b: Uint8Array, out: Uint8Array, width: number, height: number, opts: { threshold: number }): number;
}

const PNGJS = 'pngjs';
const PIXELMATCH = 'pixelmatch';

export async function pngTools(): Promise<PngTools | null> {
  try {
    const { PNG } = (await import(PNGJS)) as { PNG: { new (o: { width: number; height: number }): Image; sync: { read(b: Buffer): Image; write(i: Image): Buffer } } };
    const match = ((await import(PIXELMATCH)) as { default: PngTools['match'] }).default;
    return { read: (b) => PNG.sync.read(b), write: (i) => PNG.sync.write(i), blank: (width, height) => new PNG({ width, height }), match };
  } catch {
    return null;
  }
}

export interface PngComparison {
  readonly differing: number;
  readonly ratio: number;
  /** Why the comparison cannot be made (size differs), or null. */
  readonly mismatch: string | null;
}

export function comparePng(tools: PngTools, actual: Buffer, expected: Buffer, diffPath?: string): PngComparison {
  const a = tools.read(actual);
  const e = tools.read(expected);
  if (a.width !== e.width || a.height !== e.height) {
    return { differing: Infinity, ratio: 1, mismatch: `size ${a.width}×${a.height}, stored ${e.width}×${e.height}` };
  }
  const diff = tools.blank(a.width, a.height);
  const differing = tools.match(a.data, e.data, diff.data, a.width, a.height, { threshold: 0.1 });
  if (differing > 0 && diffPath !== undefined) writeFileSync(diffPath, tools.write(diff));
  return { differing, ratio: differing / (a.width * a.height), mismatch: null };
}

/** Compares with the stored golden (writing it under UPDATE_GOLDEN); returns the comparison. */
export function pngGolden(tools: PngTools, file: string, actual: Buffer): PngComparison {
  const actualPath = file.replace(/\.png$/, '.actual.png');
  const diffPath = file.replace(/\.png$/, '.diff.png');
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) throw new Error(`golden screenshot ${file} is missing: run npm run test:golden:update`);
  const result = comparePng(tools, actual, readFileSync(file), diffPath);
  if (result.differing > 0) writeFileSync(actualPath, actual);
  else for (const p of [actualPath, diffPath]) rmSync(p, { force: true });
  return result;
}
