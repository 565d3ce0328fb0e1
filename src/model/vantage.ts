/**
 * Where the capture was taken. On a switched LAN a host sees only its own unicast frames (and
 * broadcasts), so one MAC is in every unicast frame: the capturing host's. On a flooding LAN (or a
 * mirror port) no MAC is, and every forwarded packet shows twice.
 *
 * And what a single reply says about the path when the director's hop itself is not in the
 * capture: the signatures of a DR cluster seen from the gateway or from a real server, and of a
 * NAT director seen from its inside.
 */

/** A group (broadcast or multicast) MAC: the I/G bit of the first octet. */
function isGroupMac(mac: string): boolean {
  const c = mac.charCodeAt(1);
  const v = c <= 57 ? c - 48 : (c | 32) - 87;
  return (v & 1) === 1;
}

/** Frames needed before "one MAC in every unicast frame" means anything. */
const MIN_UNICAST = 4;

export class CaptureHostTracker {
  private a = '';
  private b = '';
  private unicast = 0;

  /** Two comparisons per frame; cooked captures (no destination MAC) tell nothing. */
  observe(srcMac: string, dstMac: string): void {
    if (srcMac === '' || dstMac === '' || isGroupMac(dstMac)) return;
    if (this.unicast++ === 0) { this.a = srcMac; this.b = dstMac; return; }
    if (this.a !== '' && this.a !== srcMac && this.a !== dstMac) this.a = '';
    if (this.b !== '' && this.b !== srcMac && this.b !== dstMac) this.b = '';
  }

  /**
   * The MACs that were in every unicast frame: the capturing host's, plus its one peer when it
   * talked to a single host only (then either may be the capture point).
   */
  get candidates(): string[] {
    if (this.unicast < MIN_UNICAST) return [];
    return [this.a, this.b].filter((m) => m !== '');
  }

  /** The capturing host's MAC, or null on a flooding LAN, a cooked capture or too few frames. */
  get mac(): string | null {
    if (this.unicast < MIN_UNICAST) return null;
    if (this.a !== '' && this.b === '') return this.a;
    if (this.b !== '' && this.a === '') return this.b;
    return null;
  }
}

/**
 * What the first reply of a connection says when no director hop was seen for it:
 * - 'dr-gateway': the reply from the VIP comes from another MAC than the one the client's packets
 *   went to (the director's), and goes back to where the client's came from: the gateway's view of
 *   DR on a switched LAN, where the director→real-server copy never passes;
 * - 'dr-real-server': the reply leaves from the MAC the client's packets came to, but towards
 *   another MAC than the one they came from: the real server's view (they came from the director,
 *   the reply goes to the gateway);
 * - 'symmetric': answered by the host they were sent to, back to the host they came from: a plain
 *   server behind a router, which is also how a NAT director's inside (or outside) looks;
 * - null: not enough link-layer addresses.
 */
export type ReplyPath = 'dr-gateway' | 'dr-real-server' | 'symmetric' | null;

export function replyPath(reqSrcMac: string, reqDstMac: string, repSrcMac: string, repDstMac: string): ReplyPath {
  if (reqSrcMac === '' || reqDstMac === '' || repSrcMac === '' || repDstMac === '') return null;
  const sameServer = repSrcMac === reqDstMac;
  const sameFront = repDstMac === reqSrcMac;
  if (!sameServer && sameFront) return 'dr-gateway';
  if (sameServer && !sameFront) return 'dr-real-server';
  if (sameServer && sameFront) return 'symmetric';
  return null;
}

/**
 * A real server's own capture, where the reply path alone cannot tell DR from NAT: the ARP in the
 * capture can. A NAT real server is reached on its own address, which it claims in ARP; a DR real
 * server is reached on the VIP, which sits on its loopback and which it never claims, while the
 * host in front resolved the server's other address (its RIP) before sending it frames for the VIP.
 * - 'dr-via-front': reached on an address it does not claim, after the front host resolved one it
 *   does: DR, and its replies go back to the director instead of the gateway;
 * - 'own-address': reached on the address it claims itself (NAT inside, or a plain server);
 * - null: the ARP does not say.
 */
export type ServerAddressing = 'dr-via-front' | 'own-address' | null;

export function serverAddressing(
  reached: string, serverMac: string, frontMac: string,
  macIps: ReadonlyMap<string, ReadonlySet<string>>, arpAsked: ReadonlyMap<string, readonly string[]>,
): ServerAddressing {
  const own = macIps.get(serverMac);
  if (own === undefined || own.size === 0) return null;
  if (own.has(reached)) return 'own-address';
  const asked = arpAsked.get(frontMac) ?? [];
  for (const ip of own) if (asked.includes(ip)) return 'dr-via-front';
  return null;
}
