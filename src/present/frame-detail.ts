/**
 * The decoded layers field by field, each field with the frame bytes it came from, so a hex
 * view can highlight them. Voice: smoltcp's pretty printer (one `key=value` per field) under a
 * Scapy-like "###[ IPv4 ]###" heading per layer.
 */
import { ethertypeName } from '../wire/ethernet.js';
import { ipProtoName } from '../wire/ipv4.js';
import { bsdFamilyName } from '../wire/loopback.js';
import { nflogHookName } from '../wire/nflog.js';
import { sllPacketTypeName } from '../wire/sll.js';
import { tcpOptionLength } from '../wire/tcp.js';
import type { DecodedFrame, LayerRecord, NdpOption, TcpOption } from '../wire/records.js';

export interface DetailField {
  readonly name: string;
  readonly value: string;
  /** Frame-relative byte range [start, end) the field occupies; end === start for derived values. */
  readonly start: number;
  readonly end: number;
}

export interface DetailLayer {
  readonly title: string;
  readonly start: number;
  readonly end: number;
  readonly fields: readonly DetailField[];
}

const f = (name: string, value: string | number | boolean, start: number, len: number): DetailField =>
  ({ name, value: String(value), start, end: start + len });

export function frameDetail(frame: DecodedFrame): DetailLayer[] {
  const out: DetailLayer[] = [];
  const layers = frame.layers;
  for (let i = 0; i < layers.length; i++) {
    const l = layers[i]!;
    const next = layers[i + 1];
    const end = next?.offset ?? frame.caplen;
    // An offloaded checksum is said as such here as on the one-line form, not as "incorrect".
    const offloaded = frame.issues.some((x) => x.code === 'checksum-offloaded' && x.layer === l.type && x.offset >= l.offset && x.offset < end);
    out.push({ ...describe(l, offloaded), start: l.offset, end: Math.max(l.offset, Math.min(end, frame.caplen)) });
  }
  if (frame.issues.length > 0) {
    out.push({
      title: 'Issues', start: 0, end: 0,
      fields: frame.issues.map((x) => ({ name: `${x.layer}:${x.code}`, value: `${x.message} (offset ${x.offset})`, start: x.offset, end: x.offset + 1 })),
    });
  }
  return out;
}

function hex(v: number, width = 4): string {
  return `0x${v.toString(16).padStart(width, '0')}`;
}

function describe(l: LayerRecord, offloaded: boolean): { title: string; fields: DetailField[] } {
  const verdict = (ok: boolean | null): string =>
    ok === null ? 'unverified' : ok ? 'correct' : offloaded ? 'offloaded: the NIC fills it in after capture' : 'incorrect';
  const o = l.offset;
  switch (l.type) {
    case 'eth':
      return { title: 'Ethernet II', fields: [f('dst', l.dst, o, 6), f('src', l.src, o + 6, 6), f('type', `${ethertypeName(l.ethertype)} (${hex(l.ethertype)})`, o + 12, 2)] };
    case 'vlan':
      return { title: `802.1${l.tpid === 0x8100 ? 'Q' : 'ad'} VLAN`, fields: [f('pcp', l.pcp, o, 1), f('dei', l.dei, o, 1), f('id', l.id, o, 2), f('type', `${ethertypeName(l.ethertype)} (${hex(l.ethertype)})`, o + 2, 2)] };
    case 'sll':
      return { title: 'Linux cooked (SLL)', fields: [f('pkttype', `${sllPacketTypeName(l.pktType)} (${l.pktType})`, o, 2), f('hatype', l.hatype, o + 2, 2), f('src', l.src, o + 6, 8), f('protocol', `${ethertypeName(l.protocol)} (${hex(l.protocol)})`, o + 14, 2)] };
    case 'sll2':
      return { title: 'Linux cooked v2 (SLL2)', fields: [f('protocol', `${ethertypeName(l.protocol)} (${hex(l.protocol)})`, o, 2), f('ifindex', l.ifindex, o + 4, 4), f('hatype', l.hatype, o + 8, 2), f('pkttype', `${sllPacketTypeName(l.pktType)} (${l.pktType})`, o + 10, 1), f('src', l.src, o + 12, 8)] };
    case 'geneve':
      return {
        title: 'Geneve',
        fields: [f('version', l.version, o, 1), f('optlen', `${l.optionsLength} bytes`, o, 1), f('flags', [l.oam ? 'O' : '', l.critical ? 'C' : ''].join('') || 'none', o + 1, 1),
          f('proto', `${ethertypeName(l.protocol)} (${hex(l.protocol)})`, o + 2, 2), f('vni', l.vni, o + 4, 3)],
      };
    case 'mpls':
      return { title: 'MPLS', fields: [f('label', l.label, o, 3), f('tc', l.tc, o + 2, 1), f('bottom', l.bottom, o + 2, 1), f('ttl', l.ttl, o + 3, 1)] };
    case 'erspan':
      return l.erspanType === 1
        ? { title: 'ERSPAN type I (no header)', fields: [] }
        : { title: `ERSPAN type ${'I'.repeat(l.erspanType)}`, fields: [f('vlan', l.vlan, o, 2), f('cos', l.cos, o + 2, 1), f('session', l.session, o + 2, 2)] };
    case 'vxlan':
      return { title: 'VXLAN', fields: [f('flags', hex(l.flags, 2), o, 1), f('vni', l.vni, o + 4, 3)] };
    case 'nflog':
      return {
        title: 'Linux netfilter log (NFLOG)',
        fields: [f('family', l.family, o, 1), f('version', l.version, o + 1, 1), f('group', l.resourceId, o + 2, 2),
          ...(l.prefix === null ? [] : [f('prefix', l.prefix, o, 0)]), ...(l.hook === null ? [] : [f('hook', `${nflogHookName(l.hook)} (${l.hook})`, o, 0)])],
      };
    case 'loopback':
      return { title: 'BSD loopback', fields: [f('family', `${bsdFamilyName(l.family)} (${l.family})`, o, 4)] };
    case 'arp':
      return {
        title: `ARP ${l.op === 1 ? 'request' : l.op === 2 ? 'reply' : `op ${l.op}`}${l.gratuitous ? ' (gratuitous)' : ''}`,
        fields: [f('htype', l.htype, o, 2), f('ptype', hex(l.ptype), o + 2, 2), f('op', l.op, o + 6, 2), f('sha', l.sha, o + 8, 6), f('spa', l.spa, o + 14, 4), f('tha', l.tha, o + 18, 6), f('tpa', l.tpa, o + 24, 4)],
      };
    case 'ipv4':
      return {
        title: l.inner ? 'IPv4 (inner, tunnelled)' : 'IPv4',
        fields: [
          f('version', 4, o, 1), f('ihl', `${l.headerLength} bytes`, o, 1), f('tos', hex(l.tos, 2), o + 1, 1), f('len', l.totalLength, o + 2, 2),
          f('id', `${l.id} (${hex(l.id)})`, o + 4, 2), f('flags', [l.df ? 'DF' : '', l.mf ? 'MF' : ''].filter(Boolean).join(',') || 'none', o + 6, 1),
          f('frag', l.fragOffset, o + 6, 2), f('ttl', l.ttl, o + 8, 1), f('proto', `${ipProtoName(l.proto)} (${l.proto})`, o + 9, 1),
          f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 10, 2), f('src', l.src, o + 12, 4), f('dst', l.dst, o + 16, 4),
          ...(l.options === '' ? [] : [f('options', l.options, o + 20, l.headerLength - 20)]),
        ],
      };
    case 'tcp': {
      const fields = [
        f('sport', l.srcPort, o, 2), f('dport', l.dstPort, o + 2, 2), f('seq', l.seq, o + 4, 4), f('ack', l.ack, o + 8, 4),
        f('dataofs', `${l.headerLength} bytes`, o + 12, 1), f('flags', l.flags || 'none', o + 12, 2), f('window', l.window, o + 14, 2),
        f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 16, 2), f('urgptr', l.urgentPointer, o + 18, 2),
      ];
      let at = o + 20;
      for (const opt of l.options) {
        const len = tcpOptionLength(opt);
        fields.push(f('option', formatOption(opt), at, len));
        at += len;
      }
      fields.push(f('payload', `${l.payloadLength} bytes`, o + l.headerLength, l.payloadLength));
      return { title: 'TCP', fields };
    }
    case 'udp':
      return { title: 'UDP', fields: [f('sport', l.srcPort, o, 2), f('dport', l.dstPort, o + 2, 2), f('len', l.length, o + 4, 2), f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 6, 2)] };
    case 'icmp': {
      const fields = [f('type', l.icmpType, o, 1), f('code', l.code, o + 1, 1), f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 2, 2)];
      if (l.echoId !== null) fields.push(f('id', l.echoId, o + 4, 2), f('seq', l.echoSeq ?? 0, o + 6, 2));
      if (l.mtu !== null) fields.push(f('mtu', l.mtu, o + 6, 2));
      if (l.gateway !== null) fields.push(f('gateway', l.gateway, o + 4, 4));
      if (l.quoted !== null) {
        const q = l.quoted;
        fields.push(f('quoted', `${q.src}${q.srcPort === null ? '' : `:${q.srcPort}`} > ${q.dst}${q.dstPort === null ? '' : `:${q.dstPort}`} ${ipProtoName(q.proto)}`, o + 8, 20));
      }
      return { title: 'ICMP', fields };
    }
    case 'ipv6':
      return {
        title: l.inner ? 'IPv6 (inner, tunnelled)' : 'IPv6',
        fields: [
          f('tc', hex(l.trafficClass, 2), o, 2), f('fl', hex(l.flowLabel, 5), o + 1, 3), f('plen', l.payloadLength, o + 4, 2),
          f('nh', `${ipProtoName(l.nextHeader)} (${l.nextHeader})`, o + 6, 1), f('hlim', l.hopLimit, o + 7, 1), f('src', l.src, o + 8, 16), f('dst', l.dst, o + 24, 16),
          ...l.extensions.map((e) => f('ext', `${IPV6_EXTENSION_NAMES[e.type] ?? `header ${e.type}`} (${e.length} bytes)${e.fragOffset !== undefined ? ` offset ${e.fragOffset}${e.moreFragments ? ' MF' : ''} id ${e.fragId ?? 0}` : ''}`, e.offset, e.length)),
        ],
      };
    case 'icmpv6': {
      const fields = [f('type', l.icmpType, o, 1), f('code', l.code, o + 1, 1), f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 2, 2)];
      if (l.mtu !== null) fields.push(f('mtu', l.mtu, o + 4, 4));
      if (l.pointer !== null) fields.push(f('pointer', l.pointer, o + 4, 4));
      if (l.echoId !== null) fields.push(f('id', l.echoId, o + 4, 2), f('seq', l.echoSeq ?? 0, o + 6, 2));
      if (l.naFlags !== null) fields.push(f('flags', l.naFlags || 'none', o + 4, 1));
      if (l.curHopLimit !== null) fields.push(f('curhlim', l.curHopLimit, o + 4, 1), f('flags', l.raFlags || 'none', o + 5, 1), f('lifetime', l.routerLifetime ?? 0, o + 6, 2));
      if (l.target !== null) fields.push(f('target', l.target, o + 8, 16));
      for (const opt of l.options) fields.push(f('option', ndpOption(opt), o, 0));
      if (l.quoted !== null) {
        const q = l.quoted;
        fields.push(f('quoted', `${q.src}${q.srcPort === null ? '' : `.${q.srcPort}`} > ${q.dst}${q.dstPort === null ? '' : `.${q.dstPort}`} ${ipProtoName(q.proto)}`, o + 8, 40));
      }
      return { title: 'ICMPv6', fields };
    }
    case 'gre':
      return {
        title: 'GRE',
        fields: [
          f('flags', [l.checksumPresent ? 'C' : '', l.keyPresent ? 'K' : '', l.seqPresent ? 'S' : ''].join('') || 'none', o, 1), f('version', l.version, o + 1, 1),
          f('proto', `${ethertypeName(l.protocol)} (${hex(l.protocol)})`, o + 2, 2),
          ...(l.checksum === null ? [] : [f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 4, 2)]),
          ...(l.key === null ? [] : [f('key', hex(l.key, 8), o + 4 + (l.checksumPresent ? 4 : 0), 4)]),
          ...(l.seq === null ? [] : [f('seq', l.seq, o + 4 + (l.checksumPresent ? 4 : 0) + (l.keyPresent ? 4 : 0), 4)]),
        ],
      };
    case 'gue':
      if (l.variant === 1) return { title: 'GUE (variant 1, direct IP)', fields: [f('recognised', `by ${l.recognisedBy}`, o, 0)] };
      return {
        title: l.control ? 'GUE control' : 'GUE',
        fields: [
          f('version', l.variant, o, 1), f('control', l.control, o, 1), f('hlen', `${l.headerLength} bytes`, o, 1),
          f(l.control ? 'ctype' : 'proto', l.control ? l.protocol : `${ipProtoName(l.protocol)} (${l.protocol})`, o + 1, 1), f('flags', hex(l.flags), o + 2, 2),
          ...(l.privateFlags === null ? [] : [f('privflags', hex(l.privateFlags, 8), o + 4, 4)]),
          ...(l.remcsumStart === null ? [] : [f('remcsum', `start ${l.remcsumStart}, offset ${l.remcsumOffset ?? 0}`, o + 8, 4)]),
          f('recognised', `by ${l.recognisedBy}`, o, 0),
        ],
      };
    case 'vrrp': {
      const size = l.addresses.some((a) => a.includes(':')) ? 16 : 4;
      return {
        title: `VRRPv${l.version}${l.msgType === 1 ? ' advertisement' : ` type ${l.msgType}`}`,
        fields: [
          f('vrid', l.vrid, o + 1, 1), f('priority', l.priority, o + 2, 1), f('count', l.count, o + 3, 1),
          ...(l.authType === null ? [] : [f('authtype', l.authType, o + 4, 1)]),
          f('interval', `${l.advertInterval} ${l.version === 2 ? 's' : 'cs'} (${l.intervalMs} ms)`, l.version === 2 ? o + 5 : o + 4, l.version === 2 ? 1 : 2),
          f('chksum', `${hex(l.checksum)} [${verdict(l.checksumOk)}]`, o + 6, 2),
          ...l.addresses.map((a, i) => f('address', a, o + 8 + i * size, size)),
        ],
      };
    }
    case 'ipvs-sync':
      return {
        title: `IPVS sync v${l.version}`,
        fields: [
          f('syncid', l.syncId, o + 1, 1), f('size', l.size, o + 2, 2), f('count', l.count, l.version === 1 ? o + 4 : o, 1),
          ...l.conns.map((c) => f(c.template ? 'template' : 'conn',
            `${ipProtoName(c.protocol)} ${c.caddr}:${c.cport} → ${c.vaddr}:${c.vport} → ${c.daddr}:${c.dport} ${c.forward} state ${c.state} flags ${hex(c.flags)}${c.timeout === null ? '' : ` timeout ${c.timeout}s`}${c.fwmark ? ` fwmark ${c.fwmark}` : ''}${c.peName === null ? '' : ` pe ${c.peName} ${c.peData ?? ''}`}`,
            o, 0)),
        ],
      };
  }
}

const IPV6_EXTENSION_NAMES: Readonly<Record<number, string>> = {
  0: 'hop-by-hop options', 43: 'routing', 44: 'fragment', 51: 'AH', 60: 'destination options', 135: 'mobility', 139: 'HIP', 140: 'shim6',
};

function ndpOption(opt: NdpOption): string {
  switch (opt.kind) {
    case 'source-lla': case 'target-lla': return `${opt.kind} ${opt.mac}`;
    case 'prefix': return `prefix ${opt.prefix}/${opt.prefixLength}`;
    case 'mtu': return `mtu ${opt.mtu}`;
    case 'other': return `type ${opt.code} (${opt.length} bytes)`;
  }
}

function formatOption(o: TcpOption): string {
  switch (o.kind) {
    case 'eol': return 'EOL';
    case 'nop': return 'NOP';
    case 'mss': return `MSS ${o.value}`;
    case 'wscale': return `WScale ${o.value} (x${2 ** o.value})`;
    case 'sackOk': return 'SAckOK';
    case 'sack': return `SAck ${o.blocks.map(([a, b]) => `${a}-${b}`).join(' ')}`;
    case 'ts': return `Timestamp ${o.tsval} ${o.tsecr}`;
    case 'tfo': return o.cookie === '' ? 'TFO cookie request' : `TFO cookie ${o.cookie}`;
    case 'toa': return `TOA client ${o.addr}:${o.port}`;
    case 'unknown': return `kind ${o.code} ${o.data}`;
  }
}

/** The detail tree as text lines (for `decode -V` and tests). */
export function formatFrameDetail(frame: DecodedFrame): string[] {
  const lines: string[] = [];
  for (const layer of frameDetail(frame)) {
    lines.push(`###[ ${layer.title} ]###`);
    for (const fld of layer.fields) lines.push(`  ${fld.name.padEnd(10)}= ${fld.value}`);
  }
  return lines;
}
