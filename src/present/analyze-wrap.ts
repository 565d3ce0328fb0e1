/**
 * Wrapping for table cells by display width: CJK characters take two columns, and Chinese text
 * breaks between any two characters while English breaks at spaces (cli-table3's own wrapping
 * counts characters and cuts Chinese lines short).
 */

export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

function charWidth(cp: number): number {
  if (
    (cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3)
    || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xfe30 && cp <= 0xfe4f) || (cp >= 0xff00 && cp <= 0xff60)
    || (cp >= 0xffe0 && cp <= 0xffe6)
  ) return 2;
  return 1;
}

/** `s` padded with spaces to `width` terminal columns (padEnd counts characters, not columns). */
export function padEndCols(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

/** The characters a table cell counts two columns wide (UTF-16 units; no astral plane). */
function isWide(c: number): boolean {
  return (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0x1100 && c <= 0x115f)
    || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6);
}

/** JavaScript's `\s`. */
function isSpace(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029
    || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/**
 * Lines of at most `width` columns. Breaks after spaces and around wide characters; hard-breaks
 * long words. A run of spaces becomes one space (an ideographic space, U+3000, starting a run is
 * a run of its own); spaces at the end of a line are dropped. Runs once per table cell, so it scans character
 * codes instead of matching tokens with regular expressions.
 */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  const n = text.length;
  let line = '';
  let lw = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      // A run of spaces. U+3000 is both a space and wide: one that starts a run stands alone.
      if (c === 0x3000) i++;
      else while (i < n && isSpace(text.charCodeAt(i))) i++;
      if (lw === 0) continue;
      if (lw + 1 > width) { out.push(trimEnd(line)); line = ''; lw = 0; continue; }
      line += ' ';
      lw += 1;
      continue;
    }
    const start = i;
    let tw: number;
    if (isWide(c)) {
      i++;
      tw = 2;
    } else {
      // A word: narrow characters up to a space or a wide one; a surrogate pair counts once.
      tw = 0;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (isSpace(d) || isWide(d)) break;
        if (d >= 0xd800 && d <= 0xdbff && i + 1 < n) {
          const e = text.charCodeAt(i + 1);
          if (e >= 0xdc00 && e <= 0xdfff) i++;
        }
        i++;
        tw++;
      }
    }
    let tok = text.slice(start, i);
    if (lw + tw > width && lw > 0) { out.push(trimEnd(line)); line = ''; lw = 0; }
    while (tw > width) {
      // A word longer than the cell: cut it.
      let cut = '';
      let cw = 0;
      for (const ch of tok) {
        const w = charWidth(ch.codePointAt(0)!);
        if (cw + w > width) break;
        cut += ch;
        cw += w;
      }
      out.push(cut);
      tok = tok.slice(cut.length);
      tw = displayWidth(tok);
    }
    line += tok;
    lw += tw;
  }
  if (lw > 0 || out.length === 0) out.push(trimEnd(line));
  return out;
}

/** `line` without trailing spaces (the only spaces a line holds are the ones put between tokens). */
function trimEnd(line: string): string {
  let e = line.length;
  while (e > 0 && line.charCodeAt(e - 1) === 0x20) e--;
  return e === line.length ? line : line.slice(0, e);
}
