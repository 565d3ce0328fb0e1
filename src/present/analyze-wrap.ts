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

/** Lines of at most `width` columns. Breaks after spaces and around wide characters; hard-breaks long words. */
export function wrapText(text: string, width: number): string[] {
  const out: string[] = [];
  // Tokens: a run of non-space narrow characters (a word), a single wide character, or spaces.
  const tokens = text.match(/[^\s\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]+|[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]|\s+/g) ?? [];
  let line = '';
  let lw = 0;
  const flush = (): void => { out.push(line.replace(/\s+$/, '')); line = ''; lw = 0; };
  for (let tok of tokens) {
    if (/^\s+$/.test(tok)) {
      if (lw === 0) continue;
      if (lw + 1 > width) { flush(); continue; }
      line += ' ';
      lw += 1;
      continue;
    }
    let tw = displayWidth(tok);
    if (lw + tw > width && lw > 0) flush();
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
  if (lw > 0 || out.length === 0) flush();
  return out;
}
