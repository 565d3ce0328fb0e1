/**
 * LINKTYPE_NFLOG (239): what `tcpdump -i nflog:GROUP` writes for packets an iptables or nftables
 * rule logged (`-j NFLOG --nflog-group N`, `log group N`): an operator's way to see a packet at
 * one netfilter hook of a director, where IPVS also hooks in. A 4-byte header (address family,
 * version, resource id = the group, big-endian), then TLVs padded to 4 bytes whose length and
 * type are in the capturing host's byte order. https://www.tcpdump.org/linktypes/LINKTYPE_NFLOG.html
 */
import type { NflogRecord } from './records.js';

export const NFLOG_HEADER_LEN = 4;
/** The header's family: Linux's AF_INET and AF_INET6. */
export const LINUX_AF_INET = 2;
export const LINUX_AF_INET6 = 10;
const TLV_HEADER_LEN = 4;
const NFULA_PACKET_HDR = 1;
const NFULA_PAYLOAD = 9;
const NFULA_PREFIX = 10;

/** The netfilter hooks (NF_INET_*), as iptables names its chains. */
const HOOKS = ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'] as const;

export function nflogHookName(hook: number): string {
  return HOOKS[hook] ?? `hook ${hook}`;
}

/** What a walk of the TLVs finds: the record's fields, where the logged packet is, or what is wrong. */
export interface NflogWalk {
  readonly record: NflogRecord | null;
  /** The logged packet (an IP packet of the header's family): offset and length, -1 when there is none. */
  readonly payloadAt: number;
  readonly payloadLen: number;
  readonly problem: { readonly code: 'truncated' | 'malformed'; readonly at: number; readonly message: string } | null;
}

/** Reads the header and TLVs at buf[off .. off+len); `frameOffset` is the header's offset in the frame. */
export function walkNflog(buf: Uint8Array, off: number, len: number, frameOffset: number): NflogWalk {
  if (len < NFLOG_HEADER_LEN) {
    return { record: null, payloadAt: -1, payloadLen: 0, problem: { code: 'truncated', at: off, message: `NFLOG header needs ${NFLOG_HEADER_LEN} bytes, ${len} captured` } };
  }
  const end = off + len;
  let prefix: string | null = null;
  let hook: number | null = null;
  let payloadAt = -1;
  let payloadLen = 0;
  let problem: NflogWalk['problem'] = null;
  // Types are small numbers: the first TLV's says which byte order the capturing host used.
  let bigEndian = false;
  if (len >= NFLOG_HEADER_LEN + TLV_HEADER_LEN) bigEndian = (buf[off + 6]! | (buf[off + 7]! << 8)) > 0xff;
  const u16 = (at: number): number => (bigEndian ? (buf[at]! << 8) | buf[at + 1]! : buf[at]! | (buf[at + 1]! << 8));
  for (let at = off + NFLOG_HEADER_LEN; at < end;) {
    if (end - at < TLV_HEADER_LEN) { problem = { code: 'truncated', at, message: `NFLOG TLV header needs ${TLV_HEADER_LEN} bytes, ${end - at} captured` }; break; }
    const tlvLen = u16(at);
    const type = u16(at + 2) & 0x7fff; // the top bit is NLA_F_NESTED
    if (tlvLen < TLV_HEADER_LEN) { problem = { code: 'malformed', at, message: `NFLOG TLV of type ${type} has length ${tlvLen}` }; break; }
    const value = at + TLV_HEADER_LEN;
    const valueLen = tlvLen - TLV_HEADER_LEN;
    if (value + valueLen > end) {
      // The payload may be cut by the snapshot length: what is there is still the packet's start.
      if (type === NFULA_PAYLOAD) { payloadAt = value; payloadLen = valueLen; }
      problem = { code: 'truncated', at, message: `NFLOG TLV of type ${type} needs ${tlvLen} bytes, ${end - at} captured` };
      break;
    }
    if (type === NFULA_PAYLOAD) { payloadAt = value; payloadLen = valueLen; }
    else if (type === NFULA_PREFIX && valueLen > 0) {
      let n = 0;
      while (n < valueLen && buf[value + n] !== 0) n++;
      prefix = String.fromCharCode(...buf.subarray(value, value + n));
    } else if (type === NFULA_PACKET_HDR && valueLen >= 3) hook = buf[value + 2]!;
    at += (tlvLen + 3) & ~3;
  }
  const record: NflogRecord = {
    type: 'nflog', family: buf[off]!, version: buf[off + 1]!, resourceId: (buf[off + 2]! << 8) | buf[off + 3]!, prefix, hook, offset: frameOffset,
  };
  return { record, payloadAt, payloadLen, problem };
}
