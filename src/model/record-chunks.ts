/**
 * What the chunked record tables (tuple-map.ts's ClientRecords, watch-records.ts) share: a bucket
 * table sized once for the most slots they keep, and records in fixed-size chunks added as slots
 * are, so that growing copies nothing (a copy touches fresh memory: a page fault per 4 KB).
 */

/** Buckets for `capacity` slots: a power of two, at least 1024, at most 4/5 full. */
export function bucketsFor(capacity: number): number {
  let buckets = 1 << 10;
  while (buckets * 4 < capacity * 5) buckets *= 2;
  return buckets;
}

/** Appends one zeroed chunk of `records` records of `recInts` int32s, seen as ints and as floats. */
export function addChunk(ints: Int32Array[], floats: Float64Array[], records: number, recInts: number): void {
  const buf = new ArrayBuffer(records * recInts * 4);
  ints.push(new Int32Array(buf));
  floats.push(new Float64Array(buf));
}
