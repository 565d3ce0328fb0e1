/**
 * The TUI's passes on a worker thread (analysis-worker.ts) must be invisible: the analysis a
 * session ends with (report, knowledge, every column and table, every frame's facts) is the one it
 * gets running both passes on its own thread. The worker runs the
 * built script (dist/), as the CLI does; without a build these cases skip and say so.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapngWriter, fileSink, readAllPackets } from '../../src/capture/index.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { SEED } from './fixtures.js';
import { BATCH_FRAMES } from '../../src/tui/data/analysis-protocol.js';
import { COLUMN_NAMES } from '../../src/tui/data/columns.js';

const DIST = join(REPO_ROOT, 'dist/tui/data');
const skip = existsSync(join(DIST, 'analysis-worker.js')) ? null : 'no build (run npm run build): the worker runs dist/tui/data/analysis-worker.js';
const tmp = mkdtempSync(join(tmpdir(), 'lvscope-tui-analysis-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type SessionModule = typeof import('../../src/tui/data/session.js');
type BindingModule = typeof import('../../src/tui/data/model-binding.js');
type Session = ReturnType<SessionModule['CaptureSession']['open']>;

/** What a finished analysis shows: the report, the knowledge, and every per-frame column. */
function shown(s: Session) {
  const a = s.analysis;
  return JSON.stringify({
    phase: a.phase, error: a.error, learned: a.learned, explained: a.explained, report: a.report,
    knowledge: a.knowledge === null ? null : Object.fromEntries(Object.entries(a.knowledge).map(([k, v]) => [k, v instanceof Map ? [...v] : v instanceof Set ? [...v] : v])),
    columns: COLUMN_NAMES.map((name) => [...a.columns[name]]),
    actors: a.actors.list, conns: a.conns, hosts: a.hosts, addrs: a.addrs, stateNames: a.stateNames, facts: Array.from({ length: s.count }, (_, k) => a.facts(k + 1)),
  });
}

describe.skipIf(skip !== null)(`the TUI's passes on a worker thread${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  it('ends with the analysis of both passes on one thread: one file, two merged, and one of several batches', async () => {
    const { CaptureSession } = (await import(join(DIST, 'session.js'))) as SessionModule;
    const { modelPort } = (await import(join(DIST, 'model-binding.js'))) as BindingModule;
    const { packets } = readAllPackets(SEED);
    const halves = [join(tmp, 'a.pcapng'), join(tmp, 'b.pcapng')];
    halves.forEach((path, keep) => {
      const w = new PcapngWriter(fileSink(path));
      const iface = w.addInterface({ linkType: 1 });
      for (const p of packets.filter((x) => x.n % 2 === keep)) w.writePacket(iface, p.data, p.tsSec, p.tsNsec, { origLen: p.len });
      w.close();
    });
    // The seed's frames again and again, a second apart each time: pass 2 comes back in several batches.
    const long = join(tmp, 'long.pcapng');
    const w = new PcapngWriter(fileSink(long));
    const iface = w.addInterface({ linkType: 1 });
    for (let round = 0; round * packets.length < 5000; round++) {
      for (const p of packets) w.writePacket(iface, p.data, p.tsSec + round * 100, p.tsNsec, { origLen: p.len });
    }
    w.close();
    for (const paths of [[SEED], halves, [long]]) {
      const port = modelPort();
      let onWorker = 0;
      let batches = 0;
      const counted: typeof port = {
        ...port,
        analyze: (ps, keepFacts, on) => {
          const pass = port.analyze!(ps, keepFacts, { ...on, batch: (b) => { batches++; on.batch(b); } });
          if (pass !== null) onWorker++;
          return pass;
        },
      };
      const background = CaptureSession.open(paths, { port: counted });
      await background.start();
      expect(onWorker).toBe(1);
      expect(batches).toBe(Math.ceil(background.count / BATCH_FRAMES));
      const here = CaptureSession.open(paths, { port: { ...modelPort(), analyze: undefined } });
      here.analyseNow();
      expect(background.analysis.phase).toBe('done');
      expect(shown(background)).toBe(shown(here));
      background.close();
      here.close();
    }
  });
});
