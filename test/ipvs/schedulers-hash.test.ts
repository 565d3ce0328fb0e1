import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  buildMhTable, buildShTable, createDestination, createScheduler, hash32, hsiphashU32, mhHashKey, MH_HASH1, MH_HASH2, siphash,
  type Destination,
} from '../../src/ipvs/index.js';
import { fls, gcd } from '../../src/ipvs/hash.js';
import { LblcScheduler } from '../../src/ipvs/schedulers/lblc.js';
import { LblcrScheduler } from '../../src/ipvs/schedulers/lblcr.js';
import { MaglevHashScheduler } from '../../src/ipvs/schedulers/mh.js';

/** hash_32 written out independently: top bits of the 32-bit product, done in BigInt. */
function refHash32(v: number, bits: number): number {
  return Number((BigInt(v >>> 0) * 0x61c88647n) & 0xffffffffn) >>> (32 - bits);
}
const ip = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0);

function dest(addr: string, weight = 1, port = 80): Destination {
  return createDestination({ addr, port, weight });
}

describe('hash functions', () => {
  it.each([
    // address, ntohl, hash_32(.., 8), hash_32(.., 10): values from an independent Python implementation
    ['172.16.0.100', 0xac100064, 74, 299],
    ['172.16.0.101', 0xac100065, 172, 690],
    ['10.0.0.1', 0x0a000001, 39, 159],
    ['192.168.23.100', 0xc0a81764, 148, 595],
  ])('hash_32(%s)', (addr, u32, h8, h10) => {
    expect(ip(addr)).toBe(u32);
    expect(refHash32(u32, 8)).toBe(h8);
    expect(hash32(u32, 8)).toBe(h8);
    expect(hash32(u32, 10)).toBe(h10);
  });

  it('SipHash-2-4 reference vectors (key 00..0f) validate the round function and key loading', () => {
    const k0 = 0x0706050403020100n;
    const k1 = 0x0f0e0d0c0b0a0908n;
    expect(siphash(new Uint8Array(0), k0, k1, 2, 4)).toBe(0x726fdb47dd0e0e31n);
    expect(siphash(Uint8Array.from({ length: 15 }, (_, i) => i), k0, k1, 2, 4)).toBe(0xa129ca6149be45e5n);
  });

  it('SipHash-1-3 with a zero key equals CPython 3.11 hash() under PYTHONHASHSEED=0', () => {
    // hash(b'\x01\x02\x03\x04') = -1751442419216569900, hash(b'abc') = -4594863902769663758
    const signed = (x: bigint): bigint => (x >= 1n << 63n ? x - (1n << 64n) : x);
    expect(signed(siphash(Uint8Array.of(1, 2, 3, 4), 0n, 0n, 1, 3))).toBe(-1751442419216569900n);
    expect(signed(siphash(new TextEncoder().encode('abc'), 0n, 0n, 1, 3))).toBe(-4594863902769663758n);
  });

  it('hsiphash of a u32 with the mh key', () => {
    expect(hsiphashU32(1, MH_HASH1)).toBe(384591538);
    expect(hsiphashU32(ip('10.0.0.1'), MH_HASH1)).toBe(50859236);
  });

  it('hsiphash of a u32 on 32-bit lanes equals SipHash-1-3 on BigInts, for any input and key', () => {
    // Carries between the halves and keys with their high words set are where a lane split goes wrong.
    let seed = 0x9e3779b9;
    const next = (): number => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
    const keys = [MH_HASH1, MH_HASH2, { k0: 0n, k1: 0n }, { k0: 0xffffffffffffffffn, k1: 0x8000000000000001n }];
    for (let i = 0; i < 40; i++) keys.push({ k0: (BigInt(next()) << 32n) | BigInt(next()), k1: (BigInt(next()) << 32n) | BigInt(next()) });
    const inputs = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff];
    for (let i = 0; i < 200; i++) inputs.push(next());
    for (const key of keys) {
      for (const u of inputs) {
        const bytes = Uint8Array.of(u & 0xff, (u >>> 8) & 0xff, (u >>> 16) & 0xff, u >>> 24);
        expect(hsiphashU32(u, key)).toBe(Number(siphash(bytes, key.k0, key.k1, 1, 3) & 0xffffffffn));
      }
    }
  });
});

describe('sh (ip_vs_sh.c)', () => {
  it('fills 256 buckets cycling through the list, weight w taking w consecutive buckets', () => {
    const [a, b, c] = [dest('A', 1), dest('B', 2), dest('C', 1)];
    const t = buildShTable([a, b, c]).map((x) => x?.addr);
    expect(t.length).toBe(256);
    expect(t.slice(0, 10)).toEqual(['A', 'B', 'B', 'C', 'A', 'B', 'B', 'C', 'A', 'B']);
    // weight 0 still gets one bucket (++count >= weight)
    expect(buildShTable([dest('A', 0), dest('B', 2)]).slice(0, 6).map((x) => x?.addr)).toEqual(['A', 'B', 'B', 'A', 'B', 'B']);
    // the seed NAT lab: [.81 w5, .80 w1] -> 5 + 1 per cycle
    const lab = buildShTable([dest('.81', 5), dest('.80', 1)]).map((x) => x?.addr);
    expect(lab.filter((x) => x === '.81').length).toBe(214); // 42 full cycles (210) + 4 of the last 4 buckets
    expect(lab.filter((x) => x === '.80').length).toBe(42);
  });

  it('picks the bucket of hash_32(source) for several clients', () => {
    const s = createScheduler('sh', [dest('A', 1), dest('B', 2), dest('C', 1)]);
    // buckets 74, 172, 39 -> 74%4=2 -> B, 172%4=0 -> A, 39%4=3 -> C
    const got = ['172.16.0.100', '172.16.0.101', '10.0.0.1'].map((saddr) => s.schedule({ saddr, daddr: '10.0.0.100' })?.addr);
    expect(got).toEqual(['B', 'A', 'C']);
    expect(refHash32(ip('172.16.0.100'), 8) % 4).toBe(2);
  });

  it('sh-port adds the source port; fallback probes from 2*hash when the bucket dest is unavailable', () => {
    const dests = [dest('A', 1), dest('B', 2), dest('C', 1)];
    const withPort = createScheduler('sh', dests, { flags: { 'sh-port': true } });
    // hash_32(0xAC100064 + 40000, 8) = 238 -> 238 % 4 = 2 -> B
    expect(refHash32(ip('172.16.0.100') + 40000, 8)).toBe(238);
    expect(withPort.schedule({ saddr: '172.16.0.100', daddr: 'v', sport: 40000, protocol: 'tcp' })?.addr).toBe('B');
    expect(withPort.schedule({ saddr: '172.16.0.100', daddr: 'v', sport: 40000, protocol: 'icmp' })?.addr).toBe('B'); // port ignored: bucket 74 -> B too

    (dests[1] as Destination).flags.overloaded = true;
    const plain = createScheduler('sh', dests);
    expect(plain.schedule({ saddr: '172.16.0.100', daddr: 'v' })).toBeNull();
    const fb = createScheduler('sh', dests, { flags: { 'sh-fallback': true } });
    // first probe: bucket (74 + 74 + 0) & 255 = 148 -> 148 % 4 = 0 -> A
    expect(fb.schedule({ saddr: '172.16.0.100', daddr: 'v' })?.addr).toBe('A');
  });
});

describe('dh (ip_vs_dh.c)', () => {
  it('one bucket per dest, keyed by the packet destination: every client of one VIP lands on one server', () => {
    const s = createScheduler('dh', [dest('A', 5), dest('B', 1), dest('C', 1)]);
    // hash_32(192.168.23.100) = 148 -> 148 % 3 = 1 -> B (weights ignored)
    const got = ['172.16.0.100', '172.16.0.101', '10.0.0.1'].map((saddr) => s.schedule({ saddr, daddr: '192.168.23.100' })?.addr);
    expect(got).toEqual(['B', 'B', 'B']);
  });
});

describe('mh (ip_vs_mh.c)', () => {
  // Expected values from an independent Python implementation of ip_vs_mh.c with SipHash-1-3.
  it('equal weights: table of 4093 slots split 1365/1364/1364 and lookups', () => {
    const dests = [dest('192.168.1.13'), dest('192.168.1.12'), dest('192.168.1.11')];
    const t = buildMhTable(dests, 4093);
    const count = (a: string): number => t.filter((x) => x?.addr === a).length;
    expect([count('192.168.1.13'), count('192.168.1.12'), count('192.168.1.11')]).toEqual([1365, 1364, 1364]);
    expect(t.slice(0, 4).map((x) => x?.addr)).toEqual(['192.168.1.12', '192.168.1.13', '192.168.1.13', '192.168.1.13']);
    const s = new MaglevHashScheduler(dests);
    expect(s.size).toBe(4093);
    const got = ['172.16.0.100', '172.16.0.101', '10.0.0.1'].map((saddr) => s.schedule({ saddr, daddr: 'v' })?.addr);
    expect(got).toEqual(['192.168.1.11', '192.168.1.12', '192.168.1.12']);
  });

  it('weights 3:1 and the 251-slot table', () => {
    const t = buildMhTable([dest('192.168.1.12', 3), dest('192.168.1.11', 1)], 4093);
    expect(t.filter((x) => x?.addr === '192.168.1.12').length).toBe(3070);
    const small = buildMhTable([dest('192.168.1.13'), dest('192.168.1.12'), dest('192.168.1.11')], 251);
    expect(small.slice(0, 6).map((x) => x?.addr.slice(-2))).toEqual(['13', '11', '11', '11', '13', '11']);
  });

  it('a table filled only as far as lookups need gives the picks of the whole table, whatever the order of lookups', () => {
    // ip_vs_mh_populate as one eager loop over the whole table: the oracle.
    const eager = (dests: readonly Destination[], size: number, tabIndex: number): (Destination | null)[] => {
      const table: (Destination | null)[] = new Array<Destination | null>(size).fill(null);
      let g = 0;
      let maxW = 0;
      for (const d of dests) { if (d.lastWeight > 0) g = g > 0 ? gcd(d.lastWeight, g) : d.lastWeight; maxW = Math.max(maxW, d.lastWeight); }
      if (g < 1) return table;
      const rshift = Math.max(0, fls(Math.trunc(maxW / g)) - Math.trunc(tabIndex / 2));
      const perm = dests.map((d) => mhHashKey(d.addr, d.port, MH_HASH1, 0) % size);
      const skip = dests.map((d) => (mhHashKey(d.addr, d.port, MH_HASH2, 0) % (size - 1)) + 1);
      const turns = dests.map((d) => Math.trunc(d.lastWeight / g) >> rshift || (d.lastWeight !== 0 ? 1 : 0));
      let n = 0;
      for (;;) {
        for (let p = 0; p < dests.length; p++) {
          for (let k = 0; k < turns[p]!; k++) {
            let c = perm[p]!;
            while (table[c] !== null) c = (c + skip[p]!) % size;
            perm[p] = c;
            table[c] = dests[p]!;
            if (++n === size) return table;
          }
        }
      }
    };
    const config = fc.record({
      servers: fc.uniqueArray(fc.integer({ min: 1, max: 254 }), { minLength: 1, maxLength: 6 }),
      weights: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 6 }),
      port: fc.constantFrom(0, 80, 8080),
      tabIndex: fc.constantFrom(8, 9, 12), // 251, 509 and 4093 slots
      clients: fc.array(fc.integer({ min: 0, max: 0xffffff }), { minLength: 1, maxLength: 40 }),
      fallback: fc.boolean(),
    });
    fc.assert(fc.property(config, ({ servers, weights, port, tabIndex, clients, fallback }) => {
      const dests = servers.map((x, i) => dest(`10.9.0.${x}`, weights[i]!, port));
      const size = [251, 509, 1021, 2039, 4093][tabIndex - 8]!;
      const table = eager(dests, size, tabIndex);
      expect(buildMhTable(dests, size)).toEqual(table);
      const s = new MaglevHashScheduler(dests, { 'mh-fallback': fallback }, tabIndex);
      // Lookups before the whole table is known, then the table itself.
      for (const c of clients) {
        const saddr = `172.${c >> 16}.${(c >> 8) & 255}.${c & 255}`;
        const want = table[mhHashKey(saddr, 0, MH_HASH1, 0) % size] ?? null;
        const got = s.schedule({ saddr, daddr: 'v' });
        if (want !== null && want.weight > 0) expect(got).toBe(want);
        else if (!fallback) expect(got).toBeNull();
      }
      expect(s.lookupTable()).toEqual(table);
    }), { numRuns: 40 });
  });

  it('a quiesced (weight 0) dest keeps its slots; lookups to it fail unless mh-fallback', () => {
    const dests = [dest('192.168.1.13'), dest('192.168.1.12'), dest('192.168.1.11')];
    const s = new MaglevHashScheduler(dests);
    const d11 = dests[2] as Destination;
    d11.weight = 0; // lastWeight stays 1
    s.update(dests);
    expect(s.lookupTable().filter((x) => x === d11).length).toBe(1364);
    expect(s.schedule({ saddr: '172.16.0.100', daddr: 'v' })).toBeNull();
    const fb = new MaglevHashScheduler(dests, { 'mh-fallback': true });
    const alt = fb.schedule({ saddr: '172.16.0.100', daddr: 'v' });
    expect(alt).not.toBeNull();
    expect(alt?.addr).not.toBe('192.168.1.11');
  });
});

describe('lblc / lblcr', () => {
  const vip = '192.168.23.100';

  it('lblc caches per destination address and moves on when the is_overloaded heuristic fires', () => {
    const a = dest('A');
    const b = dest('B');
    const s = new LblcScheduler([a, b]);
    expect(s.schedule({ saddr: 'c1', daddr: vip, now: 0 })?.addr).toBe('A');
    a.activeConns = 1; // not > weight yet
    expect(s.schedule({ saddr: 'c2', daddr: vip, now: 1 })?.addr).toBe('A');
    a.activeConns = 2; // > weight 1, and B has 0*2 < 1
    expect(s.schedule({ saddr: 'c3', daddr: vip, now: 2 })?.addr).toBe('B');
    expect(s.cached(vip)?.addr).toBe('B');
    // the OVERLOAD flag is not checked on a cache hit
    b.flags.overloaded = true;
    expect(s.schedule({ saddr: 'c4', daddr: vip, now: 3 })?.addr).toBe('B');
  });

  it('lblc entries go at the full check every 30 minutes once unused for lblc_expiration', () => {
    const s = new LblcScheduler([dest('A'), dest('B')], { expiration: 600, createdAt: 0 });
    s.schedule({ saddr: 'c', daddr: vip, now: 100 });
    s.tick(1799);
    expect(s.cached(vip)?.addr).toBe('A');
    s.tick(1800); // 30th timer run: full check, 1800 >= 100 + 600
    expect(s.cached(vip)).toBeNull();
    const d = new LblcScheduler([dest('A'), dest('B')], { createdAt: 0 }); // default 24 h
    d.schedule({ saddr: 'c', daddr: vip, now: 100 });
    d.tick(3 * 3600);
    expect(d.cached(vip)?.addr).toBe('A');
  });

  it('lblcr grows the set when the least-loaded member is overloaded and prunes the most loaded after expiration', () => {
    const a = dest('A');
    const b = dest('B');
    const s = new LblcrScheduler([a, b], { expiration: 600, createdAt: 0 });
    expect(s.schedule({ saddr: 'c', daddr: vip, now: 0 })?.addr).toBe('A');
    a.activeConns = 2;
    expect(s.schedule({ saddr: 'c', daddr: vip, now: 10 })?.addr).toBe('B');
    expect(s.cachedSet(vip).map((x) => x.addr)).toEqual(['B', 'A']);
    expect(s.schedule({ saddr: 'c', daddr: vip, now: 20 })?.addr).toBe('B');
    // lastmod = 10; at 611 > 610 the most loaded member (A) is dropped
    expect(s.schedule({ saddr: 'c', daddr: vip, now: 611 })?.addr).toBe('B');
    expect(s.cachedSet(vip).map((x) => x.addr)).toEqual(['B']);
  });
});
