/**
 * A map keyed by one direction of a conversation, a:ap → b:bp, with addresses as `AddressIds`
 * numbers: a lookup builds no string (per-packet `${src}:${sport}>${dst}:${dport}` keys were most of
 * the fault watchers' cost) and, while ids stay under 2^14, allocates nothing.
 */
export class TupleMap<V> {
  private readonly byFrom = new Map<number, Map<number, V>>();
  private count = 0;

  get(a: number, ap: number, b: number, bp: number): V | undefined {
    return this.byFrom.get(a * 65536 + ap)?.get(b * 65536 + bp);
  }

  set(a: number, ap: number, b: number, bp: number, value: V): void {
    const from = a * 65536 + ap;
    let to = this.byFrom.get(from);
    if (to === undefined) { to = new Map(); this.byFrom.set(from, to); }
    const key = b * 65536 + bp;
    if (!to.has(key)) this.count++;
    to.set(key, value);
  }

  get size(): number {
    return this.count;
  }
}
