/**
 * One capture file straight into Packets, for a model pass (pass 1 on one thread, or the reading
 * worker of a two-thread pass): the common frames go from bytes to Packet (fast-packet.ts), the
 * rest through the full decoder. Frame numbers, and the capture problems (collected once the file
 * is read to its end, as openFrames does), are openFrames' own; the Packets are those
 * Packet.load makes of openFrames' frames (test/pipeline/packet-feed.test.ts holds them equal).
 */
import { CaptureReader } from '../capture/index.js';
import { FrameDecoder, isDamaged } from '../decode/index.js';
import { loadCommonFrame } from './fast-packet.js';
import type { Packet } from '../model/packet.js';
import type { FrameAddressIds } from './address-table.js';

/**
 * Bytes read at a time: a quarter of the core's second-level cache, so a frame's bytes are still
 * there when it is parsed, just after the kernel copied them in. With the reader's default of
 * 4 MiB they had left it; a tenth of reading and decoding a bulk capture went.
 */
const READ_CHUNK = 256 * 1024;

/** Damaged frames seen (decode/isDamaged), and the first one's number. */
export interface Damage { count: number; first: number }

/**
 * Calls each(pkt) for every frame (pkt is reused); returns the capture problems. With `ids`, a
 * frame of the common path also has its addresses' ids there (ids.valid).
 */
export function readPackets(path: string, limit: number, pkt: Packet, each: (p: Packet) => void, damage: Damage, ids: FrameAddressIds | null = null): string[] {
  const r = CaptureReader.open(path, { comments: false, chunkSize: READ_CHUNK });
  try {
    const decoder = new FrameDecoder({ verifyChecksums: false });
    for (let n = 1; ; n++) {
      // Like openFrames under a limit: the frame after the last one is read before stopping.
      if (!r.next()) return r.issues.map((i) => i.message);
      if (n > limit) return [];
      const common = loadCommonFrame(pkt, r.buf, r.offset, r.caplen, r.linkType, n, r.tsSec, r.tsNsec, ids);
      if (!common) {
        const f = decoder.decode(r.buf, r.offset, r.caplen, r.linkType, n, r.tsSec, r.tsNsec, r.len, r.iface, null);
        if (f.issues.length > 0 && isDamaged(f) && damage.count++ === 0) damage.first = n;
        pkt.load(f);
      }
      if (ids !== null) ids.valid = common;
      each(pkt);
    }
  } finally {
    r.close();
  }
}
