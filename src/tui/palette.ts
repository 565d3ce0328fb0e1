/**
 * Colour choices in one place. With colour off (NO_COLOR, not a terminal) every helper returns no
 * colour at all, so the panes render as plain text; selection then shows as a '>' mark.
 */
const CONN_COLOURS = ['cyan', 'magenta', 'yellow', 'green', 'blue', 'red'] as const;

export type InkColour = (typeof CONN_COLOURS)[number] | 'gray' | 'white';

/** Colour of connection c (1-based); gray for frames of no connection. */
export function connColour(c: number): InkColour {
  return c <= 0 ? 'gray' : CONN_COLOURS[(c - 1) % CONN_COLOURS.length]!;
}

/** `{ color }` for ink's Text, or nothing when colour is off. */
export function tint(colour: boolean, c: InkColour | undefined): { color?: string } {
  return colour && c !== undefined ? { color: c } : {};
}
