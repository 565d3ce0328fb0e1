/** `xxd`-like rows of 16 bytes, with an optional highlighted byte range (for the TUI's detail pane). */
export interface HexRow {
  readonly offset: number;
  readonly bytes: readonly number[];
}

export function hexRows(data: Uint8Array): HexRow[] {
  const rows: HexRow[] = [];
  for (let i = 0; i < data.length; i += 16) rows.push({ offset: i, bytes: Array.from(data.subarray(i, i + 16)) });
  return rows;
}

/** Plain text: "0000  02 aa 00 …  ........" */
export function formatHexdump(data: Uint8Array, mark?: (s: string) => string, range?: readonly [number, number]): string[] {
  return hexRows(data).map((row) => {
    const cells: string[] = [];
    let ascii = '';
    for (let k = 0; k < 16; k++) {
      const b = row.bytes[k];
      const at = row.offset + k;
      if (b === undefined) { cells.push('  '); continue; }
      const inRange = range !== undefined && mark !== undefined && at >= range[0] && at < range[1];
      const h = b.toString(16).padStart(2, '0');
      cells.push(inRange ? mark(h) : h);
      const c = b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.';
      ascii += inRange ? mark(c) : c;
    }
    return `${row.offset.toString(16).padStart(4, '0')}  ${cells.slice(0, 8).join(' ')}  ${cells.slice(8).join(' ')}  ${ascii}`;
  });
}
