import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

export interface TerminalSize {
  readonly columns: number;
  readonly rows: number;
}

/**
 * The terminal's size, re-read on every resize.
 *
 * @example
 *   const { columns, rows } = useTerminalSize();
 */
export default function useTerminalSize(): TerminalSize {
  const { stdout } = useStdout();
  // One row short of the screen: an ink frame as tall as the terminal is redrawn by clearing it,
  // which flickers on every key.
  const read = (): TerminalSize => ({ columns: stdout.columns || 80, rows: Math.max(8, (stdout.rows || 24) - 1) });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = (): void => setSize(read());
    stdout.on('resize', onResize);
    return () => { stdout.off('resize', onResize); };
  }, [stdout]);
  return size;
}
