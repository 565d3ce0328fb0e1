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
