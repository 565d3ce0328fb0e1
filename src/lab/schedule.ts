/**
 * The picks IPVS would make, so the nftables emulation hands out real servers in the kernel's
 * order (reference §1.0–1.2, §1.10). `list` is the kernel's destination list: indices of real
 * servers, newest-added first. rr and wrr are periodic; one period is returned, and the emulation
 * cycles through it with `numgen inc mod <period>`.
 */

/** The kernel's list: `list_add_rcu` puts each new destination at the head. */
export function kernelList(addOrder: readonly number[]): number[] {
  return addOrder.slice().reverse();
}

/** rr: walk the list from the head, skipping weight 0. */
export function rrPeriod(list: readonly number[], weights: readonly number[]): number[] {
  return list.filter((i) => (weights[i] ?? 0) > 0);
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/**
 * wrr (ip_vs_wrr.c): cw starts at mw = max − (di − 1); from the saved position, pick the next
 * destination with weight ≥ cw; at the end of the list cw −= di (back to mw at ≤ 0).
 * One period is sum(weights)/di picks, after which the state is back at its start.
 */
export function wrrPeriod(list: readonly number[], weights: readonly number[]): number[] {
  const live = list.map((i) => weights[i] ?? 0).filter((w) => w > 0);
  if (live.length === 0) return [];
  const di = live.reduce(gcd);
  const mw = Math.max(...live) - (di - 1);
  const length = live.reduce((a, b) => a + b, 0) / di;
  let cw = mw;
  let pos = -1;
  const out: number[] = [];
  while (out.length < length) {
    let found = -1;
    for (let k = pos + 1; k < list.length; k++) {
      const idx = list[k] as number;
      if ((weights[idx] ?? 0) >= cw) { found = k; break; }
    }
    if (found >= 0) {
      pos = found;
      out.push(list[found] as number);
    } else {
      pos = -1;
      cw -= di;
      if (cw <= 0) cw = mw;
    }
  }
  return out;
}

const SH_BUCKETS = 256;

/** sh's 256 buckets (ip_vs_sh_reassign): each destination fills max(weight, 1) buckets in turn. */
export function shTable(list: readonly number[], weights: readonly number[]): number[] {
  const table: number[] = [];
  if (list.length === 0) return table;
  let p = 0;
  let count = 0;
  for (let b = 0; b < SH_BUCKETS; b++) {
    const idx = list[p] as number;
    table.push(idx);
    if (++count >= (weights[idx] ?? 0)) {
      p = (p + 1) % list.length;
      count = 0;
    }
  }
  return table;
}

/** hash_32(v, 8): the top 8 bits of v × GOLDEN_RATIO_32. */
export function shBucket(ipv4: string): number {
  const v = ipv4.split('.').reduce((acc, o) => ((acc << 8) | Number(o)) >>> 0, 0);
  return (Math.imul(v, 0x61c88647) >>> 0) >>> 24;
}

/** The real server sh gives a client, or null when its bucket's server has weight 0. */
export function shPick(list: readonly number[], weights: readonly number[], cip: string): number | null {
  const idx = shTable(list, weights)[shBucket(cip)];
  return idx === undefined || (weights[idx] ?? 0) <= 0 ? null : idx;
}
