/**
 * The engine's numeric tables against the plain Map/Set code they replaced: same answers, same
 * eviction order, same expiry sets, on random operation sequences.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExpiryQueue } from '../../src/model/expiry.js';
import { AddressIds, FlowTable, NO_KEY } from '../../src/model/flow-table.js';
import { FlowStore } from '../../src/model/flow.js';
import { Packet } from '../../src/model/packet.js';
import { MAX_ENTRIES, RecentPackets } from '../../src/model/recent.js';
import { ClientRecords, KEY_ADDR, KEY_PORT, REC } from '../../src/model/tuple-map.js';
import type { Flow, ServiceState } from '../../src/model/state.js';

/** The string-keyed Map the packet memory used to be (insertion-ordered eviction). */
class ReferenceRecent {
  readonly map = new Map<string, { n: number; t: number }>();
  set(key: string, v: { n: number; t: number }, now: number): void {
    this.map.set(key, v);
    if (this.map.size > MAX_ENTRIES || (this.map.size & 1023) === 0) {
      for (const [k, e] of this.map) {
        if (this.map.size <= MAX_ENTRIES && now - e.t <= 2) break;
        this.map.delete(k);
      }
    }
  }
}

describe('AddressIds', () => {
  it('gives one dense id per distinct text, the same id for an equal string built elsewhere', () => {
    const ids = new AddressIds();
    expect(ids.id('10.0.0.1')).toBe(0);
    expect(ids.id('10.0.0.2')).toBe(1);
    expect(ids.id(['10', '0', '0', '1'].join('.'))).toBe(0);
    expect(ids.id('2001:db8::1')).toBe(2);
    expect(ids.id('10.0.0.2')).toBe(1);
    expect(ids.size).toBe(3);
  });
});

describe('RecentPackets', () => {
  it('finds an entry under its exact key only, and returns the fields it was given', () => {
    const r = new RecentPackets();
    const p = new Packet();
    p.n = 7; p.t = 1.5; p.srcMac = '00:00:00:00:00:01'; p.dstMac = '00:00:00:00:00:02'; p.src = '10.0.0.1'; p.dst = '10.0.0.2';
    p.sport = 40000; p.dport = 80; p.ttl = 64; p.pktType = -1;
    r.set(3, 40000, 6, 0x1234, 0xfffffff0, p);
    expect(r.get(3, 40000, 6, 0x1234, 0xfffffff0 | 0)?.n).toBe(7); // the signed form of the seq is the same key
    const got = r.get(3, 40000, 6, 0x1234, 0xfffffff0);
    expect(got).toMatchObject({ n: 7, t: 1.5, srcMac: '00:00:00:00:00:01', dst: '10.0.0.2', dport: 80, ttl: 64 });
    expect(r.get(3, 40000, 17, 0x1234, 0xfffffff0)).toBeUndefined();
    expect(r.get(3, 40001, 6, 0x1234, 0xfffffff0)).toBeUndefined();
    expect(r.get(4, 40000, 6, 0x1234, 0xfffffff0)).toBeUndefined();
    expect(r.get(3, 40000, 6, 0x1235, 0xfffffff0)).toBeUndefined();
    expect(r.get(3, 40000, 6, 0x1234, 0xfffffff1)).toBeUndefined();
  });

  it('holds exactly what the insertion-ordered Map held, through growth and eviction', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ addr: fc.nat(40), port: fc.nat(3), id: fc.nat(300), dt: fc.double({ min: 0, max: 0.01, noNaN: true }) }), { minLength: 1, maxLength: 6000 }),
      (ops) => {
        const r = new RecentPackets();
        const ref = new ReferenceRecent();
        const p = new Packet();
        let t = 0;
        ops.forEach((o, n) => {
          t += o.dt;
          p.n = n; p.t = t;
          r.set(o.addr, o.port, 6, o.id, 1000, p);
          ref.set(`${o.addr}|${o.port}|6|${o.id}|1000`, { n, t }, t);
        });
        expect(r.size).toBe(ref.map.size);
        for (const o of ops) {
          const want = ref.map.get(`${o.addr}|${o.port}|6|${o.id}|1000`);
          const got = r.get(o.addr, o.port, 6, o.id, 1000);
          expect(got === undefined ? undefined : { n: got.n, t: got.t }).toEqual(want);
        }
      },
    ), { numRuns: 40 });
  });

  it(`keeps at most ${MAX_ENTRIES} entries, dropping the oldest keys first, like the Map`, () => {
    const r = new RecentPackets();
    const ref = new ReferenceRecent();
    const p = new Packet();
    for (let i = 0; i < 70000; i++) {
      p.n = i; p.t = 1;
      const addr = i % 50000; // with the IP ID, 70000 distinct keys
      r.set(addr, 1, 17, i & 0xffff, 0, p);
      ref.set(`${addr}|1|17|${i & 0xffff}|0`, { n: i, t: 1 }, 1);
    }
    expect(r.size).toBe(ref.map.size);
    expect(r.size).toBe(MAX_ENTRIES);
    expect(r.get(0, 1, 17, 0, 0)).toBeUndefined(); // the oldest went first
    const oldestKept = 70000 - MAX_ENTRIES;
    expect(r.get(oldestKept % 50000, 1, 17, oldestKept & 0xffff, 0)?.n).toBe(oldestKept);
    expect(r.get((oldestKept - 1) % 50000, 1, 17, (oldestKept - 1) & 0xffff, 0)).toBeUndefined();
    for (const i of [0, 4463, 4464, 20000, 49999, 50000, oldestKept - 1, oldestKept, 69999]) {
      const addr = i % 50000;
      expect(r.get(addr, 1, 17, i & 0xffff, 0)?.n).toBe(ref.map.get(`${addr}|1|17|${i & 0xffff}|0`)?.n);
    }
  });

  it('drops entries older than two seconds once a multiple of 1024 is reached', () => {
    const r = new RecentPackets();
    const p = new Packet();
    for (let i = 0; i < 1023; i++) { p.n = i; p.t = 0; r.set(i, 1, 6, 0, 0, p); }
    expect(r.size).toBe(1023);
    p.n = 2000; p.t = 10;
    r.set(5000, 1, 6, 0, 0, p);
    expect(r.size).toBe(1);
    expect(r.get(0, 1, 6, 0, 0)).toBeUndefined();
    expect(r.get(5000, 1, 6, 0, 0)?.n).toBe(2000);
  });
});

describe('FlowTable', () => {
  it('agrees with a Map keyed by the tuple text through adds, duplicate adds and removals', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ op: fc.constantFrom('add', 'add', 'remove', 'get'), a: fc.nat(30), ap: fc.nat(5), b: fc.nat(3), bp: fc.nat(2), udp: fc.boolean(), server: fc.boolean() }), { maxLength: 3000 }),
      (ops) => {
        const table = new FlowTable();
        const ref = new Map<string, { owner: number; server: boolean; key: number }>();
        let index = 0;
        const found = (key: number) => (key === NO_KEY ? undefined : { owner: table.ownerAt(key), server: table.isServerKey(key), key });
        for (const o of ops) {
          const proto = o.udp ? 17 : 6;
          const text = `${proto}|${o.a}|${o.ap}|${o.b}|${o.bp}`;
          if (o.op === 'add') {
            const owner = ++index;
            const k = table.add(owner, o.server, proto, o.a, o.ap, o.b, o.bp);
            if (ref.has(text)) expect(k).toBe(NO_KEY); else { expect(k).not.toBe(NO_KEY); ref.set(text, { owner, server: o.server, key: k }); }
          } else if (o.op === 'remove') {
            const k = ref.get(text);
            if (k) {
              // Another owner's claim on the slot removes nothing.
              table.remove(k.key, k.owner + 1);
              expect(table.ownerAt(k.key)).toBe(k.owner);
              table.remove(k.key, k.owner);
              // Nor does the owner's second one.
              table.remove(k.key, k.owner);
              ref.delete(text);
            }
          }
          expect(found(table.get(proto, o.a, o.ap, o.b, o.bp))).toEqual(ref.get(text));
          const other = proto === 6 ? 17 : 6;
          expect(found(table.get(other, o.a, o.ap, o.b, o.bp))).toEqual(ref.get(`${other}|${o.a}|${o.ap}|${o.b}|${o.bp}`));
        }
        expect(table.size).toBe(ref.size);
      },
    ), { numRuns: 60 });
  });

  it('keeps a tuple and its reverse apart (they share a home bucket)', () => {
    const table = new FlowTable();
    const there = table.add(1, false, 6, 7, 40000, 9, 80);
    expect(table.get(6, 9, 80, 7, 40000)).toBe(NO_KEY);
    const back = table.add(2, true, 6, 9, 80, 7, 40000);
    expect([table.ownerAt(table.get(6, 7, 40000, 9, 80)), table.ownerAt(table.get(6, 9, 80, 7, 40000))]).toEqual([1, 2]);
    expect(table.isServerKey(back)).toBe(true);
    table.remove(there, 1);
    expect(table.get(6, 7, 40000, 9, 80)).toBe(NO_KEY);
    expect(table.ownerAt(table.get(6, 9, 80, 7, 40000))).toBe(2);
    // Same address both ends: the ports say which way.
    const self = table.add(3, false, 17, 5, 1000, 5, 2000);
    expect(table.get(17, 5, 2000, 5, 1000)).toBe(NO_KEY);
    expect(table.get(17, 5, 1000, 5, 2000)).toBe(self);
  });

  it('keeps every tuple findable across growth, with removals shifting buckets back and keys reused', () => {
    const table = new FlowTable();
    const ref = new Map<string, { owner: number; key: number }>();
    const everAdded = new Set<string>();
    let seed = 7;
    const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed % n; };
    let index = 0;
    // Clustered tuples (one client address, neighbouring ports) crowd neighbouring buckets.
    const tuple = (): [number, number, number, number, number] => [rand(2) === 0 ? 6 : 17, rand(40), 1024 + rand(4000), rand(3), 80];
    for (let round = 0; round < 40_000; round++) {
      const [proto, a, ap, b, bp] = tuple();
      const text = `${proto}|${a}|${ap}|${b}|${bp}`;
      const had = ref.get(text);
      if (had !== undefined && rand(3) === 0) {
        table.remove(had.key, had.owner);
        ref.delete(text);
      } else if (had === undefined) {
        const owner = ++index;
        const key = table.add(owner, false, proto, a, ap, b, bp);
        expect(key).not.toBe(NO_KEY);
        ref.set(text, { owner, key });
        everAdded.add(text);
      }
    }
    expect(ref.size).toBeGreaterThan(20_000);
    expect(table.size).toBe(ref.size);
    for (const [text, { owner, key }] of ref) {
      const [proto, a, ap, b, bp] = text.split('|').map(Number) as [number, number, number, number, number];
      expect(table.get(proto, a, ap, b, bp), text).toBe(key);
      expect(table.ownerAt(key)).toBe(owner);
    }
    // Tuples never added or removed since: not found.
    let misses = 0;
    for (let i = 0; i < 2000; i++) {
      const [proto, a, ap, b, bp] = tuple();
      if (!ref.has(`${proto}|${a}|${ap}|${b}|${bp}`)) { misses++; expect(table.get(proto, a, ap, b, bp)).toBe(NO_KEY); }
    }
    expect(misses).toBeGreaterThan(100);
    // Emptied, it finds none of the tuples it ever held (no bucket left behind by a move or a growth).
    for (const { owner, key } of ref.values()) table.remove(key, owner);
    expect(table.size).toBe(0);
    for (const text of everAdded) {
      const [proto, a, ap, b, bp] = text.split('|').map(Number) as [number, number, number, number, number];
      expect(table.get(proto, a, ap, b, bp), text).toBe(NO_KEY);
    }
  });
});

/** One step of the expiry queue's model test: which flow, its next timeout, and how time moves. */
interface ExpiryOp { readonly flow: number; readonly timeout: number; readonly finish: boolean; readonly dt: number; readonly sweep: boolean }

/**
 * Replays `ops` on an ExpiryQueue and on a plain set of live flows; at each sweep the queue must
 * give exactly the live flows whose timer ran out, in creation order. A flow whose op says
 * `finish` with timeout `finishWith` ends outside the queue (a reused port).
 */
function replayExpiry(ops: readonly ExpiryOp[], t0: number, finishWith: number): void {
  const live = new Set<Flow>();
  const store = new FlowStore(new AddressIds());
  const q = new ExpiryQueue(store);
  const flows: Flow[] = [];
  let t = t0;
  for (const o of ops) {
    t += o.dt;
    let f = flows[o.flow];
    if (f === undefined || !live.has(f)) {
      // A new entry's timer runs three seconds from its first packet.
      f = store.add('tcp', -1, 40000, SVC, -1, 80, { n: 1, t, srcMac: '', dstMac: '', ttl: 64 }, false);
      expect(f.expires).toBe(t + 3);
      flows[o.flow] = f;
      live.add(f);
      q.rearm(f);
    } else if (o.finish && o.timeout === finishWith) {
      live.delete(f);
      f.live = false;
      continue;
    } else {
      f.expires = t + o.timeout;
      q.rearm(f);
    }
    if (o.sweep) {
      const want = [...live].filter((x) => x.expires <= t).sort((a, b) => a.index - b.index);
      const got = q.due(t);
      expect(got).toEqual(want);
      for (const x of got) { live.delete(x); x.live = false; }
    }
  }
}

const SVC = { vip: '10.0.0.1' } as unknown as ServiceState;

describe('FlowStore', () => {
  it('numbers entries in creation order and finds each by its handle, across blocks of every size', () => {
    // The packets' ids know the VIP and even-numbered clients; the others (a TOA's) and '' are the texts' own.
    const addrs = new AddressIds();
    addrs.id('10.0.0.1');
    const store = new FlowStore(addrs);
    const t = store.texts;
    const cip = (i: number): string => (i % 5 === 4 ? '' : `10.1.${i >> 8 & 255}.${i & 255}`);
    const made: Flow[] = [];
    for (let i = 0; i < 20_000; i++) {
      if (i % 2 === 0) addrs.id(cip(i));
      const mac = i % 3 === 0 ? '' : `00:00:00:00:00:0${i % 3}`;
      made.push(store.add(i % 2 === 0 ? 'tcp' : 'udp', t.hostId(cip(i)), 1024 + i % 60000, SVC, t.hostId('10.0.0.1'), 80, { n: i + 1, t: i / 10, srcMac: mac, dstMac: '', ttl: 64 }, false));
    }
    const known = addrs.size;
    expect(store.size).toBe(20_000);
    const handles = new Set<number>();
    made.forEach((f, i) => {
      expect(f.index).toBe(i + 1);
      expect(store.at(f.handle)).toBe(f);
      handles.add(f.handle);
      expect(f.proto).toBe(i % 2 === 0 ? 'tcp' : 'udp');
      expect(f.state).toBe(i % 2 === 0 ? 'NONE' : 'UDP');
      expect(f.cip).toBe(cip(i));
      expect(f.vip).toBe('10.0.0.1');
      expect(f.reqSrcMac).toBe(i % 3 === 0 ? '' : `00:00:00:00:00:0${i % 3}`);
      expect(f.reqDstMac).toBe('');
      expect([f.firstN, f.firstT, f.live, f.inactive]).toEqual([i + 1, i / 10, true, true]);
    });
    expect(handles.size).toBe(20_000);
    made[5]!.vip = '10.0.0.9';
    expect(made[5]!.vip).toBe('10.0.0.9');
    expect(made[6]!.vip).toBe('10.0.0.1');
    // Packed numbers keep their neighbours: ports, TTL, state index and the yes/no facts.
    const f = store.add('tcp', -1, 65535, SVC, -1, 65534, { n: 9, t: 1, srcMac: '', dstMac: '', ttl: 255 }, true);
    expect([f.cport, f.vport, f.reqTtl, f.stateIndex, f.bypass, f.inactive]).toEqual([65535, 65534, 255, 0, true, true]);
    f.vport = 443;
    f.stateIndex = 10;
    f.inactive = false;
    expect([f.cport, f.vport, f.reqTtl, f.stateIndex, f.state, f.bypass, f.inactive]).toEqual([65535, 443, 255, 10, 'SYNACK', true, false]);
    f.stateIndex = 1;
    expect([f.stateIndex, f.state, f.reqTtl, f.proto]).toEqual([1, 'ESTABLISHED', 255, 'tcp']);
    // Asking never gave the packets' table an id.
    expect(addrs.size).toBe(known);
  });
});

describe('ExpiryQueue', () => {
  it('returns, at each sweep, exactly the live flows whose timer ran out, in creation order', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ flow: fc.nat(60), timeout: fc.constantFrom(2, 3, 10, 30, 60, 120, 900), finish: fc.boolean() }), { maxLength: 3000 }),
      (ops) => {
        // A quarter second a packet, a sweep each whole second (as the engine sweeps).
        let t = 0;
        replayExpiry(ops.map((o) => { t += 0.25; return { ...o, dt: 0.25, sweep: Math.floor(t) === t }; }), 0, 2);
      },
    ), { numRuns: 60 });
  });

  it('holds for sweeps at any time, capture time stepping back, and gaps longer than its ring', () => {
    fc.assert(fc.property(
      fc.array(fc.record({
        flow: fc.nat(40), timeout: fc.constantFrom(3, 10, 120, 900, 5000), finish: fc.boolean(),
        dt: fc.constantFrom(0.25, 0.25, 0.7, -10, 3000), sweep: fc.boolean(),
      }), { maxLength: 2000 }),
      (ops) => replayExpiry(ops, 1_700_000_000.5, 3),
    ), { numRuns: 60 });
  });
});

describe('ClientRecords', () => {
  it('gives dense slots in the order clients are added, found again across chunks, and -1 for others', () => {
    const clients = new ClientRecords(40_000);
    const ref = new Map<string, number>();
    let seed = 11;
    // The high bits: an LCG's low bits repeat with a short period.
    const rand = (n: number): number => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
    for (let i = 0; i < 60_000; i++) {
      // Clustered: few addresses, neighbouring ports, port 0 and the highest.
      const a = rand(50), port = rand(5) === 0 ? rand(2) * 65535 : 1024 + rand(1000);
      const text = `${a}|${port}`;
      const found = clients.find(a, port);
      if (ref.has(text)) expect(found, text).toBe(ref.get(text));
      else {
        expect(found, text).toBe(-1);
        const slot = clients.add(a, port);
        expect(slot).toBe(ref.size);
        ref.set(text, slot);
        // Found at once (a remembered miss must not answer for it).
        expect(clients.find(a, port)).toBe(slot);
        // The user's numbers beside the key: the port's high bits, and a float at an even offset.
        const e = clients.at(slot);
        clients.i32[e + KEY_PORT] = port | (slot << 16);
        clients.f64[(e >> 1) + 1] = slot + 0.5;
      }
    }
    // More than a chunk of records (4,096), the table more than half full.
    expect(ref.size).toBeGreaterThan(30_000);
    expect(clients.size).toBe(ref.size);
    for (const [text, slot] of ref) {
      const [a, port] = text.split('|').map(Number) as [number, number];
      expect(clients.find(a, port)).toBe(slot);
      const e = clients.at(slot);
      expect([clients.i32[e + KEY_ADDR], clients.i32[e + KEY_PORT]! >>> 16, clients.f64[(e >> 1) + 1]]).toEqual([a, slot, slot + 0.5]);
      expect(e % REC).toBe(0);
    }
  });

  it('gives no slot beyond its capacity', () => {
    const clients = new ClientRecords(3);
    for (let i = 0; i < 3; i++) clients.add(i, 80);
    expect(() => clients.add(9, 80)).toThrow(RangeError);
    expect([clients.find(0, 80), clients.find(2, 80), clients.find(9, 80)]).toEqual([0, 2, -1]);
  });
});
