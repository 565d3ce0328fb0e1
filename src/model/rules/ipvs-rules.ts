/**
 * Finding rules that hold the capture against the ipvsadm rules the user gave (`--rules`):
 * rules-mismatch (a service, method, real server or scheduler the rules do not have),
 * dr-port-mapping (a DR/TUN port mapping ipvsadm drops), quiesced-server-used, and
 * persistence-broken within the rules' timeout.
 */
import type { ServiceSpec } from '../../ipvs/ipvsadm/index.js';
import { METHOD_OF_FORWARD } from '../../ipvs/methods.js';
import type { DoneFlow } from '../done-flow.js';
import type { FindingBook } from '../finding-book.js';
import { ipPort } from '../packet.js';
import type { ServiceState } from '../state.js';
import type { ServiceReportX } from '../summary/summarize.js';
import { movedWithinTimeout } from './persistence.js';


export function compareRules(rules: readonly ServiceSpec[], services: readonly { report: ServiceReportX; state: ServiceState }[], conns: readonly DoneFlow[], book: FindingBook): void {
  for (const svc of services) {
    const r = svc.report;
    // A firewall-mark rule names no VIP (iptables marks the packets): it is this service's rule when
    // its real servers are the ones the capture shows.
    const rule = rules.find((x) => x.fwmark === 0 && x.vip === r.vip && (x.port === r.port || x.port === 0) && x.protocol === r.protocol)
      ?? rules.find((x) => x.fwmark !== 0 && x.protocol === r.protocol && r.realServers.length > 0 && r.realServers.every((rs) => x.dests.some((d) => d.addr === rs.ip)));
    const name = ipPort(r.vip, r.port);
    const first = svc.state.evidenceFrames.slice(0, 1);
    if (rule === undefined) {
      book.addFrames('rules-mismatch', `${name}|missing`, first.length ? first : [svc.state.firstN], { kind: 'missing-service', protocol: r.protocol, virtual: name });
      continue;
    }
    for (const d of rule.dests) {
      if ((d.forward === 'dr' || d.forward === 'tun') && rule.port !== 0 && d.port !== rule.port) {
        book.addFrames('dr-port-mapping', `${name}|${d.addr}:${d.port}`, first, { kind: 'rules', forward: d.forward, rs: ipPort(d.addr, d.port), virtual: name, port: r.port });
      }
    }
    // ipvsadm sets the method per real server: a rule mixing methods has each of them.
    const ruleMethods = rule.dests.map((d) => METHOD_OF_FORWARD[d.forward]);
    const ruleMethod = ruleMethods[0];
    if (ruleMethod !== undefined && r.method !== 'unknown' && !ruleMethods.includes(r.method)) {
      book.addFrames('rules-mismatch', `${name}|method`, first, { kind: 'method', virtual: name, rules: ruleMethod, seen: r.method });
    }
    for (const rs of r.realServers) {
      const dest = rule.dests.find((d) => d.addr === rs.ip);
      const destMethod = dest !== undefined ? METHOD_OF_FORWARD[dest.forward] : undefined;
      // A real server the capture shows reached by one method, the rule giving it another.
      const seen = rs.method ?? (r.method !== 'unknown' && new Set(ruleMethods).size > 1 ? r.method : undefined);
      if (destMethod !== undefined && seen !== undefined && destMethod !== seen) {
        book.addFrames('rules-mismatch', `${name}|method`, first, { kind: 'method', virtual: `${name} → ${ipPort(rs.ip, rs.port)}`, rules: destMethod, seen });
      }
      if (dest === undefined) {
        const frame = svc.state.rs.find((x) => x.ip === rs.ip)?.firstN;
        book.addFrames('rules-mismatch', `${name}|${rs.ip}`, frame !== undefined ? [frame] : first, { kind: 'unknown-rs', rs: rs.ip, virtual: name });
      } else if (dest.weight === 0 && rs.connections > 0) {
        const frames = svc.state.decisions.filter((d) => d.chosen?.ip === rs.ip).map((d) => d.n).slice(0, 20);
        book.addFrames('quiesced-server-used', `${name}|${rs.ip}`, frames, { rs: rs.ip, virtual: name, persistent: rule.persistence !== null });
      }
    }
    const sched = r.scheduler;
    if (sched.name !== 'unknown' && sched.name !== 'ambiguous' && sched.name !== rule.scheduler) {
      const ruleScore = sched.candidates.find((c) => c.name === rule.scheduler)?.score ?? 0;
      if (ruleScore < (sched.candidates[0]?.score ?? 0)) {
        book.addFrames('rules-mismatch', `${name}|scheduler`, first, { kind: 'scheduler', virtual: name, rules: rule.scheduler, seen: sched.name });
      }
    }
    if (rule.persistence !== null) {
      const timeout = rule.persistence;
      const last = new Map<string, DoneFlow>();
      for (const c of conns) {
        if (c.svc !== svc.state || c.rs === null) continue;
        const prev = last.get(c.cip);
        // Two connections in one instant cannot be ordered against the timeout.
        if (prev !== undefined && prev.rs !== c.rs && c.firstT !== prev.firstT && c.firstT - prev.lastT < timeout) {
          movedWithinTimeout(book, name, prev, c, c.rs, timeout);
        }
        last.set(c.cip, c);
      }
    }
  }
}

/** `-a -t VIP:80 -r RIP:8080 -g` as written: ipvsadm turns it into RIP:80 without a word. */
export function writtenPortMappings(text: string, services: readonly { report: ServiceReportX; state: ServiceState }[], book: FindingBook): void {
  for (const line of text.split(/\r?\n/)) {
    const m = /-a\s+-[tu]\s+(\S+?):(\d+)\s.*-r\s+(\S+?):(\d+)/.exec(line);
    if (m === null) continue;
    const forward = /\s-m(\s|$)|--masquerading/.test(line) ? 'nat' : /\s-i(\s|$)|--ipip/.test(line) ? 'tun' : /\s-b(\s|$)|--fullnat/.test(line) ? 'fullnat' : 'dr';
    if ((forward === 'dr' || forward === 'tun') && m[2] !== m[4]) {
      const svc = services.find((s) => s.report.vip === m[1] && String(s.report.port) === m[2]);
      const name = `${m[1]}:${m[2]}`;
      book.addFrames('dr-port-mapping', `${name}|${m[3]}:${m[4]}`, svc !== undefined ? svc.state.evidenceFrames.slice(0, 1) : [], { kind: 'rules-text', forward, rs: `${m[3]}:${m[4]}`, virtual: name, port: Number(m[2]) });
    }
  }
}
