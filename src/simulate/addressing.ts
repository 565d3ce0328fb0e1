/**
 * Address and MAC allocation for generated hosts (preset clients and real servers).
 *
 * Works on 32-bit values, never on dotted text, so counts past one octet carry into the next
 * one instead of producing "172.16.0.256".
 */
import { formatIpv4, parseIpv4 } from '../wire/address.js';
import { maskOf } from './net.js';
import { ScenarioError } from './scenario.js';

export interface HostAllocation {
  /** The subnet, "a.b.c.d/len" (any address inside it). */
  readonly subnet: string;
  /** First address handed out; the rest follow `step` apart while they stay in the subnet. */
  readonly first: string;
  /** Distance between consecutive addresses (seed 002 numbers its real servers 10 apart). Default 1. */
  readonly step?: number;
  /** Addresses other hosts already hold in this subnet (gateway, DIP, VIP, local addresses). */
  readonly taken?: readonly string[];
  /** Where the hosts come from, for error messages: the scenario name. */
  readonly what: string;
  /** What the hosts are, plural: "clients", "real servers". */
  readonly noun: string;
  /** The network the subnet is on, for error messages. */
  readonly network?: string;
}

function ipOf(text: string, what: string): number {
  const v = parseIpv4(text.split('/')[0] ?? '');
  if (Number.isNaN(v)) throw new ScenarioError(`${what}: not an IPv4 address: ${JSON.stringify(text)}`);
  return v;
}

/**
 * Whether a host may hold `ip` in a subnet of this prefix length. Beside the network and
 * broadcast addresses, subnets wider than a /24 also skip the .0 and .255 addresses: readers
 * (and older stacks) take them for a /24's network and broadcast, which a teaching capture
 * should not make them doubt.
 */
function usable(ip: number, net: number, prefix: number): boolean {
  if (prefix >= 31) return true;
  const bcast = (net | ~maskOf(prefix)) >>> 0;
  if (ip === net || ip === bcast) return false;
  const last = ip & 255;
  return prefix >= 24 || (last !== 0 && last !== 255);
}

/**
 * `count` distinct host addresses ("a.b.c.d") in the subnet: first, first+step, ... while they
 * stay in the subnet, then every other free address from the bottom of the subnet up. Throws a
 * ScenarioError naming the subnet and how many fit when it cannot hold them.
 */
export function allocateHosts(count: number, a: HostAllocation): string[] {
  const [, len = '32'] = a.subnet.split('/');
  const prefix = Number(len);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new ScenarioError(`${a.what}: bad prefix length in ${JSON.stringify(a.subnet)}`);
  const mask = maskOf(prefix);
  const net = (ipOf(a.subnet, a.what) & mask) >>> 0;
  const size = 2 ** (32 - prefix);
  const step = a.step ?? 1;
  const taken = new Set<number>();
  for (const t of a.taken ?? []) {
    const v = ipOf(t, a.what);
    if (((v & mask) >>> 0) === net) taken.add(v);
  }
  const subnetText = `${formatIpv4(net)}/${prefix}`;
  // Count before building anything: a refused count may be far larger than the subnet.
  let fit = 0;
  if (size <= 1 << 24) {
    for (let i = 0; i < size && fit < count; i++) {
      const ip = net + i;
      if (usable(ip, net, prefix) && !taken.has(ip)) fit++;
    }
  } else {
    fit = count;
  }
  if (fit < count) {
    let all = 0;
    for (let i = 0; i < size; i++) if (usable(net + i, net, prefix) && !taken.has(net + i)) all++;
    const held = taken.size > 0 ? ` (besides the ${taken.size} address${taken.size === 1 ? '' : 'es'} other hosts hold there)` : '';
    const on = a.network === undefined ? '' : ` on network ${a.network}`;
    throw new ScenarioError(`${a.what}: subnet ${subnetText}${on} cannot hold ${count} ${a.noun}; at most ${all} fit${held}`);
  }
  const out: string[] = [];
  const given = new Set<number>();
  const take = (ip: number): void => {
    if (out.length < count && usable(ip, net, prefix) && !taken.has(ip) && !given.has(ip)) {
      given.add(ip);
      out.push(formatIpv4(ip));
    }
  };
  const first = ipOf(a.first, a.what);
  if (((first & mask) >>> 0) === net) {
    for (let ip = first; ip < net + size && out.length < count; ip += step) take(ip);
  }
  for (let i = 0; i < size && out.length < count; i++) take(net + i);
  return out;
}

/**
 * Locally administered MAC 02:aa:HH:MM:KK:LL for host `n` of kind `kind`: n below 256 keeps
 * the short 02:aa:00:00:KK:LL form, larger n carries into bytes 2 and 3 (no collision: the
 * kind byte stays where it is).
 */
export function hostMac(kind: number, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 24) throw new ScenarioError(`host number ${n} has no MAC in 02:aa:xx:xx:${kind.toString(16).padStart(2, '0')}:xx`);
  const hex = (b: number): string => b.toString(16).padStart(2, '0');
  return `02:aa:${hex(n >>> 16)}:${hex((n >>> 8) & 255)}:${hex(kind & 255)}:${hex(n & 255)}`;
}
