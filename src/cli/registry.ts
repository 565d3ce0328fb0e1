/**
 * The commands `lvscope` knows, loaded lazily so `lvscope decode` never pays for React and ink,
 * and so the optional native `cap` module is only touched by the commands that send or capture.
 */
import type { Command } from './command.js';
import { startEarlyPass } from './commands/analyze-options.js';

export interface CommandEntry {
  readonly name: string;
  readonly summary: string;
  /** Work worth starting before the command's modules load (it must not fail or print). */
  early?(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void>;
  /**
   * All its output is written (synchronously) by the time `run` returns and nothing of it runs on:
   * the process may end at once (runProcess) instead of freeing a big capture's heap page by page.
   */
  readonly exitsWhenDone?: boolean;
  load(): Promise<Command>;
}

// Imported with this table, not on demand: a dynamic import here cost ~15 ms before the reading
// worker could start booting, and the pass waits for that worker's first chunk.
const startModelPass = async (args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> => startEarlyPass(args, env);

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'analyze', summary: 'explain every frame and reconstruct the LVS cluster (table, json, ndjson)', early: startModelPass, exitsWhenDone: true, load: async () => (await import('./commands/analyze.js')).analyzeCommand },
  { name: 'validate', summary: 'check a deployment: findings only, exit status by severity', early: startModelPass, exitsWhenDone: true, load: async () => (await import('./commands/validate.js')).validateCommand },
  { name: 'report', summary: 'write the walkthrough as one self-contained HTML page (ladder, step-through, en/zh, handout)', load: async () => (await import('./commands/report.js')).reportCommand },
  { name: 'tui', summary: 'browse a capture in the explain TUI (frames, ladder, detail, cluster)', load: async () => (await import('./commands/tui.js')).tuiCommand },
  { name: 'decode', summary: 'print every frame of a capture, decoded (text or ndjson)', exitsWhenDone: true, load: async () => (await import('./commands/decode.js')).decodeCommand },
  { name: 'synth', summary: 'simulate an LVS cluster and write an explained teaching capture', load: async () => (await import('./commands/synth.js')).synthCommand },
  { name: 'replay', summary: 'send a capture onto an interface with tcpreplay-like timing and rewriting (libpcap)', load: async () => (await import('./commands/replay.js')).replayCommand },
  { name: 'live', summary: 'capture on an interface and explain the frames as they arrive (libpcap)', load: async () => (await import('./commands/live.js')).liveCommand },
  { name: 'lab', summary: 'build a real LVS cluster (the kernel\'s IPVS, on this host or in a microVM) and capture it (root)', load: async () => (await import('./commands/lab.js')).labCommand },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
