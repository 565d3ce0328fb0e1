/**
 * The only place that touches the optional native `cap` package (libpcap). It is loaded lazily so
 * every other command works where it is not installed, and its errors are turned into messages
 * that say what to do. Facts measured against cap 0.2.1 here:
 * - `open()` on an interface that is down throws "That device is not up"; on a missing one
 *   "No such device exists"; without CAP_NET_RAW "socket: Operation not permitted".
 * - `close()` after a failed `open()` aborts the process (a libuv assertion), so never do that.
 * - cap captures our own outgoing frames too; a sender opens with a filter that matches nothing.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { CAP_MISSING_HINT, ReplayError } from './errors.js';

/** The subset of cap's `Cap` instance we use. */
export interface CapHandle {
  open(device: string, filter: string, bufSize: number, buffer: Buffer): string;
  send(buffer: Buffer, nBytes?: number): void;
  close(): void;
  on(event: 'packet', listener: (nbytes: number, truncated: boolean) => void): unknown;
  removeAllListeners(event?: string): unknown;
}

export interface CapDevice {
  readonly name: string;
  readonly description?: string;
  readonly addresses?: readonly { addr?: string }[];
  readonly flags?: string;
}

export interface CapModule {
  readonly Cap: { new (): CapHandle; deviceList(): CapDevice[] };
}

let cached: CapModule | null = null;

/** Loads cap, or throws ReplayError (exit 2) naming the packages to install. */
export function loadCap(command = 'lvscope replay', hint = CAP_MISSING_HINT): CapModule {
  if (cached !== null) return cached;
  let mod: CapModule;
  try {
    mod = createRequire(import.meta.url)('cap') as CapModule;
    if (typeof mod.Cap !== 'function') throw new Error("module 'cap' has no Cap export");
  } catch (err) {
    const detail = (err as Error).message.split('\n')[0] ?? '';
    throw new ReplayError(`${hint.replace('lvscope replay', command)}\n(${detail})`, 2, { cause: err });
  }
  cached = mod;
  return mod;
}

/** libpcap's link-type name as cap reports it, to the LINKTYPE_ number. */
export function capLinkType(name: string): number {
  switch (name) {
    case 'ETHERNET': return 1;
    case 'NULL': return 0;
    case 'RAW': return 101;
    case 'LINKTYPE_LINUX_SLL': return 113;
    case 'IEEE802_11_RADIO': return 127;
    default: {
      const m = /(\d+)\s*$/.exec(name);
      return m !== null ? Number(m[1]) : -1;
    }
  }
}

export interface InterfaceState {
  readonly exists: boolean;
  /** null when /sys does not tell. */
  readonly up: boolean | null;
  /** IP MTU in bytes; null when unknown. */
  readonly mtu: number | null;
}

/** Reads /sys/class/net (which `ip netns exec` remounts for the namespace). */
export function interfaceState(name: string, devices: readonly CapDevice[] | null): InterfaceState {
  if (name.includes('/') || name === '.' || name === '..') return { exists: false, up: null, mtu: null };
  const base = `/sys/class/net/${name}`;
  let flags: number | null = null;
  let mtu: number | null = null;
  try {
    flags = parseInt(readFileSync(`${base}/flags`, 'utf8').trim(), 16);
    mtu = parseInt(readFileSync(`${base}/mtu`, 'utf8').trim(), 10);
  } catch {
    // Not a kernel netdev (or no sysfs): fall back to libpcap's list.
  }
  if (flags !== null && !Number.isNaN(flags)) {
    // IFF_UP is administrative state, which is what libpcap refuses on.
    return { exists: true, up: (flags & 0x1) !== 0, mtu: Number.isNaN(mtu ?? NaN) ? null : mtu };
  }
  const exists = devices?.some((d) => d.name === name) ?? false;
  return { exists, up: null, mtu: null };
}

/** A cap open() error turned into advice. */
export function explainOpenError(iface: string, err: unknown): ReplayError {
  const msg = (err as Error).message ?? String(err);
  if (/Operation not permitted|permission|EPERM|EACCES/i.test(msg)) {
    return new ReplayError(
      `${iface}: permission denied opening a raw socket (${msg}); run as root or grant CAP_NET_RAW ` +
        `(e.g. sudo setcap cap_net_raw,cap_net_admin+eip "$(readlink -f "$(which node)")")`,
      2, { cause: err },
    );
  }
  if (/not up/i.test(msg)) return new ReplayError(`${iface}: interface is down; bring it up with: ip link set ${iface} up`, 2, { cause: err });
  if (/No such device/i.test(msg)) return noSuchInterface(iface, null);
  return new ReplayError(`${iface}: libpcap could not open the interface: ${msg}`, 2, { cause: err });
}

export function noSuchInterface(iface: string, devices: readonly CapDevice[] | null): ReplayError {
  const names = devices?.map((d) => d.name).filter((n) => !/^(any|nflog|nfqueue|dbus-|bluetooth)/.test(n));
  const list = names !== undefined && names.length > 0 ? `; interfaces here: ${names.join(', ')}` : '';
  return new ReplayError(`${iface}: no such interface${list} (see ip link; in a namespace run through ip netns exec NS)`, 2);
}

/** CAP_NET_RAW in the effective set (bit 13 of CapEff); null when /proc cannot tell. */
export function hasNetRaw(): boolean | null {
  try {
    const m = /^CapEff:\s*([0-9a-f]+)$/im.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m === null) return null;
    return (BigInt(`0x${m[1]}`) & (1n << 13n)) !== 0n;
  } catch {
    return null;
  }
}

/** Opens cap on iface after checking it exists and is up; returns the handle and its link type. */
export function openInterface(
  cap: CapModule, iface: string, filter: string, buffer: Buffer, bufSize = 10 * 1024 * 1024,
): { handle: CapHandle; linkType: number; linkName: string; state: InterfaceState } {
  let devices: CapDevice[] | null = null;
  try {
    devices = cap.Cap.deviceList();
  } catch {
    devices = null;
  }
  const state = interfaceState(iface, devices);
  if (!state.exists) throw noSuchInterface(iface, devices);
  if (state.up === false) throw new ReplayError(`${iface}: interface is down; bring it up with: ip link set ${iface} up`, 2);
  // Ask before cap does: a Cap whose open() failed crashes the process when it is torn down at exit.
  if (hasNetRaw() === false) throw explainOpenError(iface, new Error('socket: Operation not permitted'));
  const handle = new cap.Cap();
  let linkName: string;
  try {
    linkName = handle.open(iface, filter, bufSize, buffer);
  } catch (err) {
    throw explainOpenError(iface, err);
  }
  return { handle, linkType: capLinkType(linkName), linkName, state };
}
