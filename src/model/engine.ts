/**
 * The LVS behaviour model: one pass over decoded frames, learning hosts, roles, services, the
 * forwarding method and the IPVS connection entries, as the director would hold them.
 *
 * The engine only conducts: each frame goes to the parts that learn from it (neighbours.ts,
 * roles.ts, services.ts, connections.ts, hops.ts, director-hops.ts, reply-path.ts, icmp-seen.ts) and to the
 * finding rules (rules/); frame-facts.ts says what the frame was.
 *
 * Memory is bounded by live flows, hosts and services, never by frames: frames are not kept, the
 * packet-pairing memory is a few seconds wide, and expired flows leave only a small summary.
 *
 * `observe(frame, true)` also returns the facts `annotate` explains; a second pass started with
 * the first pass's Knowledge explains early frames with what later frames revealed.
 */
import type { DecodedFrame } from '../wire/records.js';
import { SLL_PACKET_TYPE } from '../wire/sll.js';
import { ConnectionEntries } from './connections.js';
import { NO_KEY } from './flow-table.js';
import { drForward, natForward, natReply } from './director-hops.js';
import { dsrOptionForward } from './dsr-option.js';
import type { DoneFlow } from './done-flow.js';
import { FindingBook, MAX_FINDING_FRAMES } from './finding-book.js';
import { arpFacts, clientStep, l4Facts, plainFacts, segmentOf, serverStep } from './frame-facts.js';
import { HopDetector } from './hops.js';
import { methodOf } from './method-evidence.js';
import { Neighbours } from './neighbours.js';
import { noteOuterSource } from './outer-sources.js';
import { ACK, Packet, PROTO_TCP, PROTO_UDP, RST, SYN, protoName } from './packet.js';
import type { ModelParts } from './parts.js';
import { bindNextHop, joinSilentInside, nextHopAsked, readReplyPath } from './reply-path.js';
import { Roles } from './roles.js';
import { observeIcmp } from './icmp-seen.js';
import { FaultWatch, reportFaults, type FaultEpisodes } from './fault-watch.js';
import { drReplyViaDirector, natReplyBypassesDirector, refusedByRealServer, unansweredForward } from './rules/replies.js';
import { silentRealServers } from './rules/silent-rs.js';
import { Services } from './services.js';
import { SilentSyns } from './silent-syns.js';
import { serviceKey, type Flow, type ServiceState } from './state.js';
import type { EngineSnapshot } from './snapshot.js';
import { CaptureHostTracker } from './vantage.js';
import { StraySynAcks } from './stray-syn-acks.js';
import { HaTracker, isPairOwn } from './ha/tracker.js';
import type { FrameFacts, ModelHints, Segment, Step } from './types.js';

export class Engine implements ModelParts {
  readonly pkt = new Packet();
  readonly neighbours = new Neighbours();
  readonly roles: Roles;
  readonly entries: ConnectionEntries;
  readonly services: Services;
  readonly book = new FindingBook();
  private readonly hops: HopDetector;
  private readonly silentSyns: SilentSyns;
  /** null when the fault watchers run where the packets are read (reading-watch.ts): `end` gets their episodes. */
  private readonly faults: FaultWatch | null;
  private readonly strays = new StraySynAcks();
  /** On a switched LAN: the MAC of the host the capture was taken on. */
  private readonly captureHost = new CaptureHostTracker();
  /** SYN-ACKs from the VIP sent by a MAC that got the client's SYN with no director hop seen ("vip|mac"). */
  private readonly directServed = new Map<string, { readonly vip: string; readonly mac: string; readonly frames: number[] }>();
  private frames = 0;
  private lastT = 0;
  /** A cooked (`any`) capture showed the director sending its own copies: the capture is on the director. */
  private capturedOnDirector = false;
  private nextSweep = 0;
  /** The director pair (keepalived/VRRP, sync daemon, health checks): src/model/ha. */
  readonly ha: HaTracker;
  /** This frame is the pair's own traffic (a health check, a sync message), not a client's connection. */
  private pairOwn = false;
  /** The newest connection entry: the director's ARP right after its SYN names its real server (reply-path.ts). */
  private lastNew: Flow | null = null;
  /** Entries whose SYN the director answered with an ARP for a next hop: the address it asked for. */
  private readonly nextHops = new Map<Flow, string>();

  constructor(hints: ModelHints = {}) {
    const k = hints.knowledge ?? null;
    this.ha = new HaTracker(k?.pair ?? null);
    this.roles = new Roles(k, hints.vips ?? [], this.neighbours);
    this.entries = new ConnectionEntries(k);
    this.silentSyns = new SilentSyns(this.entries.addrs);
    this.services = new Services(this.entries.addrs, this.roles);
    this.hops = new HopDetector(this.roles.directorMacs, (p, s, d) => this.isReplyOfFlow(p, s, d), (p, s, d) => this.entries.isClientKey(p.proto, s, p.sport, d, p.dport),
      (p, s, d) => this.inFullnatFlow(p, s, d));
    this.faults = hints.faultsElsewhere === true ? null : new FaultWatch();
  }

  /** What the engine knows, for `summarize` (which only reads it). */
  snapshot(): EngineSnapshot {
    const n = this.neighbours;
    return {
      frames: this.frames, lastT: this.lastT,
      services: this.services.byKey, done: this.entries.done, findings: this.book.findings,
      ipMac: n.ipMac, macIps: n.macIps, arpPairs: n.arpPairs, arpAsked: n.arpAsked, macSrcIp: n.macSrcIp,
      upstreamMacs: this.roles.upstreamMacs, directServed: this.directServed,
      captureHostCandidates: this.captureHost.candidates, straySynAcks: this.strays.byTuple,
      ha: this.ha,
    };
  }

  // ---------------------------------------------------------------- the frame loop

  observe(frame: DecodedFrame, wantFacts: boolean): FrameFacts | null {
    return this.observePacket(this.pkt.load(frame), wantFacts);
  }

  /** The same for a frame already pulled out into a Packet (e.g. decoded on another thread). */
  observePacket(p: Packet, wantFacts: boolean): FrameFacts | null {
    const ha = this.ha.observe(p);
    this.pairOwn = isPairOwn(ha);
    const facts = this.observeFrame(p, wantFacts);
    return ha !== null && facts !== null ? { ...facts, ha } : facts;
  }

  private observeFrame(p: Packet, wantFacts: boolean): FrameFacts | null {
    this.frames++;
    this.lastT = p.t;
    if (p.t >= this.nextSweep) this.sweep(p.t);
    this.captureHost.observe(p.srcMac, p.dstMac);
    switch (p.kind) {
      case 'arp':
        this.neighbours.learnArp(p);
        if (this.lastNew !== null && p.arpOp === 1 && nextHopAsked(this, this.lastNew, p)) {
          this.askedHop(this.lastNew, p.tpa);
        }
        return wantFacts ? arpFacts(this.roles, p) : null;
      case 'ip':
        // NDP (Packet keeps it in ARP's fields): IPv6's ARP, the same roles and findings.
        if (p.arpOp !== 0 && p.isIcmp6) {
          this.neighbours.learnArp(p);
          if (this.lastNew !== null && p.arpOp === 1 && nextHopAsked(this, this.lastNew, p)) this.askedHop(this.lastNew, p.tpa);
          return wantFacts ? arpFacts(this.roles, p) : null;
        }
        if (this.pairOwn) { this.neighbours.learnSource(p); return wantFacts ? plainFacts(this.roles, p, 'other') : null; }
        if (p.icmpType >= 0) { this.neighbours.learnSource(p); return observeIcmp(this, p, wantFacts); }
        if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) return this.onL4(p, wantFacts);
        this.neighbours.learnSource(p);
        return wantFacts ? plainFacts(this.roles, p, 'other') : null;
      case 'ipv6-other': return wantFacts ? plainFacts(this.roles, p, 'ipv6') : null;
      default: return wantFacts ? plainFacts(this.roles, p, 'other') : null;
    }
  }

  /**
   * End of input: flows still alive stay in the table with their timers. `faults`: the episodes of
   * the watchers that ran elsewhere (hints.faultsElsewhere).
   */
  end(faults: FaultEpisodes | null = null): void {
    // Silent real servers first: a flow finishing below would report the same server with less to say.
    // An inside connection never answered belongs to the real server it went to (reply-path.ts).
    // Index loops: `end` runs once, unoptimized, where an iterator makes a result object per entry.
    let live = this.entries.liveFlows();
    for (let i = 0; i < live.length; i++) joinSilentInside(this, live[i]!);
    live = this.entries.liveFlows();
    if (!this.silentSyns.settled) for (let i = 0; i < live.length; i++) if (live[i]!.proto === 'tcp') this.flowToSilentSyns(live[i]!);
    silentRealServers(this.book, this.silentSyns, this.services.byKey.values(), this.neighbours.arpPairs.values());
    const episodes = this.faults?.episodes() ?? faults;
    if (episodes !== null) {
      reportFaults(this.book, episodes, (id) => (MAC_RE.test(id) ? this.roles.ripOfMac(id) ?? id : id), (mac) => this.roles.isDirectorMac(mac));
    }
    // Finishing marks an entry and keeps the live list as it is (only creating one compacts it).
    live = this.entries.liveFlows();
    for (let i = 0; i < live.length; i++) this.finishFlow(live[i]!, false);
    this.entries.endCapture();
    this.ha.end();
  }

  // ---------------------------------------------------------------- connection entries

  /** A new connection entry; `client` is the TOA's address when the client's own packet is not in the capture (FULLNAT inside). */
  private createFlow(p: Packet, inside: ServiceState | null = null, cip = p.src, cport = p.sport): Flow {
    const svc = inside ?? this.services.knownInside(p) ?? this.services.service(protoName(p.proto), p.dst, p.dport, p.n);
    const f = this.entries.create(p, svc, inside !== null, cip, cport);
    this.lastNew = f;
    return f;
  }

  /** The director resolved `hop` right after f's SYN; two different ones: no telling which ('') */
  private askedHop(f: Flow, hop: string): void {
    const before = this.nextHops.get(f);
    this.nextHops.set(f, before === undefined || before === hop ? hop : '');
  }

  private finishFlow(f: Flow, expired: boolean): void {
    if (this.nextHops.size > 0) {
      const hop = this.nextHops.get(f);
      if (hop !== undefined) { this.nextHops.delete(f); bindNextHop(this, f, hop); }
    }
    this.entries.finish(f, expired);
    // At the end (not expired) `end` has told the silent-SYN watcher already, and asked it.
    if (expired && f.proto === 'tcp') this.flowToSilentSyns(f);
    unansweredForward(this.book, f);
  }

  private flowToSilentSyns(f: Flow): void {
    this.silentSyns.flowSeen(f.cip, f.cport, f.rs === null ? null : f.rs.ip ?? f.rs.mac ?? '?', methodOf(f.svc), f.clientAcked);
  }

  private sweep(t: number): void {
    this.nextSweep = t + 1;
    // Live flows whose timer ran out, in the order the live set holds them (creation order).
    for (const f of this.entries.due(t)) this.finishFlow(f, true);
  }

  /**
   * VIP:port → CIP:port, or a NAT real server's RIP:port → CIP:port, of a connection the model
   * tracks (and not itself a client's flow). The second is a router's copy of a NAT reply that
   * bypassed the director: TTL down by one like a DR forward, but a reply. `s`, `d`: the
   * packet's address ids.
   */
  private isReplyOfFlow(p: Packet, s: number, d: number): boolean {
    const entries = this.entries;
    return entries.find(p.proto, d, p.dport, s, p.sport) !== NO_KEY && entries.find(p.proto, s, p.sport, d, p.dport) === NO_KEY;
  }

  /** A packet of a FULLNAT connection (either way): its hops are the TOA's and the LIP's, not a masquerade's. */
  private inFullnatFlow(p: Packet, s: number, d: number): boolean {
    const entries = this.entries;
    let key = entries.find(p.proto, s, p.sport, d, p.dport);
    if (key === NO_KEY) key = entries.find(p.proto, d, p.dport, s, p.sport);
    return key !== NO_KEY && entries.flowAt(key).svc.fullnat > 0;
  }

  /** A UDP datagram from a known real server or VIP back to a client is a reply, not a new flow. */
  private isKnownServerSide(p: Packet): boolean {
    return this.roles.isVip(p.src) || this.roles.serviceVip(p.src);
  }

  // ---------------------------------------------------------------- TCP / UDP

  private onL4(p: Packet, want: boolean): FrameFacts | null {
    // The packet's address ids, once for every part that keys by them.
    const srcId = this.entries.addrs.fed(p.srcAddrId, p.src);
    const dstId = this.entries.addrs.fed(p.dstAddrId, p.dst);
    if (p.proto === PROTO_TCP) this.silentSyns.observe(p, srcId, dstId);
    this.faults?.observe(p, srcId, dstId);
    if (p.tunnel !== null) return this.onTunnel(p, want, srcId, dstId);
    if (p.toaAddr !== '') return this.onToa(p, want);
    if (p.dsrVip !== '') {
      const seg = segmentOf(p);
      const { flow, newConn } = dsrOptionForward(this, p, seg);
      return want ? l4Facts(this.roles, p, flow, 'director-forward', seg, newConn, null) : null;
    }
    const roles = this.roles;
    const entries = this.entries;

    // 1. Is this the director's copy of a packet seen a moment ago?
    const hop = this.hops.detect(p, srcId, dstId);
    const prev = this.hops.prev;

    let flow: Flow | null = null;
    let clientSide = true;
    let step: Step = 'other';
    const segment: Segment = segmentOf(p);
    let newConn = false;
    let ttlBefore: number | null = null;

    if (hop !== null && prev !== undefined) {
      if (hop === 'dr') {
        flow = drForward(this, p, prev, srcId, dstId, segment);
        step = 'director-forward';
      } else if (hop === 'nat') {
        flow = natForward(this, p, prev, segment);
        step = 'director-forward';
      } else {
        flow = natReply(this, p, prev, srcId, dstId, segment);
        clientSide = false;
        step = 'director-reply';
      }
      ttlBefore = prev.ttl;
    } else {
      // 2. Not a second copy: a packet the director (or a server) receives.
      let key = entries.find(p.proto, srcId, p.sport, dstId, p.dport);
      if (key !== NO_KEY) {
        flow = entries.flowAt(key);
        const server = entries.isServerKey(key);
        const reuse = (p.flags & (SYN | ACK | RST)) === SYN && !server
          && (flow.state === 'TIME_WAIT' || flow.state === 'CLOSE' || (flow.state === 'FIN_WAIT' && flow.noOutput));
        if (reuse) {
          this.finishFlow(flow, true);
          flow = this.createFlow(p);
          newConn = true;
        } else if (segment === 'syn' && flow.state !== 'NONE' && !server) {
          flow.synRetries++;
        }
        if (server && flow.svc.fullnat > 0) {
          // FULLNAT: every LIP→RIP frame is the director's forward, whatever its flags; counted
          // only where the client's own packet is not in the capture.
          if (flow.svc.insideOf !== null) { entries.transition(flow, false, p.flags, p.t); entries.countIn(flow, p); }
          flow.lastN = p.n;
          flow.lastT = p.t;
          step = 'director-forward';
        } else {
          entries.transition(flow, false, p.flags, p.t);
          entries.countIn(flow, p);
          step = clientStep(flow, p, segment, newConn);
        }
      } else {
        key = entries.find(p.proto, dstId, p.dport, srcId, p.sport);
        if (key !== NO_KEY) {
          flow = entries.flowAt(key);
          clientSide = false;
          this.onReply(flow, entries.isServerKey(key), p, segment);
          step = serverStep(p, segment);
        } else if ((p.flags & (SYN | ACK | RST)) === SYN || p.proto === PROTO_UDP) {
          this.neighbours.learnSource(p);
          // From a well-known port to an ephemeral one: a server answering a flow that began
          // before the capture did (clients send from ephemeral ports; NFS's reserved ones go to 2049).
          if (p.proto === PROTO_UDP && (this.isKnownServerSide(p) || p.sport < 1024 && p.dport >= 32768) || toGroup(p)) {
            step = 'other';
          } else {
            flow = this.createFlow(p);
            newConn = true;
            entries.transition(flow, false, p.flags, p.t);
            entries.countIn(flow, p);
            step = p.proto === PROTO_UDP ? 'datagram' : 'handshake-1';
          }
        } else if (segment === 'synack') {
          this.strays.observe(p);
        }
      }
    }
    if (flow !== null && hop !== null) { flow.lastN = p.n; flow.lastT = p.t; }
    // Pass 2: a client packet sent by the director with no copy before it is its forward, seen
    // where only the output passes (on a real server, or inside a NAT director).
    const k = roles.k;
    if (hop === null && clientSide && flow !== null && k !== null && p.srcMac !== '' && p.src === flow.cip
      && k.directorMacs.has(p.srcMac)) step = 'director-forward';
    if (hop !== null && p.pktType === SLL_PACKET_TYPE.OUTGOING) this.capturedOnDirector = true;
    if (!want) return null;
    return l4Facts(roles, p, flow, step, segment, newConn, ttlBefore);
  }

  /** A packet back towards the client of a tracked entry (from the VIP, or from a real server's address). */
  private onReply(flow: Flow, serverSide: boolean, p: Packet, segment: Segment): void {
    const roles = this.roles;
    const entries = this.entries;
    if (!flow.pathSeen && !serverSide) readReplyPath(this, flow, p);
    flow.svc.answered = true;
    if (segment === 'synack') flow.synAckSeen = true;
    if ((p.flags & RST) !== 0) {
      // A RST for the VIP from a MAC that does not own it is a DR/TUN real server's, even where no director hop shows.
      const owner = this.neighbours.ipMac.get(flow.vip);
      refusedByRealServer(this.book, flow, p, p.srcMac !== '' && !roles.isDirectorMac(p.srcMac) && owner !== undefined && owner !== p.srcMac);
    }
    // Inside a NAT director the replies go to it (its MAC known only from the service).
    const toDirector = p.dstMac !== '' && (roles.isDirectorMac(p.dstMac) || p.dstMac === flow.svc.insideOf);
    if (serverSide) {
      // On the director's `any` capture a frame to another host's MAC (overheard on a shared
      // LAN) is one the director never receives.
      const passesBy = p.dstMac === '' && p.pktType === SLL_PACKET_TYPE.OTHERHOST && this.capturedOnDirector;
      // A capture on the director's `any` (SLL2) has no destination MAC on the forwarded copy: learn it here.
      if (flow.rs !== null && flow.rs.mac === null && p.srcMac !== '' && p.src === flow.rs.ip && !roles.isDirectorMac(p.srcMac)) flow.rs.mac = p.srcMac;
      // RIP → CIP (NAT) or RIP → LIP (FULLNAT): IPVS sees it if it reaches the director.
      if (toDirector || (p.dstMac === '' && !passesBy)) {
        entries.transition(flow, true, p.flags, p.t);
        entries.countOut(flow, p);
      } else if (flow.svc.nat > 0 && roles.directorMacs.size > 0) {
        natReplyBypassesDirector(this.book, flow, p);
      }
    } else {
      if (segment === 'synack' && flow.rs === null && flow.forwardN === 0 && p.srcMac !== '' && !roles.isDirectorMac(p.srcMac)) {
        // Answered by the host the client's frames went to, with no director hop: who holds the VIP?
        const key = `${flow.vip}|${p.srcMac}`;
        const d = this.directServed.get(key) ?? { vip: flow.vip, mac: p.srcMac, frames: [] };
        if (d.frames.length < MAX_FINDING_FRAMES) d.frames.push(p.n);
        this.directServed.set(key, d);
      }
      // A UDP reply from another real server than the flow's last: that datagram was scheduled afresh (-o).
      if (flow.proto === 'udp' && flow.rs !== null && flow.rs.mac !== null && p.srcMac !== '' && p.srcMac !== flow.rs.mac
        && !toDirector && !roles.isDirectorMac(p.srcMac)) {
        this.entries.bind(flow, this.services.rsByMac(flow.svc, p.srcMac, flow.vport, p.n));
      }
      // VIP → CIP straight from a real server (DR/TUN): IPVS does not see it, unless it goes via the director.
      if (toDirector) {
        entries.transition(flow, true, p.flags, p.t);
        entries.countOut(flow, p);
        if (flow.svc.dr > 0 || flow.svc.tun > 0) drReplyViaDirector(this.book, flow, p);
      } else if (p.dstMac !== '' && !roles.isDirectorMac(p.srcMac)) {
        roles.upstream(p.dstMac);
      }
    }
    flow.lastN = p.n;
    flow.lastT = p.t;
  }

  private onTunnel(p: Packet, want: boolean, srcId: number, dstId: number): FrameFacts | null {
    if (this.isReplyOfFlow(p, srcId, dstId)) {
      // A reply carried back in a tunnel: not IPVS's TUN (its real servers answer directly) but a
      // tunnel between two sites; the tunnel's forwards of that connection were no director's.
      const back = this.entries.lookup(p.proto, p.dst, p.dport, p.src, p.sport)!;
      back.svc.tunReplies++;
      this.neighbours.learnSource(p);
      return want ? plainFacts(this.roles, p, 'other') : null;
    }
    // Explaining (the second pass): a tunnel the first pass found carrying replies too, its
    // forwards included, is no director's; only this pass builds the key.
    const k = this.roles.k;
    if (want && k !== null && !k.services.has(serviceKey(protoName(p.proto), p.dst, p.dport))) {
      this.neighbours.learnSource(p);
      return plainFacts(this.roles, p, 'other');
    }
    const svc = this.services.service(protoName(p.proto), p.dst, p.dport, p.n);
    svc.tun++;
    if (p.tunnel !== null) svc.tunnelKinds.add(p.tunnel);
    this.services.evidence(svc, p.n);
    // The outer source is the director's address: a sender MAC that claims only other addresses in
    // ARP is a router in front of this real server (its capture), not the director.
    const own = this.neighbours.macIps.get(p.srcMac);
    if (own === undefined || own.size === 0 || own.has(p.outerSrc)) this.roles.learnDirector(svc, p.srcMac);
    if (svc.directorIp === null) svc.directorIp = p.outerSrc;
    this.roles.directorIps.add(p.outerSrc);
    const prev = this.hops.before(p, srcId);
    const second = prev !== undefined && prev.n !== p.n && prev.dst === p.dst;
    // Received by the very host that tunnels it: the director's hop, not just a tunnel passing by.
    if (second && (prev.dstMac === '' || prev.dstMac === p.srcMac)) svc.tunHop++;
    if (prev !== undefined) this.roles.upstream(prev.srcMac);
    let flow = this.entries.lookup(p.proto, p.src, p.sport, p.dst, p.dport) ?? null;
    let newConn = false;
    if (flow === null) {
      flow = this.createFlow(p);
      newConn = true;
    }
    noteOuterSource(svc, p.outerSrc, p.srcMac, newConn);
    const rs = this.services.rsByAddr(svc, p.outerDst, p.dport, null, p.n);
    rs.viaTun++;
    this.entries.bind(flow, rs);
    if (!second) {
      this.entries.transition(flow, false, p.flags, p.t);
      this.entries.countIn(flow, p);
    }
    if (p.isSyn && flow.forwardN === 0) flow.forwardN = p.n;
    flow.lastN = p.n;
    flow.lastT = p.t;
    if (!want) return null;
    return l4Facts(this.roles, p, flow, 'tunnel', segmentOf(p), newConn, prev?.ttl ?? null);
  }

  /** FULLNAT: LIP:lport → RIP:dport carrying the client's address in TCP option 254. */
  private onToa(p: Packet, want: boolean): FrameFacts | null {
    let flow: Flow | null = null;
    // Find the client's flow: any live flow from TOA addr:port.
    for (const f of this.entries.liveFlows()) {
      if (f.cip === p.toaAddr && f.cport === p.toaPort && f.proto === 'tcp') { flow = f; break; }
    }
    if (flow === null && p.isSyn && p.srcMac !== '') {
      // Inside a FULLNAT director: the client's own packet is not in the capture, the TOA names it.
      flow = this.createFlow(p, this.services.insideService('tcp', p.srcMac, p.n), p.toaAddr, p.toaPort);
      this.entries.transition(flow, false, p.flags, p.t);
      this.entries.countIn(flow, p);
    }
    if (flow !== null) {
      const svc = flow.svc;
      svc.fullnat++;
      svc.lips.add(p.src);
      this.services.evidence(svc, p.n);
      this.roles.learnDirector(svc, p.srcMac);
      if (svc.directorIp === null) svc.directorIp = p.src;
      this.roles.directorIps.add(p.src);
      this.entries.addKey(flow, true, p.proto, p.src, p.sport, p.dst, p.dport);
      this.entries.bind(flow, this.services.rsByAddr(svc, p.dst, p.dport, p.dstMac || null, p.n));
      if (p.isSyn && flow.forwardN === 0) flow.forwardN = p.n;
      flow.lastN = p.n;
      flow.lastT = p.t;
    }
    if (!want) return null;
    return l4Facts(this.roles, p, flow, 'director-forward', segmentOf(p), false, null);
  }
}

export type { DoneFlow };

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Sent to a broadcast or multicast address (the destination MAC's group bit, or a cooked capture's
 * packet type): IPVS schedules only packets addressed to the host (ip_vs_in: PACKET_HOST).
 */
function toGroup(p: Packet): boolean {
  if (p.pktType === SLL_PACKET_TYPE.BROADCAST || p.pktType === SLL_PACKET_TYPE.MULTICAST) return true;
  if (p.dstMac.length < 2) return false;
  const c = p.dstMac.charCodeAt(1);
  return ((c <= 57 ? c - 48 : (c | 32) - 87) & 1) === 1;
}
