/**
 * Where the test fixtures are. The third-party conformance captures live in the repository
 * (`test/fixtures/conformance/`, each upstream's licence beside its files, origins in its README
 * and MANIFEST.tsv), so the tests pass in a plain clone with nothing beside it.
 */
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(import.meta.dirname, '../..');
export const FIXTURES = join(REPO_ROOT, 'test', 'fixtures');
export const CONFORMANCE = join(FIXTURES, 'conformance');
export const CAPTURES = join(REPO_ROOT, 'captures');

export function conformance(...parts: string[]): string {
  return join(CONFORMANCE, ...parts);
}

/** Public captures for tunnels, IPv6 and other balancers (provenance in its README.md). */
export function thirdparty(...parts: string[]): string {
  return join(FIXTURES, 'thirdparty', ...parts);
}
