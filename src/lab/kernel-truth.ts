/**
 * What the director's kernel itself says: `ipvsadm -Lnc` (every connection entry and persistence
 * template), `-Ln`, `-Ln --stats` and `-S -n`, read during the run and at its end. This is the
 * lab's ground truth on a real IPVS kernel; lvscope's own model never enters it.
 */

export interface KernelConnection {
  readonly protocol: string;
  /** Seconds left, as ipvsadm prints mm:ss. */
  readonly expire: number;
  readonly state: string;
  readonly client: string;
  readonly virtual: string;
  readonly realServer: string;
  /** A persistence template (client port 0), not a connection. */
  readonly template: boolean;
}

export interface KernelSnapshot {
  /** Milliseconds since the run started. */
  readonly atMs: number;
  /** What had happened: "after request 3", "connections held open", "end". */
  readonly after: string;
  readonly connections: readonly KernelConnection[];
}

export interface KernelTruth {
  readonly ipvsadmLn: string;
  readonly ipvsadmLnStats: string;
  readonly ipvsadmS: string;
  readonly ipvsadmLnc: string;
  /** The connection table at the end, parsed. */
  readonly connections: readonly KernelConnection[];
  /** Every reading of the connection table during the run, in order. */
  readonly snapshots: readonly KernelSnapshot[];
  /** The drop defences' settings and the memory they compare with, at the end. */
  readonly defences: IpvsDefences;
}

/**
 * /proc/sys/net/ipv4/vs: amemthresh (pages) and am_droprate, and the modes of drop_entry,
 * drop_packet and secure_tcp (0 off, 1 on when memory runs low, 2 on now because it did, 3 always);
 * `availablePages` is what ip_vs_ctl.c update_defense_level compares with amemthresh (free + buffer
 * pages, as /proc/meminfo's MemFree + Buffers).
 */
export interface IpvsDefences {
  readonly amemthresh: number;
  readonly amDroprate: number;
  readonly dropEntry: number;
  readonly dropPacket: number;
  readonly secureTcp: number;
  readonly availablePages: number;
}

/** Reads the defences in the director's namespace (the sysctls are per network namespace). */
export const DEFENCE_READ = [
  '-c',
  'cd /proc/sys/net/ipv4/vs && grep -H . amemthresh am_droprate drop_entry drop_packet secure_tcp && grep -E "^(MemFree|Buffers):" /proc/meminfo',
] as const;

/** `DEFENCE_READ`'s output ("drop_entry:0", "MemFree:  123456 kB") → IpvsDefences (missing values: -1). */
export function parseDefences(text: string): IpvsDefences {
  const v = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_]+):\s*(\d+)/.exec(line.trim());
    if (m) v.set(m[1] as string, Number(m[2]));
  }
  const get = (k: string): number => v.get(k) ?? -1;
  const kb = (v.get('MemFree') ?? 0) + (v.get('Buffers') ?? 0);
  return {
    amemthresh: get('amemthresh'), amDroprate: get('am_droprate'), dropEntry: get('drop_entry'),
    dropPacket: get('drop_packet'), secureTcp: get('secure_tcp'), availablePages: v.has('MemFree') ? Math.floor(kb / 4) : -1,
  };
}

function seconds(mmss: string): number {
  const parts = mmss.split(':').map(Number);
  return parts.reduce((acc, p) => acc * 60 + (Number.isFinite(p) ? p : 0), 0);
}

/** `ipvsadm -Lnc` text → entries (header lines and anything unexpected are skipped). */
export function parseIpvsadmLnc(text: string): KernelConnection[] {
  const out: KernelConnection[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length !== 6 || !/^(TCP|UDP|SCTP|IP)$/.test(f[0] ?? '') || !/^\d+:\d+(:\d+)?$/.test(f[1] ?? '')) continue;
    const [protocol, expire, state, client, virtual, realServer] = f as [string, string, string, string, string, string];
    out.push({
      protocol: protocol.toLowerCase(), expire: seconds(expire), state, client, virtual, realServer,
      template: client.endsWith(':0'),
    });
  }
  return out;
}

/** The shell commands that read the kernel's tables in the director's namespace. */
export const IPVSADM_READS = {
  ipvsadmLn: ['-Ln'],
  ipvsadmLnStats: ['-Ln', '--stats'],
  ipvsadmS: ['-S', '-n'],
  ipvsadmLnc: ['-Lnc'],
} as const;
