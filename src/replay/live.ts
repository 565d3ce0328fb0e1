/**
 * `lvscope live`: capture from an interface through libpcap (cap), decode each frame as it
 * arrives, print it tcpdump-style with the LVS model's explanation under it, and optionally save.
 *
 * cap delivers no timestamps (its issue #85), so frames are stamped on arrival in Node: the
 * monotonic clock, anchored to the wall clock once at start. The stamp includes the time the
 * frame waited for the event loop, typically tens of microseconds; the saved file says so.
 */
import { fileSink, PcapngWriter, PcapWriter } from '../capture/index.js';
import { FrameDecoder } from '../decode/index.js';
import { Engine } from '../model/index.js';
import { Explainer } from '../annotate/index.js';
import { formatFrameLine } from '../present/frame-summary.js';
import { frameToJson } from '../present/frame-json.js';
import { formatTimeOfDay } from '../present/time.js';
import type { DecodedFrame } from '../wire/records.js';
import { loadCap, openInterface, type CapHandle } from './cap.js';
import { anchorClock, nowNs, wallTimeOf } from './clock.js';
import { ReplayError } from './errors.js';

export interface LiveConfig {
  readonly iface: string;
  /** BPF filter text ('' = everything). */
  readonly filter: string;
  readonly write: string | null;
  /** Stop after this many frames; 0 = until Ctrl-C. */
  readonly count: number;
  readonly format: 'text' | 'ndjson';
  /** Explain each frame with the LVS model (text format). */
  readonly explain: boolean;
  readonly overwrite: boolean;
  readonly vips?: readonly { ip: string; port: number | null }[];
}

export interface LiveIO {
  /** One line at a time. */
  line(text: string): void;
  flush(): void;
  readonly stderr: NodeJS.WritableStream;
}

export interface LiveResult {
  readonly frames: number;
  readonly truncated: number;
  readonly interrupted: boolean;
}

export const TIMESTAMP_NOTE =
  'Timestamps were taken by lvscope live on arrival in Node.js (monotonic clock anchored to the wall clock at start), ' +
  'not by the kernel: libpcap via the cap package gives none. They include event-loop delay (typically tens of microseconds).';

const SNAPLEN = 65535;

/** Runs until count frames, Ctrl-C, or the abort signal. */
export async function runLive(cfg: LiveConfig, io: LiveIO, signal?: AbortSignal): Promise<LiveResult> {
  const cap = loadCap('lvscope live');
  const buffer = Buffer.alloc(SNAPLEN);
  let opened;
  try {
    opened = openInterface(cap, cfg.iface, cfg.filter, buffer, 10 * 1024 * 1024);
  } catch (err) {
    if (err instanceof ReplayError && /could not open/.test(err.message) && cfg.filter !== '') {
      throw new ReplayError(`${err.message}\n(is the filter valid BPF? e.g. -f 'tcp port 80 or arp'; test it with: tcpdump -d '${cfg.filter}')`, 2, { cause: err });
    }
    throw err;
  }
  const handle: CapHandle = opened.handle;
  const linkType = opened.linkType;
  const anchor = anchorClock();

  let writer: { write(data: Uint8Array, sec: number, nsec: number): void; close(): void } | null = null;
  try {
    if (cfg.write !== null) writer = openWriter(cfg.write, cfg.overwrite, linkType, cfg.iface);
  } catch (err) {
    handle.close();
    throw new ReplayError(`${(err as Error).message}`, 2, { cause: err });
  }

  const decoder = new FrameDecoder();
  const engine = cfg.explain ? new Engine({ vips: cfg.vips }) : null;
  const explainer = cfg.explain ? new Explainer({ knowledge: null, lang: 'en' }) : null;
  const t = { sec: 0, nsec: 0 };
  let n = 0;
  let truncated = 0;
  let interrupted = false;

  return await new Promise<LiveResult>((resolve, reject) => {
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      process.off('SIGINT', onSigint);
      signal?.removeEventListener('abort', onSigint);
      clearInterval(flusher);
      handle.removeAllListeners('packet');
      try {
        handle.close();
        writer?.close();
        io.flush();
      } catch (err) {
        reject(err as Error);
        return;
      }
      resolve({ frames: n, truncated, interrupted });
    };
    const onSigint = (): void => {
      interrupted = true;
      finish();
    };
    process.on('SIGINT', onSigint);
    signal?.addEventListener('abort', onSigint);
    // Lines are buffered; flush them on a quiet link too, so a person watching sees them.
    const flusher = setInterval(() => io.flush(), 200);

    handle.on('packet', (nbytes: number, trunc: boolean) => {
      if (finished) return;
      wallTimeOf(anchor, nowNs(), t);
      // cap reuses one buffer for every frame: copy before anything else can run.
      const data = Buffer.from(buffer.subarray(0, nbytes));
      n++;
      if (trunc) truncated++;
      try {
        writer?.write(data, t.sec, t.nsec);
        const frame = decoder.decode(data, 0, nbytes, linkType, n, t.sec, t.nsec, nbytes, 0, null);
        printFrame(frame);
      } catch (err) {
        finished = true;
        handle.removeAllListeners('packet');
        handle.close();
        clearInterval(flusher);
        process.off('SIGINT', onSigint);
        reject(err as Error);
        return;
      }
      if (cfg.count > 0 && n >= cfg.count) finish();
    });
    if (signal?.aborted === true) onSigint();

    function printFrame(frame: DecodedFrame): void {
      if (cfg.format === 'ndjson') {
        io.line(frameToJson(frame));
        return;
      }
      io.line(`${String(frame.n).padStart(5)} ${formatTimeOfDay(frame.tsSec, frame.tsNsec, true)} ${formatFrameLine(frame)}`);
      if (engine !== null && explainer !== null) {
        const facts = engine.observe(frame, true);
        if (facts !== null) {
          const text = explainer.explain(facts).text;
          if (text !== '') io.line(`      ${text}`);
        }
      }
    }
  });
}

function openWriter(
  path: string, overwrite: boolean, linkType: number, iface: string,
): { write(data: Uint8Array, sec: number, nsec: number): void; close(): void } {
  const sink = fileSink(path, { overwrite });
  if (/\.pcap$/i.test(path)) {
    // Classic pcap has no comment field; the note goes to stderr from the command instead.
    const w = new PcapWriter(sink, { linkType, nanosecond: true, snaplen: SNAPLEN });
    return { write: (d, s, ns) => w.writePacket(d, s, ns), close: () => w.close() };
  }
  const w = new PcapngWriter(sink, { sectionComment: TIMESTAMP_NOTE, userAppl: 'lvscope live' });
  const id = w.addInterface({ linkType, name: iface, nanosecond: true, snaplen: SNAPLEN });
  return { write: (d, s, ns) => w.writePacket(id, d, s, ns), close: () => w.close() };
}
