/**
 * The TUI's first model pass (learning the cluster) on a worker thread, so the browser's thread
 * only draws and, later, explains. One file is read as analyze reads it (common frames straight to
 * Packets); several are merged by time through openFrames. Posts progress about ten times a
 * second, then the pass's knowledge, report and finding frames (all structured-cloneable), or an
 * error message.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { openFrames } from '../../decode/index.js';
import { Engine, summarize } from '../../model/index.js';
import { Packet } from '../../model/packet.js';
import { readPackets } from '../../pipeline/read-packets.js';
import type { LearnMessage, LearnWorkerData } from './learn-protocol.js';

function run(d: LearnWorkerData): void {
  const post = (m: LearnMessage): void => parentPort!.postMessage(m);
  try {
    const names = d.names === null ? undefined : new Map(d.names);
    const engine = new Engine(names === undefined ? {} : { names });
    let frames = 0;
    let lastPost = Date.now();
    const tick = (): void => {
      if ((++frames & 0xfff) === 0 && Date.now() - lastPost >= 100) {
        lastPost = Date.now();
        post({ kind: 'progress', frames });
      }
    };
    if (d.paths.length === 1) {
      readPackets(d.paths[0]!, Infinity, new Packet(), (p) => { engine.observePacket(p, false); tick(); }, { count: 0, first: 0 });
    } else {
      const source = openFrames(d.paths);
      try {
        for (const f of source) { engine.observe(f, false); tick(); }
      } finally {
        source.close();
      }
    }
    engine.end();
    const s = summarize(engine.snapshot(), names === undefined ? { files: d.paths } : { files: d.paths, names });
    post({ kind: 'done', frames, knowledge: s.knowledge, report: s.report, findingFrames: s.findingFrames });
  } catch (e) {
    post({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

if (!isMainThread) run(workerData as LearnWorkerData);
