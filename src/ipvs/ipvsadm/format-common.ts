/**
 * Pieces shared by the ipvsadm listings: the version line, service and dest names and libipvs's
 * sort order. C printf widths are reproduced with padEnd/padStart (`%-Ns` / `%Ns`).
 */
import { compareAddrLikeLibipvs, formatAddrPort } from '../address.js';
import type { DestSpec, ServiceSpec } from './model.js';

/** IP_VS_VERSION_CODE 0x010201 and 1 << CONFIG_IP_VS_TAB_BITS (12). */
export const IPVS_VERSION = '1.2.1';
export const IPVS_CONN_TAB_SIZE = 4096;

export interface ListHeaderOptions {
  readonly version?: string;
  readonly size?: number;
}

export function versionLine(opts: ListHeaderOptions = {}): string {
  return `IP Virtual Server version ${opts.version ?? IPVS_VERSION} (size=${opts.size ?? IPVS_CONN_TAB_SIZE})\n`;
}

export const PROTOCOL_NUMBERS = { tcp: 6, udp: 17, sctp: 132 } as const;

/** `%-4s %s` of protocol and address, cut at 33 chars for IPv4; `FWM  %d` for marks. */
export function serviceName(s: ServiceSpec): string {
  if (s.fwmark !== 0) return s.ipv6 ? `FWM  ${s.fwmark} IPv6` : `FWM  ${s.fwmark}`;
  const name = `${s.protocol.toUpperCase().padEnd(4)} ${formatAddrPort(s.vip, s.port)}`;
  return s.ipv6 ? name : name.slice(0, 33);
}

/** Dest address as listed: `a.b.c.d:port`, cut at 28 chars for IPv4. */
export function destName(d: DestSpec, ipv6: boolean): string {
  const name = formatAddrPort(d.addr, d.port);
  return ipv6 ? name : name.slice(0, 28);
}

/** libipvs ipvs_cmp_services: fwmark, family, protocol number, address (int-wrap quirk), port. */
export function sortServices(services: readonly ServiceSpec[]): ServiceSpec[] {
  return [...services].sort((a, b) =>
    (a.fwmark - b.fwmark)
    || (Number(a.ipv6) - Number(b.ipv6))
    || (PROTOCOL_NUMBERS[a.protocol] - PROTOCOL_NUMBERS[b.protocol])
    || compareAddrLikeLibipvs(a.vip, b.vip)
    || (a.port - b.port));
}

/** libipvs ipvs_cmp_dests: address (int-wrap quirk), then port. */
export function sortDests(dests: readonly DestSpec[]): DestSpec[] {
  return [...dests].sort((a, b) => compareAddrLikeLibipvs(a.addr, b.addr) || (a.port - b.port));
}

/** print_largenum: `%9llu` below 1e8, else `%8llu` + K/M/G/T; with --exact the full number, width max(9, len+1). */
export function largenum(n: number, exact = false): string {
  const v = Math.max(0, Math.trunc(n));
  if (exact) {
    const s = String(v);
    return s.padStart(s.length <= 8 ? 9 : s.length + 1);
  }
  if (v < 100_000_000) return String(v).padStart(9);
  if (v < 1_000_000_000) return `${String(Math.trunc(v / 1000)).padStart(8)}K`;
  if (v < 100_000_000_000) return `${String(Math.trunc(v / 1_000_000)).padStart(8)}M`;
  if (v < 100_000_000_000_000) return `${String(Math.trunc(v / 1_000_000_000)).padStart(8)}G`;
  return `${String(Math.trunc(v / 1_000_000_000_000)).padStart(8)}T`;
}
