/**
 * The reading half of a parallel model pass: runs in a worker thread, reads and decodes the
 * captures exactly as the one-thread pass does (openFrames, then Packet.load), and hands the
 * Packets over as numeric chunks (packet-slots.ts). The main thread runs the model meanwhile.
 *
 * Flow control through shared counters (see packet-feed.ts): at most MAX_IN_FLIGHT chunks are
 * posted and not yet consumed, so a slow model never makes the reader buffer the whole capture.
 */
import { isMainThread, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { CaptureFormatError } from '../capture/index.js';
import { openFrames } from '../decode/index.js';
import { Packet } from './packet.js';
import { CONSUMED, POSTED, type FeedMessage, type FeedWorkerData, type RecycleMessage } from './packet-feed-protocol.js';
import { PacketChunkWriter, type PacketChunk } from './packet-slots.js';

function run(d: FeedWorkerData): void {
  const { port, control } = d;
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
  let source;
  try {
    source = openFrames(d.paths, { comments: false, verifyChecksums: false });
    const pkt = new Packet();
    const writer = new PacketChunkWriter(d.chunkFrames);
    let n = 0;
    for (const f of source) {
      if (n++ >= d.limit) break;
      writer.add(pkt.load(f));
      if (writer.full) {
        // Arrays the model is done with come back: reuse them rather than allocate (and zero) more.
        for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port)) {
          const r = m.message as RecycleMessage;
          writer.recycle(r.ints, r.times);
        }
        send(writer.take());
      }
    }
    if (writer.count > 0) send(writer.take());
    post({ kind: 'end', problems: source.issues.map((i) => `${i.file}: ${i.message}`) });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    post(e instanceof CaptureFormatError
      ? { kind: 'error', format: true, file: e.file, offset: e.offset, message: e.message, code: null }
      : { kind: 'error', format: false, file: '', offset: 0, message: err?.message ?? String(e), code: typeof err?.code === 'string' ? err.code : null });
  } finally {
    source?.close();
    port.close();
  }
}

if (!isMainThread) run(workerData as FeedWorkerData);
