import type { FilterError } from './display-filter.js';
/**
 * What the TUI's components see: plain, readonly view records. Nothing here knows about the model,
 * the decoder or the file; `CaptureSession` builds these from them.
 */
import type { DetailLayer } from '../../present/frame-detail.js';

export type Lang = 'en' | 'zh';

/** An actor of the ladder diagram: one column. */
export type ActorKind = 'client' | 'gateway' | 'director' | 'real-server' | 'other';

/** Actors shown by their role's word rather than a name. */
export type RoleWord = 'client' | 'gateway' | 'director' | 'broadcast';

export interface Actor {
  /** Stable key: 'client', 'gateway', 'director', 'rs:192.168.23.80', 'other'. */
  readonly key: string;
  readonly kind: ActorKind;
  /** Column heading: client, gateway, director, WEB1, … */
  readonly label: string;
}

export interface FrameRow {
  readonly n: number;
  /** UTC time of day. */
  readonly time: string;
  /** Seconds since the first frame. */
  readonly rel: number;
  /** Sender and receiver by role name: client, gateway, director, WEB1, broadcast, or an address. */
  readonly from: string;
  readonly to: string;
  /** What `from`/`to` name: a role (its word depends on the language), or null for a name or address. */
  readonly fromKind: RoleWord | null;
  readonly toKind: RoleWord | null;
  /** Column indexes into `actors()`, -1 for none (broadcast, unknown). */
  readonly fromActor: number;
  readonly toActor: number;
  readonly summary: string;
  /** 1-based connection number, 0 when the frame belongs to none (ARP, ICMP…). */
  readonly conn: number;
  /** What the director's hop rewrote ("dst MAC → WEB1"), null on other hops. */
  readonly rewrite: string | null;
  /** Finding codes this frame is evidence for. */
  readonly findings: readonly string[];
}

export interface FrameDetailView {
  readonly row: FrameRow;
  readonly explanation: string;
  /** On the director's hop, exactly what its copy changed, with full addresses; else null. */
  readonly hop: string | null;
  readonly layers: readonly DetailLayer[];
  readonly bytes: Uint8Array;
}

export interface ConnRow {
  readonly conn: number;
  readonly protocol: 'TCP' | 'UDP';
  /** "mm:ss" left on the entry's timer at the selected frame. */
  readonly expire: string;
  readonly state: string;
  readonly client: string;
  readonly virtual: string;
  readonly realServer: string;
}

export interface ClusterView {
  /** `ipvsadm -Ln` as of the selected frame, one string per line. */
  readonly ipvsadm: readonly string[];
  /** The connection table (`ipvsadm -Lnc`) as of the selected frame, live entries only. */
  readonly conns: readonly ConnRow[];
  /** A director pair: each VRID's master as of the selected frame (null: none was answering). */
  readonly masters?: readonly MasterAt[];
}

export interface MasterAt {
  readonly vrid: number;
  /** The master's name, or null between a master's last advert and the next one's first. */
  readonly name: string | null;
  /** Frame of its first advert as master (or of the last master's last advert when null). */
  readonly since: number;
  /** The master before it (the one that fell silent, when name is null). */
  readonly previous: string | null;
}

export interface FindingView {
  readonly code: string;
  readonly severity: 'error' | 'warning' | 'info';
  readonly message: string;
  readonly frames: readonly number[];
}

export interface StatusView {
  readonly files: readonly string[];
  readonly frames: number;
  readonly method: string;
  readonly scheduler: string;
  /** 0..1 while the background analysis runs; 1 when done. */
  readonly progress: number;
  /** Non-null when the model could not be used, with why. */
  readonly degraded: string | null;
}

/** A filter compiled from the `/` prompt. */
export interface FilterSpec {
  readonly text: string;
}

/** Frames that pass a filter, in order; `all` when no filter is set. */
export interface FrameSet {
  readonly all: boolean;
  /** Set when the filter is display-filter syntax that does not parse (nothing is shown). */
  readonly error?: FilterError;
  readonly count: number;
  /** The k-th visible frame's number (k 0-based). */
  at(k: number): number;
  /** Position of frame n in the set, or of the nearest visible frame after it (count when none). */
  indexOf(n: number): number;
}
