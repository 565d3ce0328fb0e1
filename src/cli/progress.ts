/**
 * A "frame N of M" line on stderr for long exports, redrawn at most four times a second and
 * erased at the end; silent unless showProgress allows it (a terminal, no --quiet).
 */
import { showProgress, type CommandIO } from './command.js';

export interface Progress {
  /** Call once per frame; cheap (a counter) except every 4096th call. */
  tick(n: number): void;
  done(): void;
}

const SILENT: Progress = { tick() {}, done() {} };

export function frameProgress(io: CommandIO, quiet: boolean, label: string, total: number): Progress {
  if (!showProgress(io, quiet)) return SILENT;
  let last = Date.now();
  let shown = false;
  return {
    tick(n) {
      if ((n & 4095) !== 0) return;
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      shown = true;
      const pct = total > 0 ? ` (${Math.floor((n / total) * 100)}%)` : '';
      io.stderr.write(`\r\x1b[Klvscope: ${label}: frame ${n.toLocaleString('en')} of ${total.toLocaleString('en')}${pct}`);
    },
    done() {
      if (shown) io.stderr.write('\r\x1b[K');
    },
  };
}
