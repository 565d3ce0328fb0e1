/**
 * `ipvsadm -L -n` listings (default columns, or --stats) back into rules and counters.
 * Whitespace runs are treated alike, so listings pasted through tools that squeeze spaces (as the
 * tutorials do) still parse. Dests come out in listing order; see ServiceSpec.dests.
 */
import type { DestinationStats } from '../destination.js';
import type { ServiceProtocol, ServiceStats } from '../service.js';
import { forwardFromName, parseSchedFlags, type DestSpec, type MutableServiceSpec, type ServiceSpec } from './model.js';
import { parseHostPort } from './parse-address.js';
import type { ParseIssue } from './parse-rules.js';

export interface ParsedList {
  readonly version: string | null;
  readonly size: number | null;
  readonly format: 'default' | 'stats' | 'rate' | null;
  readonly services: ServiceSpec[];
  readonly errors: ParseIssue[];
}

/** print_largenum's K/M/G/T suffixes back to (truncated) numbers. */
export function parseLargenum(text: string): number | null {
  const m = /^(\d+)([KMGT]?)$/.exec(text);
  if (m === null) return null;
  const scale = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] as '' | 'K' | 'M' | 'G' | 'T'];
  return Number(m[1]) * scale;
}

function statsOf(nums: readonly string[]): ServiceStats | null {
  if (nums.length < 5) return null;
  const v = nums.slice(0, 5).map(parseLargenum);
  if (v.some((x) => x === null)) return null;
  const [conns, inPkts, outPkts, inBytes, outBytes] = v as [number, number, number, number, number];
  return { conns, inPkts, outPkts, inBytes, outBytes };
}

export function parseList(text: string): ParsedList {
  const services: MutableServiceSpec[] = [];
  const errors: ParseIssue[] = [];
  let version: string | null = null;
  let size: number | null = null;
  let format: ParsedList['format'] = null;
  let current: MutableServiceSpec | null = null;

  text.split(/\r?\n/).forEach((raw, idx) => {
    const line = raw.trim();
    if (line === '') return;
    const err = (message: string): void => { errors.push({ line: idx + 1, text: raw, message }); };
    const v = /^IP Virtual Server version (\d+\.\d+\.\d+) \(size=(\d+)\)/.exec(line);
    if (v !== null) { version = v[1] ?? null; size = Number(v[2]); return; }
    if (line.startsWith('Prot LocalAddress:Port')) {
      format = /\bConns\b/.test(line) ? 'stats' : /\bCPS\b/.test(line) ? 'rate' : 'default';
      return;
    }
    if (/^->\s+RemoteAddress:Port/.test(line)) return;
    const tok = line.split(/\s+/);

    if (tok[0] === '->') {
      if (current === null) { err('real server line before any service'); return; }
      const hp = parseHostPort(tok[1] ?? '');
      if (hp === null || hp.port === null) { err(`bad real server address '${tok[1] ?? ''}'`); return; }
      if (format === 'stats' || format === 'rate') {
        const st = format === 'stats' ? statsOf(tok.slice(2)) : null;
        current.dests.push({
          addr: hp.host, port: hp.port, forward: 'dr', weight: 1,
          ...(st !== null ? { stats: st as DestinationStats } : {}),
        });
        return;
      }
      const forward = forwardFromName(tok[2] ?? '');
      const nums = tok.slice(3, 6).map((t) => (/^\d+$/.test(t) ? Number(t) : null));
      if (forward === null || nums.length < 3 || nums.some((n) => n === null)) {
        err('cannot read real server line (expected Forward Weight ActiveConn InActConn)');
        return;
      }
      const [weight, activeConns, inactConns] = nums as [number, number, number];
      const d: DestSpec = { addr: hp.host, port: hp.port, forward, weight, activeConns, inactConns };
      current.dests.push(d);
      return;
    }

    let svc: MutableServiceSpec | null = null;
    let rest: string[] = [];
    if (tok[0] === 'FWM') {
      const mark = Number(tok[1]);
      if (!Number.isInteger(mark) || mark <= 0) { err(`bad firewall mark '${tok[1] ?? ''}'`); return; }
      const ipv6 = tok[2] === 'IPv6';
      rest = tok.slice(ipv6 ? 3 : 2);
      svc = baseSpec('tcp', ipv6 ? '::' : '0.0.0.0', 0, mark, ipv6);
    } else if (tok[0] === 'TCP' || tok[0] === 'UDP' || tok[0] === 'SCTP') {
      const hp = parseHostPort(tok[1] ?? '');
      if (hp === null || hp.port === null) { err(`bad service address '${tok[1] ?? ''}'`); return; }
      rest = tok.slice(2);
      svc = baseSpec(tok[0].toLowerCase() as ServiceProtocol, hp.host, hp.port, 0, hp.ipv6);
    } else {
      err('unrecognised line');
      return;
    }
    if (format === 'stats' || format === 'rate') {
      const st = format === 'stats' ? statsOf(rest) : null;
      if (st !== null) svc.stats = st;
      svc.scheduler = '';
    } else {
      svc.scheduler = rest[0] ?? '';
      for (let i = 1; i < rest.length; i++) {
        const t = rest[i] as string;
        if (t.startsWith('(') && t.endsWith(')')) svc.schedFlags = parseSchedFlags(t.slice(1, -1));
        else if (t === 'persistent') svc.persistence = Number(rest[++i]);
        else if (t === 'mask') {
          const m = rest[++i] ?? '';
          svc.netmask = svc.ipv6 ? Number(m) : m;
        } else if (t === 'pe') svc.pe = rest[++i] ?? null;
        else if (t === 'ops') svc.onePacket = true;
      }
    }
    services.push(svc);
    current = svc;
  });
  return { version, size, format, services, errors };
}

function baseSpec(protocol: ServiceProtocol, vip: string, port: number, fwmark: number, ipv6: boolean): MutableServiceSpec {
  return {
    protocol, vip, port, fwmark, ipv6, scheduler: 'wlc', persistence: null,
    netmask: ipv6 ? 128 : '255.255.255.255', schedFlags: {}, onePacket: false, pe: null, dests: [],
  };
}
