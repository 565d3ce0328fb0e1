/**
 * Rules as `ipvsadm -S [-n]` / ipvsadm-save writes them, or as a sequence of ipvsadm commands
 * (a shell transcript: prompts, the `ipvsadm` word and trailing `# comments` are skipped).
 * Commands are applied in order like the kernel would, so dest order is the add order.
 *
 * ipvsadm fills every option the command leaves out with its default, for edits too: `-E` without
 * `-s` resets the scheduler to wlc and drops persistence, `-e` without `-m` makes the dest DR with
 * weight 1. That is reproduced here. Errors are reported per line; parsing never throws.
 */
import type { ForwardMethod } from '../destination.js';
import { DEFAULT_PERSISTENCE_TIMEOUT, type ServiceProtocol } from '../service.js';
import type { SchedulerFlags } from '../schedulers/types.js';
import { parseSchedFlags, type DestSpec, type MutableServiceSpec, type ServiceSpec } from './model.js';
import { parseHostPort } from './parse-address.js';

export interface ParseIssue {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
  readonly message: string;
}

export interface ParsedRules {
  readonly services: ServiceSpec[];
  readonly errors: ParseIssue[];
}

type Command = 'add-service' | 'edit-service' | 'delete-service' | 'clear' | 'add-server' | 'edit-server' | 'delete-server' | 'other';

interface ParsedLine {
  cmd: Command;
  protocol: ServiceProtocol | null;
  svcAddr: string | null;
  fwmark: number;
  ipv6: boolean;
  scheduler: string | null;
  persistence: number | null;
  netmask: string | null;
  schedFlags: SchedulerFlags | null;
  onePacket: boolean;
  pe: string | null;
  server: string | null;
  forward: ForwardMethod | null;
  weight: number | null;
  upper: number | null;
  lower: number | null;
  tunType: 'ipip' | 'gue' | 'gre' | null;
  tunPort: number | null;
  tunCsum: boolean;
}

const COMMANDS: Readonly<Record<string, Command>> = {
  '-A': 'add-service', '--add-service': 'add-service',
  '-E': 'edit-service', '--edit-service': 'edit-service',
  '-D': 'delete-service', '--delete-service': 'delete-service',
  '-C': 'clear', '--clear': 'clear',
  '-a': 'add-server', '--add-server': 'add-server',
  '-e': 'edit-server', '--edit-server': 'edit-server',
  '-d': 'delete-server', '--delete-server': 'delete-server',
};

/** Strip a shell prompt, the `ipvsadm` word and a trailing comment; null if not an ipvsadm line. */
function commandText(raw: string): string | null {
  let line = raw.trim();
  const m = /(?:^|\s|#)ipvsadm\s+(.*)$/.exec(line);
  if (m !== null) line = m[1] ?? '';
  else if (!line.startsWith('-')) return null;
  const hash = line.search(/\s#/);
  if (hash >= 0) line = line.slice(0, hash);
  return line.trim();
}

function parseLine(text: string): ParsedLine | string {
  const tok = text.split(/\s+/).filter((t) => t !== '');
  const p: ParsedLine = {
    cmd: 'other', protocol: null, svcAddr: null, fwmark: 0, ipv6: false, scheduler: null, persistence: null,
    netmask: null, schedFlags: null, onePacket: false, pe: null, server: null, forward: null, weight: null,
    upper: null, lower: null, tunType: null, tunPort: null, tunCsum: false,
  };
  const isServerCmd = tok.some((t) => t === '-a' || t === '-e' || t === '-d' || t === '--add-server'
    || t === '--edit-server' || t === '--delete-server');
  for (let i = 0; i < tok.length; i++) {
    const t = tok[i] as string;
    const next = (): string | undefined => tok[++i];
    const num = (): number | null => {
      const v = next();
      return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
    };
    const cmd = COMMANDS[t];
    if (cmd !== undefined) { p.cmd = cmd; continue; }
    switch (t) {
      case '-t': case '--tcp-service': p.protocol = 'tcp'; p.svcAddr = next() ?? null; break;
      case '-u': case '--udp-service': p.protocol = 'udp'; p.svcAddr = next() ?? null; break;
      case '--sctp-service': p.protocol = 'sctp'; p.svcAddr = next() ?? null; break;
      case '-f': case '--fwmark-service': {
        const v = num();
        if (v === null || v === 0) return `bad firewall mark in '${text}'`;
        p.fwmark = v;
        p.protocol = 'tcp';
        break;
      }
      case '-6': case '--ipv6': p.ipv6 = true; break;
      case '-s': case '--scheduler': p.scheduler = next() ?? null; break;
      case '-p': case '--persistent': {
        const v = tok[i + 1];
        if (v !== undefined && /^\d+$/.test(v)) { p.persistence = Number(v); i++; }
        else p.persistence = DEFAULT_PERSISTENCE_TIMEOUT;
        break;
      }
      case '-M': case '--netmask': p.netmask = next() ?? null; break;
      case '--pe': p.pe = next() ?? null; break;
      case '-o': case '--ops': p.onePacket = true; break;
      case '-b':
        if (isServerCmd) p.forward = 'fullnat'; // Alibaba's FULLNAT switch; mainline -b is --sched-flags
        else p.schedFlags = parseSchedFlags(next() ?? '');
        break;
      case '--sched-flags': p.schedFlags = parseSchedFlags(next() ?? ''); break;
      case '--fullnat': p.forward = 'fullnat'; break;
      case '-r': case '--real-server': p.server = next() ?? null; break;
      case '-g': case '--gatewaying': p.forward = 'dr'; break;
      case '-i': case '--ipip': p.forward = 'tun'; break;
      case '-m': case '--masquerading': p.forward = 'nat'; break;
      case '-w': case '--weight': {
        const v = num();
        if (v === null || v > 65535) return `bad weight in '${text}'`;
        p.weight = v;
        break;
      }
      case '-x': case '--u-threshold': p.upper = num(); break;
      case '-y': case '--l-threshold': p.lower = num(); break;
      case '--tun-type': {
        const v = next();
        if (v !== 'ipip' && v !== 'gue' && v !== 'gre') return `bad tunnel type in '${text}'`;
        p.tunType = v;
        break;
      }
      case '--tun-port': p.tunPort = num(); break;
      case '--tun-csum': p.tunCsum = true; break;
      case '-n': case '--numeric': case '--tun-nocsum': case '--tun-remcsum': break;
      default:
        if (p.cmd === 'other') return 'ignore';
        return `unknown option '${t}' in '${text}'`;
    }
  }
  return p;
}

function keyOf(p: { protocol: ServiceProtocol | null; fwmark: number; vip: string; port: number; ipv6: boolean }): string {
  return p.fwmark !== 0 ? `fwm/${p.fwmark}/${p.ipv6 ? 6 : 4}` : `${p.protocol}/${p.vip}/${p.port}`;
}

export function parseRules(text: string): ParsedRules {
  const services: MutableServiceSpec[] = [];
  const errors: ParseIssue[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, idx) => {
    const err = (message: string): void => { errors.push({ line: idx + 1, text: raw, message }); };
    const body = commandText(raw);
    if (body === null || body === '') return;
    const p = parseLine(body);
    if (p === 'ignore') return;
    if (typeof p === 'string') { err(p); return; }
    if (p.cmd === 'other') return; // -L, -S, -Z, --set ... change no rules
    if (p.cmd === 'clear') { services.length = 0; return; }

    let vip = '0.0.0.0';
    let port = 0;
    let ipv6 = p.ipv6;
    if (p.fwmark === 0) {
      if (p.svcAddr === null || p.protocol === null) { err('no service given (-t, -u, --sctp-service or -f)'); return; }
      const hp = parseHostPort(p.svcAddr);
      if (hp === null) { err(`bad service address '${p.svcAddr}'`); return; }
      vip = hp.host;
      port = hp.port ?? 0;
      ipv6 = hp.ipv6;
    } else if (ipv6) {
      vip = '::';
    }
    const protocol = p.protocol ?? 'tcp';
    const key = keyOf({ protocol, fwmark: p.fwmark, vip, port, ipv6 });
    const idxSvc = services.findIndex((s) => keyOf(s) === key);
    const svc = idxSvc >= 0 ? services[idxSvc] : undefined;

    switch (p.cmd) {
      case 'add-service':
      case 'edit-service': {
        if (p.cmd === 'add-service' && svc !== undefined) { err('service already exists'); return; }
        if (p.cmd === 'edit-service' && svc === undefined) { err('no such service'); return; }
        if (p.fwmark === 0 && port === 0 && p.persistence === null) {
          err('Zero port specified for non-persistent service');
          return;
        }
        if (p.onePacket && protocol !== 'udp' && p.fwmark === 0) {
          err('One-Packet Scheduling is only for UDP virtual services');
          return;
        }
        const spec: MutableServiceSpec = {
          protocol, vip, port, fwmark: p.fwmark, ipv6,
          scheduler: p.scheduler ?? 'wlc',
          persistence: p.persistence,
          netmask: p.netmask === null ? (ipv6 ? 128 : '255.255.255.255') : ipv6 ? Number(p.netmask) : p.netmask,
          schedFlags: p.schedFlags ?? {},
          onePacket: p.onePacket,
          pe: p.pe,
          dests: svc?.dests ?? [],
        };
        if (svc === undefined) services.push(spec);
        else services[idxSvc] = spec;
        return;
      }
      case 'delete-service':
        if (svc === undefined) { err('no such service'); return; }
        services.splice(idxSvc, 1);
        return;
      default:
        break;
    }
    // Dest commands.
    if (svc === undefined) { err('no such service'); return; }
    if (p.server === null) { err('no real server given (-r)'); return; }
    const hp = parseHostPort(p.server);
    if (hp === null) { err(`bad real server address '${p.server}'`); return; }
    const forward = p.forward ?? 'dr';
    // ipvsadm: a missing port means the service port; DR and TUN always get the service port.
    let dport = hp.port ?? svc.port;
    if (svc.fwmark === 0 && (forward === 'dr' || forward === 'tun')) dport = svc.port;
    const di = svc.dests.findIndex((d) => d.addr === hp.host && d.port === dport);
    if (p.cmd === 'delete-server') {
      if (di < 0) { err('no such destination'); return; }
      svc.dests.splice(di, 1);
      return;
    }
    const dest: DestSpec = {
      addr: hp.host, port: dport, forward, weight: p.weight ?? 1,
      upperThreshold: p.upper ?? 0, lowerThreshold: p.lower ?? 0,
      ...(forward === 'tun' ? { tunType: p.tunType ?? 'ipip' } : {}),
      ...(p.tunPort !== null ? { tunPort: p.tunPort } : {}),
      ...(p.tunCsum ? { tunCsum: true } : {}),
    };
    if (p.cmd === 'add-server') {
      if (di >= 0) { err('destination already exists'); return; }
      svc.dests.push(dest);
    } else {
      if (di < 0) { err('no such destination'); return; }
      svc.dests[di] = dest;
    }
  });
  return { services, errors };
}
