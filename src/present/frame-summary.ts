/**
 * One line per frame in tcpdump's `-n -e` voice: link header, then each layer's summary, IPIP as
 * nested "IP outer > outer: IP inner > inner: …". Pure text; the caller adds colour.
 */
import { ethertypeName } from '../wire/ethernet.js';
import { ipProtoName } from '../wire/ipv4.js';
import { bsdFamilyName } from '../wire/loopback.js';
import { LINUX_AF_INET, LINUX_AF_INET6, nflogHookName } from '../wire/nflog.js';
import { sllPacketTypeName } from '../wire/sll.js';
import { VXLAN_FLAG_VNI } from '../wire/vxlan.js';
import type { ArpRecord, DecodedFrame, IcmpRecord, Icmpv6Record, IpvsSyncRecord, LayerRecord, TcpOption, TcpRecord, UdpRecord, VrrpRecord } from '../wire/records.js';

export interface FrameLineOptions {
  /** tcpdump -v: show the IPv4 header fields (tos, ttl, id, offset, flags, proto, length). */
  readonly verbose?: boolean;
}

/** Everything after the timestamp: "02:aa:… > ff:ff:…, ethertype ARP (0x0806), length 42: Request who-has …". */
export function formatFrameLine(frame: DecodedFrame, options: FrameLineOptions = {}): string {
  const layers = frame.layers;
  let text: string;
  if (layers.length === 0) {
    text = `[${frame.caplen} bytes, link type ${frame.linkType}], length ${frame.len}`;
  } else {
    const link = linkHeader(layers, 0, frame.len);
    text = link.text + formatNetwork(layers, link.next, frame.len, options);
  }
  if (frame.issues.length > 0) {
    // Offload is normal on a sender's capture: a short tag, not a paragraph on every line.
    text += ` [${frame.issues.map((x) => (x.code === 'checksum-offloaded' ? `${x.layer} cksum offloaded` : `${x.code}: ${x.message}`)).join('; ')}]`;
  }
  return text;
}

/**
 * The link header at layers[i] (the frame's, or an overlay's or a mirror's inside VXLAN, Geneve, GRE
 * or ERSPAN) and its length `len`:
 * "src > dst, ethertype IPv4 (0x0800), length 98: ", and the index of the layer after it. No text
 * when layers[i] is not a link header (raw IP).
 */
function linkHeader(layers: readonly LayerRecord[], i: number, len: number): { text: string; next: number } {
  const first = layers[i];
  if (first === undefined) return { text: '', next: i };
  if (first.type === 'eth') {
    let text = `${first.src} > ${first.dst}, `;
    let k = i + 1;
    let ethertype = first.ethertype;
    while (k < layers.length) {
      const l = layers[k]!;
      if (l.type !== 'vlan') break;
      text += `ethertype ${ethertypeName(ethertype)} (0x${hex4(ethertype)}), vlan ${l.id}, p ${l.pcp}${l.dei ? ', DEI' : ''}, `;
      ethertype = l.ethertype;
      k++;
    }
    return { text: `${text}ethertype ${ethertypeName(ethertype)} (0x${hex4(ethertype)}), length ${len}: `, next: k };
  }
  if (first.type === 'sll' || first.type === 'sll2') {
    const ifx = first.type === 'sll2' ? ` ifindex ${first.ifindex}` : '';
    return { text: `${sllPacketTypeName(first.pktType)}${ifx} ${first.src} ethertype ${ethertypeName(first.protocol)} (0x${hex4(first.protocol)}), length ${len}: `, next: i + 1 };
  }
  if (first.type === 'nflog') {
    // tcpdump's words, and which rule logged it where (its prefix, the hook).
    const family = first.family === LINUX_AF_INET ? 'IPv4' : first.family === LINUX_AF_INET6 ? 'IPv6' : 'unknown';
    const prefix = first.prefix === null ? '' : `, prefix "${first.prefix}"`;
    const hook = first.hook === null ? '' : `, hook ${nflogHookName(first.hook)}`;
    return { text: `version ${first.version}, resource ID ${first.resourceId}, family ${family} (${first.family})${prefix}${hook}, length ${len}: `, next: i + 1 };
  }
  if (first.type === 'loopback') return { text: `AF ${bsdFamilyName(first.family)} (${first.family}), length ${len}: `, next: i + 1 };
  return { text: '', next: i };
}

function formatNetwork(layers: readonly LayerRecord[], start: number, frameLen: number, options: FrameLineOptions): string {
  let out = '';
  for (let i = start; i < layers.length; i++) {
    const l = layers[i]!;
    switch (l.type) {
      case 'arp': return out + formatArp(l);
      case 'ipv4': {
        const next = layers[i + 1];
        const v = options.verbose
          ? `(tos 0x${l.tos.toString(16)}, ttl ${l.ttl}, id ${l.id}, offset ${l.fragOffset}, flags [${l.df ? 'DF' : l.mf ? '+' : 'none'}], proto ${ipProtoName(l.proto)} (${l.proto}), length ${l.totalLength}${l.checksumOk === false ? ', bad cksum' : ''})\n    `
          : '';
        if (next?.type === 'udp' && isUdpTunnel(layers[i + 2])) {
          out += `IP ${v}${l.src}.${next.srcPort} > ${l.dst}.${next.dstPort}: `;
          i++;
          continue;
        }
        if (next?.type === 'udp' && layers[i + 2]?.type === 'ipvs-sync') {
          return `${out}IP ${v}${l.src}.${next.srcPort} > ${l.dst}.${next.dstPort}: ${formatSync(layers[i + 2] as IpvsSyncRecord)}`;
        }
        if (next?.type === 'tcp' || next?.type === 'udp') {
          return `${out}IP ${v}${l.src}.${next.srcPort} > ${l.dst}.${next.dstPort}: ${next.type === 'tcp' ? formatTcp(next) : formatUdp(next)}`;
        }
        if (next?.type === 'vrrp') return `${out}IP ${v}${l.src} > ${l.dst}: ${formatVrrp(next)}`;
        if (next?.type === 'icmp') return `${out}IP ${v}${l.src} > ${l.dst}: ${formatIcmp(next, l.totalLength - l.headerLength)}`;
        if (next?.type === 'ipv4' || next?.type === 'ipv6' || next?.type === 'gre') {
          out += `IP ${v}${l.src} > ${l.dst}: `;
          continue;
        }
        return `${out}IP ${v}${l.src} > ${l.dst}: ${l.fragOffset > 0 ? `fragment offset ${l.fragOffset}, ` : ''}${ipProtoName(l.proto)}, length ${l.totalLength - l.headerLength}`;
      }
      case 'ipv6': {
        const next = layers[i + 1];
        if (next?.type === 'udp' && isUdpTunnel(layers[i + 2])) {
          out += `IP6 ${l.src}.${next.srcPort} > ${l.dst}.${next.dstPort}: `;
          i++;
          continue;
        }
        if (next?.type === 'tcp' || next?.type === 'udp') {
          return `${out}IP6 ${l.src}.${next.srcPort} > ${l.dst}.${next.dstPort}: ${next.type === 'tcp' ? formatTcp(next) : formatUdp(next)}`;
        }
        if (next !== undefined && (next.type === 'ipv4' || next.type === 'ipv6' || next.type === 'gre')) {
          out += `IP6 ${l.src} > ${l.dst}: `;
          continue;
        }
        if (next?.type === 'icmpv6') return `${out}IP6 ${l.src} > ${l.dst}: ${formatIcmpv6(next)}`;
        if (next?.type === 'vrrp') return `${out}IP6 ${l.src} > ${l.dst}: ${formatVrrp(next)}`;
        return `${out}IP6 ${l.src} > ${l.dst}: ${ipProtoName(l.protocol)}, length ${l.payloadLength}`;
      }
      case 'gue':
        out += l.variant === 1 ? 'GUE direct IP: ' : l.control ? `GUE control type ${l.protocol}` : `GUE, proto ${ipProtoName(l.protocol)} (${l.protocol}): `;
        if (l.control) return out;
        continue;
      case 'mpls':
        out += `MPLS (label ${l.label}, tc ${l.tc}${l.bottom ? ', [S]' : ''}, ttl ${l.ttl}) `;
        continue;
      case 'erspan':
        out += `ERSPAN type ${'I'.repeat(l.erspanType)}${l.erspanType > 1 ? `, session ${l.session}, vlan ${l.vlan}, cos ${l.cos}` : ''}: `;
        continue;
      case 'vxlan':
        out += `VXLAN, flags [${(l.flags & VXLAN_FLAG_VNI) !== 0 ? 'I' : '.'}] (0x${l.flags.toString(16).padStart(2, '0')}), vni ${l.vni}: `;
        continue;
      case 'geneve':
        out += `Geneve, Flags [${[l.oam ? 'O' : '', l.critical ? 'C' : ''].join('') || 'none'}], vni 0x${l.vni.toString(16)}, proto ${ethertypeName(l.protocol)} (0x${hex4(l.protocol)})${l.optionsLength > 0 ? `, options ${l.optionsLength} bytes` : ''}: `;
        if (l.oam) return out.replace(/: $/, '');
        continue;
      case 'eth': {
        // An overlay's frame (VXLAN, Geneve, GRE carrying Ethernet): it ends where the packet around it does.
        const inner = linkHeader(layers, i, enclosingEnd(layers, i) - l.offset);
        out += inner.text;
        i = inner.next - 1;
        continue;
      }
      case 'gre':
        out += `GREv${l.version}, ${l.keyPresent ? `key=0x${(l.key ?? 0).toString(16)}, ` : ''}proto ${ethertypeName(l.protocol)} (0x${hex4(l.protocol)}): `;
        continue;
      default:
        continue;
    }
  }
  return out === '' ? `length ${frameLen}` : `${out.replace(/: $/, '')}`;
}

/** A UDP datagram's tunnel or overlay header: the outer addresses are printed before it. */
function isUdpTunnel(l: LayerRecord | undefined): boolean {
  return l?.type === 'gue' || l?.type === 'vxlan' || l?.type === 'geneve';
}

/** Where the IP packet around layers[i] ends (frame-relative). */
function enclosingEnd(layers: readonly LayerRecord[], i: number): number {
  for (let k = i - 1; k >= 0; k--) {
    const l = layers[k]!;
    if (l.type === 'ipv4') return l.offset + l.totalLength;
    if (l.type === 'ipv6') return l.offset + 40 + l.payloadLength;
  }
  return layers[i]!.offset;
}

/** tcpdump's words: "VRRPv2, Advertisement, vrid 1, prio 100, authtype none, intvl 1s, length 20". */
function formatVrrp(r: VrrpRecord): string {
  const auth = r.authType === null ? '' : `, authtype ${r.authType === 0 ? 'none' : r.authType === 1 ? 'simple' : r.authType === 2 ? 'ah' : r.authType}`;
  const intvl = r.version === 2 ? `${r.advertInterval}s` : `${r.advertInterval}cs`;
  return `VRRPv${r.version}, ${r.msgType === 1 ? 'Advertisement' : `type ${r.msgType}`}, vrid ${r.vrid}, prio ${r.priority}${auth}, intvl ${intvl}, addrs: ${r.addresses.join(' ')}`;
}

/** tcpdump's ICMP6 words for the messages lvscope reads. */
function formatIcmpv6(r: Icmpv6Record): string {
  const q = r.quoted;
  const about = q === null ? '' : ` for ${q.src}${q.srcPort === null ? '' : `.${q.srcPort}`} > ${q.dst}${q.dstPort === null ? '' : `.${q.dstPort}`}`;
  switch (r.icmpType) {
    case 1: return `ICMP6, destination unreachable, code ${r.code}${about}`;
    case 2: return `ICMP6, packet too big, mtu ${r.mtu ?? 0}${about}`;
    case 3: return `ICMP6, time exceeded${about}`;
    case 4: return `ICMP6, parameter problem, pointer ${r.pointer ?? 0}${about}`;
    case 128: return `ICMP6, echo request, id ${r.echoId ?? 0}, seq ${r.echoSeq ?? 0}`;
    case 129: return `ICMP6, echo reply, id ${r.echoId ?? 0}, seq ${r.echoSeq ?? 0}`;
    case 133: return 'ICMP6, router solicitation';
    case 134: return `ICMP6, router advertisement, lifetime ${r.routerLifetime ?? 0}s`;
    case 135: return `ICMP6, neighbor solicitation, who has ${r.target ?? '?'}`;
    case 136: {
      const lla = r.options.find((o) => o.kind === 'target-lla');
      return `ICMP6, neighbor advertisement, tgt is ${r.target ?? '?'}${lla !== undefined && lla.kind === 'target-lla' ? ` at ${lla.mac}` : ''}${r.naFlags ? ` [${r.naFlags}]` : ''}`;
    }
    case 137: return `ICMP6, redirect, ${r.target ?? '?'}`;
    default: return `ICMP6, type ${r.icmpType}, code ${r.code}`;
  }
}

function formatSync(r: IpvsSyncRecord): string {
  return `IPVS sync v${r.version}, syncid ${r.syncId}, ${r.count} connection${r.count === 1 ? '' : 's'}`;
}

function formatArp(a: ArpRecord): string {
  if (a.op === 1) {
    if (a.gratuitous) return `ARP, Announcement ${a.spa}, length 28`;
    return `ARP, Request who-has ${a.tpa}${a.tha !== '00:00:00:00:00:00' ? ` (${a.tha})` : ''} tell ${a.spa}, length 28`;
  }
  if (a.op === 2) return `ARP, Reply ${a.spa} is-at ${a.sha}${a.gratuitous ? ' (gratuitous)' : ''}, length 28`;
  return `ARP, op ${a.op} ${a.spa} (${a.sha}) > ${a.tpa}, length 28`;
}

/** tcpdump's flag text: [S], [S.], [.], [P.], [F.], [R], [R.], [SEW]. */
function tcpdumpFlags(bits: number): string {
  let s = '';
  if (bits & 0x02) s += 'S';
  if (bits & 0x01) s += 'F';
  if (bits & 0x08) s += 'P';
  if (bits & 0x04) s += 'R';
  if (bits & 0x20) s += 'U';
  if (bits & 0x40) s += 'E';
  if (bits & 0x80) s += 'W';
  if (bits & 0x10) s += '.';
  return s === '' ? 'none' : s;
}

/** Built by concatenation, not an array join: this runs once per TCP frame. */
function formatTcp(t: TcpRecord): string {
  let s = `Flags [${tcpdumpFlags(t.flagBits)}]`;
  const syn = (t.flagBits & 0x02) !== 0;
  if (t.payloadLength > 0) s += `, seq ${t.seq}:${(t.seq + t.payloadLength) >>> 0}`;
  else if (syn || (t.flagBits & 0x05) !== 0 || (t.flagBits & 0x10) === 0) s += `, seq ${t.seq}`;
  if (t.flagBits & 0x10) s += `, ack ${t.ack}`;
  s += `, win ${t.window}`;
  if (t.options.length > 0) s += `, options [${t.options.map(formatTcpOption).join(',')}]`;
  return `${s}, length ${t.payloadLength}`;
}

function formatTcpOption(o: TcpOption): string {
  switch (o.kind) {
    case 'eol': return 'eol';
    case 'nop': return 'nop';
    case 'mss': return `mss ${o.value}`;
    case 'wscale': return `wscale ${o.value}`;
    case 'sackOk': return 'sackOK';
    case 'sack': return `sack ${o.blocks.length} ${o.blocks.map(([l, r]) => `{${l}:${r}}`).join('')}`;
    case 'ts': return `TS val ${o.tsval} ecr ${o.tsecr}`;
    case 'tfo': return o.cookie === '' ? 'tfo cookiereq' : `tfo cookie ${o.cookie}`;
    case 'toa': return `toa ${o.addr}:${o.port}`;
    case 'unknown': return `opt-${o.code}:${o.data}`;
  }
}

function formatUdp(u: UdpRecord): string {
  return `UDP, length ${u.payloadLength}`;
}

const ICMP_NAMES: Readonly<Record<number, string>> = { 0: 'echo reply', 8: 'echo request', 11: 'time exceeded in-transit', 5: 'redirect' };
const UNREACH: Readonly<Record<number, string>> = { 0: 'net', 1: 'host', 2: 'protocol', 3: 'port', 4: 'need to frag', 13: 'administratively prohibited' };

function formatIcmp(c: IcmpRecord, length: number): string {
  if (c.icmpType === 3) {
    const q = c.quoted;
    const what = q === null ? '' : c.code === 3 && q.dstPort !== null ? `${q.dst} ${ipProtoName(q.proto).toLowerCase()} port ${q.dstPort}` : q.dst;
    const reason = c.code === 4 ? `need to frag (mtu ${c.mtu ?? 0})` : `${UNREACH[c.code] ?? `code ${c.code}`} unreachable`;
    return `ICMP ${what}${what === '' ? '' : ' '}${reason}, length ${length}`;
  }
  if (c.icmpType === 5) return `ICMP redirect ${c.quoted?.dst ?? '?'} to host ${c.gateway ?? '?'}, length ${length}`;
  const name = ICMP_NAMES[c.icmpType] ?? `type ${c.icmpType} code ${c.code}`;
  const echo = c.echoId !== null ? `, id ${c.echoId}, seq ${c.echoSeq}` : '';
  return `ICMP ${name}${echo}, length ${length}`;
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}
