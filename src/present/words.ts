/** Counted English nouns: "1 frame", "2 frames". */
export function plural(n: number, noun: string, many = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : many}`;
}

/** "frame 2" or "frames 2, 5" (for a list of frame numbers). */
export function frameList(frames: readonly number[]): string {
  return `${frames.length === 1 ? 'frame' : 'frames'} ${frames.join(', ')}`;
}
