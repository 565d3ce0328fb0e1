/**
 * The reading thread's side of the packet memory's shortcut (Packet.srcKeySeen, model/recent.ts):
 * for each TCP/UDP packet, when its two packet-memory keys were last carried by a frame. The
 * model thread then skips the memory's lookups for keys it cannot hold: on a capture where most
 * packets are new to the memory, those lookups (random memory accesses, four a frame) were most
 * of the model's work, and here they cost one array access per key on the thread that has time.
 *
 * Only an upper bound is needed, so no key is stored: one frame number per hash bucket, the last
 * frame whose key fell in it. A collision gives a later frame than the key's own: the model then
 * looks the key up as it would have anyway.
 */
import { hash5 } from '../model/flow-table.js';
import { PROTO_TCP, PROTO_UDP, type Packet } from '../model/packet.js';

/**
 * 65,536 buckets (256 KB): two random accesses a frame stay in the cache. The packet memory holds
 * the keys of its last few thousand frames (model/recent.ts), so a bucket rewritten every ~32,000
 * frames seldom sends the model to look for a key it cannot hold; a million buckets (4 MB) made
 * these two accesses a sixth of the reading thread's work.
 */
const BUCKET_BITS = 16;
const MASK = (1 << BUCKET_BITS) - 1;
/** Frame numbers are kept as int32; past this, keys are left unknown (-1). */
const MAX_FRAME = 0x7fffffff;

export class KeySightings {
  private readonly last = new Int32Array(1 << BUCKET_BITS);

  /** Sets p.srcKeySeen and p.dstKeySeen; `src`, `dst`: its addresses as numbers (one per address, any numbering). */
  mark(p: Packet, src: number, dst: number): void {
    if (p.kind !== 'ip' || (p.proto !== PROTO_TCP && p.proto !== PROTO_UDP) || p.n >= MAX_FRAME) {
      p.srcKeySeen = p.dstKeySeen = -1;
      return;
    }
    const last = this.last;
    const seq = p.seq | 0;
    const a = hash5(src, p.sport, p.proto, p.ipId, seq) & MASK;
    p.srcKeySeen = last[a]!;
    last[a] = p.n;
    // After the source key's own mark: a destination key equal to it was carried by this frame.
    const b = hash5(dst, p.dport, p.proto, p.ipId, seq) & MASK;
    p.dstKeySeen = last[b]!;
    last[b] = p.n;
  }
}
