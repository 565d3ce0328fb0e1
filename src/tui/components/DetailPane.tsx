import { Box, Text } from 'ink';
import type { DetailField, DetailLayer } from '../../present/frame-detail.js';
import { hexRows } from '../../present/hexdump.js';
import type { Lang } from '../data/types.js';
import { WORDS } from '../words.js';

export interface DetailPaneProps {
  readonly n: number;
  readonly layers: readonly DetailLayer[];
  readonly bytes: Uint8Array;
  /** Index over all fields of all layers. */
  readonly field: number;
  readonly hex: boolean;
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

export function allFields(layers: readonly DetailLayer[]): readonly DetailField[] {
  return layers.flatMap((l) => l.fields);
}

interface Line {
  readonly text: string;
  readonly heading: boolean;
  readonly fieldIndex: number;
}

function treeLines(layers: readonly DetailLayer[]): Line[] {
  const out: Line[] = [];
  let i = 0;
  for (const l of layers) {
    out.push({ text: `▼ ${l.title}`, heading: true, fieldIndex: -1 });
    for (const f of l.fields) out.push({ text: `    ${f.name.padEnd(9)} ${f.value}`, heading: false, fieldIndex: i++ });
  }
  return out;
}

/** One hex row as [text, highlighted?] segments; the selected field's bytes are highlighted. */
export function hexSegments(offset: number, bytes: readonly number[], range: readonly [number, number]): [string, boolean][] {
  const segs: [string, boolean][] = [[`${offset.toString(16).padStart(4, '0')}  `, false]];
  const push = (s: string, on: boolean): void => {
    const last = segs[segs.length - 1]!;
    if (last[1] === on) last[0] += s; else segs.push([s, on]);
  };
  for (let k = 0; k < 16; k++) {
    const b = bytes[k];
    const on = b !== undefined && offset + k >= range[0] && offset + k < range[1];
    push(b === undefined ? '  ' : b.toString(16).padStart(2, '0'), on);
    // The space after a byte is highlighted only inside a run, so a range reads as one block.
    const nextOn = bytes[k + 1] !== undefined && offset + k + 1 >= range[0] && offset + k + 1 < range[1];
    if (k < 15) push(k === 7 ? '  ' : ' ', on && nextOn);
  }
  push('  ', false);
  for (let k = 0; k < bytes.length; k++) {
    const b = bytes[k]!;
    push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.', offset + k >= range[0] && offset + k < range[1]);
  }
  return segs;
}

function windowAround<T>(items: readonly T[], at: number, size: number): { items: readonly T[]; start: number } {
  if (items.length <= size) return { items, start: 0 };
  const start = Math.max(0, Math.min(items.length - size, at - Math.floor(size / 2)));
  return { items: items.slice(start, start + size), start };
}

/** The decoded layers field by field; `x` adds the hex dump with the selected field's bytes marked. */
export function DetailPane({ n, layers, bytes, field, hex, lang, width, height, colour }: DetailPaneProps) {
  const w = WORDS[lang];
  const fields = allFields(layers);
  const sel = fields[Math.min(field, fields.length - 1)];
  const range: [number, number] = sel === undefined ? [0, 0] : [sel.start, sel.end];
  const rows = hex ? hexRows(bytes) : [];
  const hexHeight = hex ? Math.min(rows.length, Math.max(3, Math.floor((height - 1) / 2))) : 0;
  const treeHeight = height - 1 - hexHeight;
  const lines = treeLines(layers);
  const selLine = lines.findIndex((l) => l.fieldIndex === field);
  const tree = windowAround(lines, selLine < 0 ? 0 : selLine, treeHeight);
  const hexStartRow = Math.floor(range[0] / 16);
  const dump = windowAround(rows, hexStartRow, hexHeight);
  const where = sel === undefined ? '' : sel.end > sel.start ? w.byteRange(sel.start, sel.end - 1) : w.derived;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">{w.detailHead(n, bytes.length, where, hex)}</Text>
      {tree.items.map((l, i) => {
        const on = l.fieldIndex === field;
        return (
          <Text key={`t${tree.start + i}`} wrap="truncate" bold={l.heading} inverse={on && colour}>
            {on ? `>${l.text.slice(1)}` : l.text}
          </Text>
        );
      })}
      {dump.items.map((r) => (
        <Text key={`h${r.offset}`} wrap="truncate">
          {hexSegments(r.offset, r.bytes, range).map(([s, on], i) => (
            <Text key={i} inverse={on} {...(colour && on ? { color: 'yellow' } : {})}>{s}</Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}
