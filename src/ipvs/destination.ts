/**
 * A real server as the kernel's `struct ip_vs_dest` sees it: weight, thresholds, flags and the
 * connection counters the dynamic schedulers read. Objects are mutable and shared by reference
 * between the service, its scheduler and the connection table, like the kernel's dest pointers.
 */

/** Forwarding method of a destination (`IP_VS_CONN_F_FWD_MASK`); 'fullnat' is Alibaba's. */
export type ForwardMethod = 'dr' | 'nat' | 'tun' | 'local' | 'fullnat';

export interface DestinationStats {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export interface Destination {
  readonly addr: string;
  readonly port: number;
  forward: ForwardMethod;
  weight: number;
  /** Latest non-zero weight (or the weight given at add time); only mh reads it. */
  lastWeight: number;
  activeConns: number;
  inactConns: number;
  persistConns: number;
  /** -x; 0 = none. Reaching it sets the OVERLOAD flag at bind time. */
  upperThreshold: number;
  /** -y; 0 = none. */
  lowerThreshold: number;
  /** IP_VS_DEST_F_AVAILABLE (cleared when the dest is deleted) and IP_VS_DEST_F_OVERLOAD. */
  readonly flags: { available: boolean; overloaded: boolean };
  readonly stats: DestinationStats;
}

export interface DestinationInit {
  readonly addr: string;
  readonly port: number;
  readonly weight?: number;
  readonly forward?: ForwardMethod;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  readonly activeConns?: number;
  readonly inactConns?: number;
}

/** ipvsadm's defaults: weight 1, forwarding -g (DR). */
export function createDestination(init: DestinationInit): Destination {
  const weight = init.weight ?? 1;
  return {
    addr: init.addr,
    port: init.port,
    forward: init.forward ?? 'dr',
    weight,
    lastWeight: weight,
    activeConns: init.activeConns ?? 0,
    inactConns: init.inactConns ?? 0,
    persistConns: 0,
    upperThreshold: init.upperThreshold ?? 0,
    lowerThreshold: init.lowerThreshold ?? 0,
    flags: { available: true, overloaded: false },
    stats: { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 },
  };
}

/**
 * ip_vs_dest_conn_overhead (include/net/ip_vs.h): `(activeconns << 8) + inactconns`, the same in
 * every kernel. Multiplied, not shifted, so large counts do not wrap in JS int32.
 */
export function connOverhead(d: Destination): number {
  return d.activeConns * 256 + d.inactConns;
}

/** ip_vs_dest_totalconns: active + inactive (templates are not counted). */
export function totalConns(d: Destination): number {
  return d.activeConns + d.inactConns;
}

/** Unusable for sh/dh/mh (`is_unavailable`): weight <= 0 or OVERLOAD. */
export function isUnavailable(d: Destination): boolean {
  return d.weight <= 0 || d.flags.overloaded;
}

/**
 * ip_vs_bind_dest's counter update: a connection starts inactive (every dest's conn_flags carry
 * IP_VS_CONN_F_INACTIVE), a template counts in persistConns. Then the u_threshold check.
 */
export function bindConnection(d: Destination, template: boolean, inactive: boolean): void {
  if (template) d.persistConns++;
  else if (inactive) d.inactConns++;
  else d.activeConns++;
  if (d.upperThreshold !== 0 && totalConns(d) >= d.upperThreshold) d.flags.overloaded = true;
}

/** ip_vs_unbind_dest: counters down, then the OVERLOAD clearing rules (l_threshold, 3/4 of u_threshold). */
export function unbindConnection(d: Destination, template: boolean, inactive: boolean): void {
  if (template) d.persistConns--;
  else if (inactive) d.inactConns--;
  else d.activeConns--;
  if (d.lowerThreshold !== 0) {
    if (totalConns(d) < d.lowerThreshold) d.flags.overloaded = false;
  } else if (d.upperThreshold !== 0) {
    if (totalConns(d) * 4 < d.upperThreshold * 3) d.flags.overloaded = false;
  } else {
    d.flags.overloaded = false;
  }
}

/** `ip:port` key identifying a dest within a service. */
export function destKey(d: { readonly addr: string; readonly port: number }): string {
  return `${d.addr}:${d.port}`;
}
