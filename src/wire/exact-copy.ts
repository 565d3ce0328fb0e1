/**
 * The first n items of a reused scratch array as a new array of exactly n, by literal for the
 * usual counts (a frame's 3-5 layers; a segment's nop-nop-ts or a SYN's five options): a kept
 * record then holds n slots, not the capacity a pushed array grows to.
 */
export function exactCopy<T>(from: readonly T[], n: number): T[] {
  switch (n) {
    case 0: return [];
    case 1: return [from[0]!];
    case 2: return [from[0]!, from[1]!];
    case 3: return [from[0]!, from[1]!, from[2]!];
    case 4: return [from[0]!, from[1]!, from[2]!, from[3]!];
    case 5: return [from[0]!, from[1]!, from[2]!, from[3]!, from[4]!];
    default: return from.slice(0, n);
  }
}
