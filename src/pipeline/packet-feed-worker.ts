/**
 * The reading half of a parallel model pass: runs in a worker thread, reads and decodes the
 * captures into the Packets the one-thread pass would make (openFrames, then Packet.load; the
 * common frames of one file more directly), and hands them over as numeric chunks
 * (packet-slots.ts). The main thread runs the model meanwhile.
 *
 * Flow control through shared counters (packet-feed-protocol.ts): at most `maxInFlight` chunks
 * are posted and not yet consumed, so a slow model never makes the reader buffer the whole capture.
 */
import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { CaptureFormatError } from '../capture/index.js';
import { isDamaged, openFrames } from '../decode/index.js';
import { Packet } from '../model/packet.js';
import { ReadingWatch } from '../model/reading-watch.js';
import { readPackets, type Damage } from './read-packets.js';
import { CONSUMED, POSTED, STARTED, type FeedMessage, type FeedWorkerData, type RecycleMessage } from './packet-feed-protocol.js';
import { PacketChunkWriter, type PacketChunk } from './packet-slots.js';
import { FrameAddressIds } from './address-table.js';

const FIRST_CHUNK_FRAMES = 512;

function run(d: FeedWorkerData): void {
  const { port, control } = d;
  Atomics.store(control, STARTED, 1);
  Atomics.notify(control, STARTED);
  let posted = 0;
  const post = (m: FeedMessage, transfer: ArrayBuffer[] = []): void => {
    port.postMessage(m, transfer);
    // The message is in the port's queue before the count says so: the reader may take it at once.
    Atomics.store(control, POSTED, ++posted);
    Atomics.notify(control, POSTED);
  };
  const send = (chunk: PacketChunk): void => {
    for (;;) {
      const consumed = Atomics.load(control, CONSUMED);
      if (posted - consumed < d.maxInFlight) break;
      Atomics.wait(control, CONSUMED, consumed, 1000);
    }
    post({ kind: 'chunk', chunk }, [chunk.ints.buffer as ArrayBuffer, chunk.times.buffer as ArrayBuffer]);
  };
  const writer = new PacketChunkWriter(d.chunkFrames, true);
  // Common frames come with their addresses' ids, so the writer need not look their text up.
  const ids = new FrameAddressIds(writer.table);
  const pkt = new Packet();
  // The first chunk is a small one, so the model thread can start while this one warms up.
  let firstChunk = true;
  const add = (): void => {
    if (!writer.full && !(firstChunk && writer.count >= FIRST_CHUNK_FRAMES)) return;
    firstChunk = false;
    // Arrays the model is done with come back: reuse them rather than allocate (and zero) more.
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
      const r = m.message as RecycleMessage;
      writer.recycle(r.ints, r.times);
    }
    send(writer.take());
  };
  const damage = { count: 0, first: 0 };
  // The fault watchers' per-packet work, here rather than on the model thread.
  const watch = new ReadingWatch();
  try {
    const problems = d.paths.length === 1
      ? readPackets(d.paths[0]!, d.limit, pkt, (p) => { watch.observe(p); writer.add(p, ids); add(); }, damage, ids)
      : readMerged(d.paths, d.limit, pkt, writer, watch, add, damage);
    if (writer.count > 0) send(writer.take());
    post({ kind: 'end', problems, damagedFrames: damage.count, firstDamaged: damage.first, faults: watch.episodes() });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post(e instanceof CaptureFormatError
      ? { kind: 'error', format: true, file: e.file, offset: e.offset, message: e.message, code: null }
      : { kind: 'error', format: false, file: '', offset: 0, message: err?.message ?? String(e), code: typeof err?.code === 'string' ? err.code : null });
  } finally {
    port.close();
  }
}

/** Several files, merged by time exactly as the one-thread pass merges them. */
function readMerged(paths: readonly string[], limit: number, pkt: Packet, writer: PacketChunkWriter, watch: ReadingWatch, added: () => void, damage: Damage): string[] {
  const source = openFrames(paths, { comments: false, verifyChecksums: false });
  try {
    let n = 0;
    for (const f of source) {
      if (n++ >= limit) return [];
      if (f.issues.length > 0 && isDamaged(f) && damage.count++ === 0) damage.first = f.n;
      watch.observe(pkt.load(f));
      writer.add(pkt);
      added();
    }
    return source.issues.map((i) => i.message);
  } finally {
    source.close();
  }
}

if (!isMainThread) run(workerData as FeedWorkerData);
