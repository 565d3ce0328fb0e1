/**
 * `ipvsadm -L -n -c` (list_conn / print_conn) and the kernel's /proc/net/ip_vs_conn it reads.
 * Expiry is what /proc reports just after `now` (a fresh 900 s entry shows 14:59).
 */
import { formatAddrPort, isIPv6, parseIPv4 } from '../address.js';
import { ConnectionTable, type Connection } from '../connection-table.js';

export const CONN_TITLE =
  'IPVS connection entries\n'
  + `pro expire ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination\n`;

/** ip_vs_proto_name. */
export function protoName(c: Connection): string {
  switch (c.protocol) {
    case 'tcp': return 'TCP';
    case 'udp': return 'UDP';
    case 'sctp': return 'SCTP';
    case 'ip': return 'IP';
  }
}

/** `%02d:%02d` of whole seconds; minutes are not capped at 59. */
export function formatExpire(seconds: number): string {
  const s = Math.max(0, Math.trunc(seconds));
  return `${String(Math.trunc(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
}

export function formatConnLine(c: Connection, now: number): string {
  return `${protoName(c).padEnd(3)} ${formatExpire(ConnectionTable.remaining(c, now)).padEnd(6)} ${c.state.padEnd(11)} `
    + `${formatAddrPort(c.caddr, c.cport).padEnd(18)} ${formatAddrPort(c.vaddr, c.vport).padEnd(18)} ${formatAddrPort(c.daddr, c.dport)}\n`;
}

export function formatConns(conns: readonly Connection[], now: number): string {
  let out = CONN_TITLE;
  for (const c of conns) out += formatConnLine(c, now);
  return out;
}

const hex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, '0');

/** /proc/net/ip_vs_conn (IPv4 rows `%-3s %08X %04X %08X %04X %s %04X %-11s %7u`). */
export function formatProcConns(conns: readonly Connection[], now: number): string {
  let out = 'Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n';
  for (const c of conns) {
    const addr = (a: string): string => (isIPv6(a) ? a : hex(parseIPv4(a) ?? 0, 8));
    out += `${protoName(c).padEnd(3)} ${addr(c.caddr)} ${hex(c.cport, 4)} ${addr(c.vaddr)} ${hex(c.vport, 4)} `
      + `${addr(c.daddr)} ${hex(c.dport, 4)} ${c.state.padEnd(11)} ${String(ConnectionTable.remaining(c, now)).padStart(7)}\n`;
  }
  return out;
}
