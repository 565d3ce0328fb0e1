/**
 * Where the shared reference material is: `../shared` beside the checkout (CI clones the repo
 * with shared/ next to it), overridable with LVSCOPE_SHARED.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const SHARED = process.env['LVSCOPE_SHARED'] ?? resolve(REPO_ROOT, '../shared');
export const CONFORMANCE = join(SHARED, 'conformance');
export const CAPTURES = join(REPO_ROOT, 'captures');

export function shared(...parts: string[]): string {
  return join(SHARED, ...parts);
}

export const HAVE_SHARED = existsSync(join(SHARED, 'conformance'));
