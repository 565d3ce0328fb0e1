/**
 * Hand-built captures of the failures operators meet (stale entry, idle expiry, port reuse, a real
 * server rejecting), each with a `fault` switch: off, the same traffic goes well. As the
 * firewall's inside interface of the seed's DR cluster sees it (every client packet twice: the
 * gateway's and the director's forward).
 */
import { DR, FrameScript, drArp, drConnection } from './frames.js';

const [RS1, RS2] = [DR.rs[0], DR.rs[1]];

/**
 * A resolver on one port: answered twice by WEB1, then (fault) five queries a second apart
 * unanswered and the sixth answered by WEB2, as when WEB1 was removed and the entry expired.
 */
export function staleUdp(fault: boolean): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  const query = (to: { mac: string } | null, from: { mac: string } | null): void => {
    const id = 30000 + s.frames.length;
    s.udp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40000, dport: 53, id, ttl: 63 });
    if (to !== null) s.udp({ srcMac: DR.dirMac, dstMac: to.mac, src: DR.client, dst: DR.vip, sport: 40000, dport: 53, id, ttl: 62 });
    if (from !== null) s.udp({ srcMac: from.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 53, dport: 40000, payload: 40 });
    s.wait(1);
  };
  query(RS1, RS1);
  query(RS1, RS1);
  for (let i = 0; i < 5; i++) query(fault ? null : RS1, fault ? null : RS1);
  query(fault ? RS2 : RS1, fault ? RS2 : RS1);
  return s;
}

/** An established connection idle for 10 s; its next request meets (fault) the director's RST. */
export function idleConnection(fault: boolean): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40001, rs: RS2 });
  drConnection(s, { cport: 40002, rs: RS1, close: false });
  s.wait(10);
  s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40002, dport: 80, flags: 'PA', seq: 177, payload: 76, ttl: 63 });
  if (fault) {
    s.tcp({ srcMac: DR.dirMac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40002, flags: 'R', seq: 701 });
  } else {
    s.tcp({ srcMac: DR.dirMac, dstMac: RS1.mac, src: DR.client, dst: DR.vip, sport: 40002, dport: 80, flags: 'PA', seq: 177, payload: 76, ttl: 62 });
    s.tcp({ srcMac: RS1.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40002, flags: 'PA', seq: 701, payload: 200 });
  }
  return s;
}

/** One client port used twice, 2 s apart; (fault) the second connection's first SYN is dropped and sent again 1 s later. */
export function portReuse(fault: boolean): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40000, rs: RS1 });
  s.wait(2);
  const syn = (fwd: boolean): void => {
    const id = 20000 + s.frames.length;
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40000, dport: 80, flags: 'S', seq: 9000, id, ttl: 63 });
    if (fwd) s.tcp({ srcMac: DR.dirMac, dstMac: RS2.mac, src: DR.client, dst: DR.vip, sport: 40000, dport: 80, flags: 'S', seq: 9000, id, ttl: 62 });
  };
  if (fault) { syn(false); s.wait(1.003); }
  syn(true);
  s.tcp({ srcMac: RS2.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40000, flags: 'SA', seq: 7000 });
  s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40000, dport: 80, flags: 'A', seq: 9001, ttl: 63 });
  return s;
}

/** WEB2 answers; WEB1 (fault) answers the forwarded SYNs with ICMP port unreachable from the VIP, as a REJECT rule does. */
export function rsReject(fault: boolean): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40001, rs: RS2 });
  drConnection(s, { cport: 40002, rs: RS1, answer: !fault });
  if (fault) {
    s.icmp({
      srcMac: RS1.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, type: 3, code: 3,
      quoted: { src: DR.client, dst: DR.vip, proto: 6, srcPort: 40002, dstPort: 80 },
    });
  }
  drConnection(s, { cport: 40003, rs: RS2 });
  return s;
}

/**
 * Two held connections, 40001 to WEB2 and 40002 to WEB1, each answered once; then 40002's next
 * request. `removed`: the director forwards none of its six sendings (0.2, 0.4 … 3.2 s apart, the
 * client's backoff), as when WEB1 was removed; `silent`: it forwards each and WEB1 never answers;
 * `lost-once`: the first sending is lost on the way and the second is answered; `healthy`:
 * answered at once. WEB2 answers another request on 40001 meanwhile, unless `alone`.
 */
export function staleTcp(mode: 'removed' | 'silent' | 'lost-once' | 'healthy', alone = false): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40001, rs: RS2, close: false });
  drConnection(s, { cport: 40002, rs: RS1, close: false });
  s.wait(5);
  const request = (cport: number, rs: { mac: string } | null): void => {
    const id = 50000 + s.frames.length;
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: cport, dport: 80, flags: 'PA', seq: 177, payload: 76, id, ttl: 63 });
    if (rs !== null) s.tcp({ srcMac: DR.dirMac, dstMac: rs.mac, src: DR.client, dst: DR.vip, sport: cport, dport: 80, flags: 'PA', seq: 177, payload: 76, id, ttl: 62 });
  };
  const answer = (cport: number, rs: { mac: string }): void => {
    s.tcp({ srcMac: rs.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: cport, flags: 'PA', seq: 701, payload: 200 });
  };
  if (mode === 'healthy') { request(40002, RS1); answer(40002, RS1); return s; }
  if (mode === 'lost-once') {
    request(40002, null);
    s.wait(0.21);
    request(40002, RS1);
    answer(40002, RS1);
    return s;
  }
  let gap = 0.2;
  for (let i = 0; i < 6; i++) {
    request(40002, mode === 'silent' ? RS1 : null);
    if (i === 1 && !alone) { request(40001, RS2); answer(40001, RS2); }
    s.wait(gap);
    gap *= 2;
  }
  return s;
}
