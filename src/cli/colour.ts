/** A few ANSI styles; every caller decides with useColour() whether to apply them. */
export interface Palette {
  readonly dim: (s: string) => string;
  readonly bold: (s: string) => string;
  readonly red: (s: string) => string;
  readonly yellow: (s: string) => string;
  readonly green: (s: string) => string;
  readonly cyan: (s: string) => string;
  readonly magenta: (s: string) => string;
}

const wrap = (open: number, close: number) => (s: string): string => `\u001b[${open}m${s}\u001b[${close}m`;

export const COLOURS: Palette = {
  dim: wrap(2, 22), bold: wrap(1, 22), red: wrap(31, 39), yellow: wrap(33, 39),
  green: wrap(32, 39), cyan: wrap(36, 39), magenta: wrap(35, 39),
};

const id = (s: string): string => s;
export const PLAIN: Palette = { dim: id, bold: id, red: id, yellow: id, green: id, cyan: id, magenta: id };

export function palette(colour: boolean): Palette {
  return colour ? COLOURS : PLAIN;
}
