/** ANSI colour for the analyze output, applied only when the caller says the stream is a terminal. */

export interface Style {
  readonly on: boolean;
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  cyan(s: string): string;
  magenta(s: string): string;
}

const wrap = (on: boolean, open: number, close: number) => (s: string): string => (on ? `\u001b[${open}m${s}\u001b[${close}m` : s);

export function makeStyle(on: boolean): Style {
  return {
    on,
    bold: wrap(on, 1, 22),
    dim: wrap(on, 2, 22),
    red: wrap(on, 31, 39),
    yellow: wrap(on, 33, 39),
    green: wrap(on, 32, 39),
    cyan: wrap(on, 36, 39),
    magenta: wrap(on, 35, 39),
  };
}
