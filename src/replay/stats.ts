/**
 * Replay statistics, printed in tcpreplay 4.4's layout (users parse it), then lvscope's own timing
 * figures: how late each send was against its absolute due time.
 */

export interface SendCounters {
  packets: number;
  bytes: number;
  successful: number;
  failed: number;
  truncated: number;
  retriedEnobufs: number;
  retriedEagain: number;
  /** Failed because the frame was larger than the interface allowed (EMSGSIZE). */
  tooBig: number;
}

export function newCounters(): SendCounters {
  return { packets: 0, bytes: 0, successful: 0, failed: 0, truncated: 0, retriedEnobufs: 0, retriedEagain: 0, tooBig: 0 };
}

/**
 * Lateness in a log-linear histogram: below 2^SUB_BITS ns a bucket per nanosecond, above that
 * each power of two cut into 2^SUB_BITS buckets (HdrHistogram's layout). A quantile is the mean of
 * the samples in its bucket: exact when they are one value, and never off by more than 1/128 of
 * itself. The histogram is ~75 KB whatever the replay's length: a log of every sample (8 bytes
 * each, and a sorted copy at the end) took a paced replay of a million frames to 77 MB.
 */
const SUB_BITS = 7;
const SUB = 1 << SUB_BITS;
/** Lateness from 2^MAX_EXP ns (about 2.4 hours) on shares the last bucket. */
const MAX_EXP = 43;
const BUCKETS = SUB + (MAX_EXP - SUB_BITS) * SUB;

function bucketOf(ns: number): number {
  if (!(ns >= 0)) return 0; // a send ahead of its due time (or NaN) counts as on time
  if (ns < SUB) return Math.floor(ns);
  let e = Math.floor(Math.log2(ns));
  // log2 of a double can round across a power of two: settle e exactly.
  if (2 ** e > ns) e--;
  else if (2 ** (e + 1) <= ns) e++;
  if (e >= MAX_EXP) return BUCKETS - 1;
  const sub = Math.floor(ns / 2 ** (e - SUB_BITS)) - SUB;
  return SUB + (e - SUB_BITS) * SUB + sub;
}

export class LatenessLog {
  private readonly counts = new Float64Array(BUCKETS);
  private readonly sums = new Float64Array(BUCKETS);
  private n = 0;
  last = Number.NaN;
  max = 0;

  add(ns: number): void {
    const b = bucketOf(ns);
    this.counts[b]!++;
    this.sums[b]! += ns > 0 ? ns : 0;
    this.n++;
    this.last = ns;
    if (ns > this.max) this.max = ns;
  }

  get count(): number {
    return this.n;
  }

  /** q in [0, 1]; nearest rank, as the mean of that rank's bucket (see above). */
  quantiles(qs: readonly number[]): number[] {
    if (this.n === 0) return qs.map(() => Number.NaN);
    return qs.map((q) => {
      const rank = Math.min(this.n, Math.max(1, Math.ceil(q * this.n)));
      let seen = 0;
      for (let b = 0; b < BUCKETS; b++) {
        const c = this.counts[b]!;
        seen += c;
        if (seen >= rank) return this.sums[b]! / c;
      }
      return this.max;
    });
  }
}

/**
 * tcpreplay's packet_stats(): integer arithmetic, truncated not rounded ("0.166 Mbps" for 20864.5
 * B/s), two decimals of seconds from one second on, six below; Mbps gets three decimals under 1.
 */
export function formatTcpreplayStats(c: SendCounters, elapsedNs: number, iface: string): string {
  const diffUs = BigInt(Math.max(0, Math.round(elapsedNs / 1000)));
  const pkts = BigInt(c.packets);
  const bytes = BigInt(c.bytes);
  let bytesSec = 0n, bytesSec10ths = 0n, mbSec = 0n, mbSec100ths = 0n, mbSec1000ths = 0n, pktsSec = 0n, pktsSec100ths = 0n;
  if (diffUs > 0n && pkts > 0n && bytes > 0n) {
    const bytesSecX10 = (bytes * 10n * 1000n * 1000n) / diffUs;
    const pktsSecX100 = (pkts * 100n * 1000n * 1000n) / diffUs;
    bytesSec = bytesSecX10 / 10n;
    bytesSec10ths = bytesSecX10 % 10n;
    const mbSecX1000 = (bytesSec * 8n) / 1000n;
    mbSec = mbSecX1000 / 1000n;
    mbSec100ths = (mbSecX1000 / 10n) % 100n;
    mbSec1000ths = mbSecX1000 % 1000n;
    pktsSec = pktsSecX100 / 100n;
    pktsSec100ths = pktsSecX100 % 100n;
  }
  const sec = diffUs / 1_000_000n;
  const usec = diffUs % 1_000_000n;
  const seconds = diffUs >= 1_000_000n ? `${sec}.${pad(usec / 10_000n, 2)}` : `${sec}.${pad(usec, 6)}`;
  const mb = mbSec >= 1n ? `${mbSec}.${pad(mbSec100ths, 2)}` : `${mbSec}.${pad(mbSec1000ths, 3)}`;
  return [
    `Actual: ${c.packets} packets (${c.bytes} bytes) sent in ${seconds} seconds`,
    `Rated: ${bytesSec}.${bytesSec10ths} Bps, ${mb} Mbps, ${pktsSec}.${pad(pktsSec100ths, 2)} pps`,
    `Statistics for network device: ${iface}`,
    `\tSuccessful packets:        ${c.successful}`,
    `\tFailed packets:            ${c.failed}`,
    `\tTruncated packets:         ${c.truncated}`,
    `\tRetried packets (ENOBUFS): ${c.retriedEnobufs}`,
    `\tRetried packets (EAGAIN):  ${c.retriedEagain}`,
  ].join('\n') + '\n';
}

function pad(v: bigint, width: number): string {
  return v.toString().padStart(width, '0');
}

/** "3.2 µs", "1.25 ms", "2.000 s". */
export function formatDuration(ns: number): string {
  const a = Math.abs(ns);
  if (Number.isNaN(ns)) return 'n/a';
  if (a < 1_000) return `${ns.toFixed(0)} ns`;
  if (a < 1_000_000) return `${(ns / 1e3).toFixed(1)} µs`;
  if (a < 1_000_000_000) return `${(ns / 1e6).toFixed(2)} ms`;
  return `${(ns / 1e9).toFixed(3)} s`;
}

/** lvscope's line about timing: send lateness against the absolute schedule, and the last packet's. */
export function formatTiming(log: LatenessLog): string {
  if (log.count === 0) return '';
  const [median, p99] = log.quantiles([0.5, 0.99]);
  return (
    `Timing: send lateness median ${formatDuration(median!)}, p99 ${formatDuration(p99!)}, ` +
    `max ${formatDuration(log.max)}; last packet ${formatDuration(log.last)} late (drift)\n`
  );
}
