/**
 * `JSON.stringify(doc, null, 2)` as a sequence of whole lines, so that a report listing hundreds of
 * thousands of connections and hosts is written piece by piece instead of built as one string
 * (which, with its copies on the way to write(2), was most of analyze's peak memory). The
 * top-level object's arrays are emitted an element at a time. Written with `writeJsonParts` (each
 * string a line), the pieces give exactly what JSON.stringify gives. `publish`: for a top-level
 * array, a function applied to each element just before its chunk is written (the published form
 * of a connection, made and dropped chunk by chunk); the output is that of the document with the
 * function applied throughout.
 * `writers`: for a top-level array, a function that writes its elements' JSON itself as bytes,
 * exactly as JSON.stringify(doc, null, 2) would write them there (with `publish` applied): each
 * two levels indented and followed by ",\n", the last by "\n". Such an array comes as a function
 * part, to be called with the sink the lines go to (a LineWriter), in its place among them.
 */
import type { ByteSink } from '../present/byte-sink.js';

/** A line of the document, or a function that writes lines of it into the sink. */
export type JsonPart = string | ((out: ByteSink) => void);

const CHUNK = 256;
const WRAP_HEAD = '{\n  "x": [\n';
const WRAP_TAIL = '\n  ]\n}';

export function* jsonLines(
  doc: object, publish: Readonly<Record<string, (element: never) => unknown>> = {}, writers: Readonly<Record<string, (list: readonly never[], out: ByteSink) => void>> = {},
): Generator<JsonPart> {
  const entries: [string, unknown, string | null][] = [];
  for (const [key, value] of Object.entries(doc)) {
    if (Array.isArray(value)) { entries.push([key, value, null]); continue; }
    const text = JSON.stringify(value, null, 2) as string | undefined;
    if (text !== undefined) entries.push([key, value, text]);
  }
  if (entries.length === 0) { yield '{}'; return; }
  yield '{';
  for (let i = 0; i < entries.length; i++) {
    const [key, value, text] = entries[i]!;
    const comma = i < entries.length - 1 ? ',' : '';
    const head = `  ${JSON.stringify(key)}: `;
    if (text !== null) { yield `${head}${indent(text, '  ')}${comma}`; continue; }
    const list = value as readonly unknown[];
    if (list.length === 0) { yield `${head}[]${comma}`; continue; }
    const each = Object.hasOwn(publish, key) ? publish[key] as (element: unknown) => unknown : null;
    yield `${head}[`;
    if (Object.hasOwn(writers, key)) {
      const write = writers[key] as (list: readonly unknown[], out: ByteSink) => void;
      yield (out) => write(list, out);
      yield `  ]${comma}`;
      continue;
    }
    // A few hundred elements per stringify, wrapped as a member of an object, so that they come out
    // at the depth they have in the document: no re-indenting (a regex over every byte).
    for (let j = 0; j < list.length; j += CHUNK) {
      const chunk = list.slice(j, j + CHUNK);
      const text = JSON.stringify({ x: each === null ? chunk : chunk.map(each) }, null, 2);
      yield `${text.slice(WRAP_HEAD.length, -WRAP_TAIL.length)}${j + CHUNK < list.length ? ',' : ''}`;
    }
    yield `  ]${comma}`;
  }
  yield '}';
}

function indent(text: string, pad: string): string {
  return text.includes('\n') ? text.replace(/\n/g, `\n${pad}`) : text;
}

/** The parts in order, each string as a line; stops when the reader went away. */
export function writeJsonParts(parts: Iterable<JsonPart>, out: ByteSink & { line(text: string): void }): void {
  for (const part of parts) {
    if (out.broken) return;
    if (typeof part === 'string') out.line(part);
    else part(out);
  }
}
