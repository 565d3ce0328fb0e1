/**
 * Frame n, decoded on demand: one positioned read of the frame's bytes and one decode, kept in a
 * small LRU so moving the selection up and down a screen never reads the disk twice.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { FrameDecoder } from '../../decode/index.js';
import type { DecodedFrame } from '../../wire/records.js';
import type { FrameIndex } from './frame-index.js';

export interface StoredFrame {
  readonly frame: DecodedFrame;
  /** The frame's bytes (a copy, safe to keep). */
  readonly bytes: Uint8Array;
}

const DEFAULT_CACHE = 4096;

export class FrameStore {
  private readonly fds: number[];
  private readonly decoder = new FrameDecoder();
  private readonly cache = new Map<number, StoredFrame>();

  readonly index: FrameIndex;
  private readonly cacheSize: number;

  constructor(index: FrameIndex, cacheSize = DEFAULT_CACHE) {
    this.index = index;
    this.cacheSize = cacheSize;
    this.fds = index.paths.map((p) => openSync(p, 'r'));
  }

  get count(): number {
    return this.index.count;
  }

  /** Frame n (1-based), or null outside 1..count. `cache` false for sweeps that would flush the LRU. */
  get(n: number, cache = true): StoredFrame | null {
    if (!(n >= 1 && n <= this.index.count)) return null;
    const hit = this.cache.get(n);
    if (hit !== undefined) {
      this.cache.delete(n);
      this.cache.set(n, hit);
      return hit;
    }
    const ix = this.index;
    const k = n - 1;
    const caplen = ix.caplen[k]!;
    const bytes = new Uint8Array(caplen);
    const fd = this.fds[ix.file[k]!]!;
    let got = 0;
    while (got < caplen) {
      const r = readSync(fd, bytes, got, caplen - got, ix.dataOffset[k]! + got);
      if (r === 0) break;
      got += r;
    }
    const data = got === caplen ? bytes : bytes.subarray(0, got);
    const frame = this.decoder.decode(data, 0, data.length, ix.linkType[k]!, n, ix.tsSec[k]!, ix.tsNsec[k]!, ix.len[k]!, ix.iface[k]!, ix.comments.get(n) ?? null);
    const stored = { frame, bytes: data };
    if (!cache) return stored;
    this.cache.set(n, stored);
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    return stored;
  }

  close(): void {
    for (const fd of this.fds.splice(0)) closeSync(fd);
    this.cache.clear();
  }
}
