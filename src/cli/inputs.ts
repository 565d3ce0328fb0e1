/**
 * The commands' side of capture/input.ts: prepare the inputs, run the work, put the names the user
 * gave back into any capture error, and delete the temporary copies whatever happens.
 */
import { CaptureFormatError, prepareInputs, type CaptureInputs } from '../capture/index.js';

export async function withInputs<T>(files: readonly string[], opts: { readonly seekable: boolean }, work: (inputs: CaptureInputs) => Promise<T> | T): Promise<T> {
  const inputs = await prepareInputs(files, opts);
  try {
    return await work(inputs);
  } catch (e) {
    if (e instanceof CaptureFormatError || (e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string')) e.message = inputs.describe(e.message);
    throw e;
  } finally {
    inputs.dispose();
  }
}

/** "3 damaged frames (first: frame 17)" style summary of per-frame damage; null when there is none. */
export function damageSummary(damaged: number, first: number): string | null {
  if (damaged === 0) return null;
  return `${damaged} damaged frame${damaged === 1 ? '' : 's'} (${damaged === 1 ? 'frame' : 'first: frame'} ${first}): cut short or with malformed headers; decode -V shows where`;
}
