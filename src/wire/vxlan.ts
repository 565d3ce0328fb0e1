/**
 * VXLAN (RFC 7348): an Ethernet frame in UDP behind an 8-byte header, the overlay of Kubernetes
 * clusters (flannel, Calico, Cilium) and of cloud VPCs; kube-proxy's IPVS mode runs its services
 * on such a node. Header: flags (0x08, the I bit: the VNI is valid), 3 reserved bytes, the 24-bit
 * VNI, 1 reserved byte.
 *
 * Port 4789 is IANA's and tcpdump's: decoded there whatever the bytes (damage is reported). Linux
 * still defaults to 8472 (`ip link add … type vxlan` without `dstport`; flannel uses it), so there
 * the payload must look the part: the I bit, the reserved bits zero, and an Ethernet header whose
 * EtherType the decoder follows (IPv4, ARP, IPv6 or a VLAN tag).
 */
import { ETHERTYPE, ETHERNET_HEADER_LEN, isVlanTpid } from './ethernet.js';
import type { VxlanRecord } from './records.js';
import { HeaderView } from './view.js';

export const VXLAN_PORT = 4789;
export const LINUX_VXLAN_PORT = 8472;
export const VXLAN_HEADER_LEN = 8;
/** The I flag: the VNI field is valid. */
export const VXLAN_FLAG_VNI = 0x08;

/**
 * Whether a UDP payload of `len` bytes at buf[off ..] (`captured` of them in the buffer) sent to
 * `dstPort` is decoded as VXLAN.
 */
export function isVxlanPayload(buf: Uint8Array, off: number, len: number, captured: number, dstPort: number): boolean {
  if (dstPort === VXLAN_PORT) return true;
  if (dstPort !== LINUX_VXLAN_PORT) return false;
  const need = VXLAN_HEADER_LEN + ETHERNET_HEADER_LEN;
  if (len < need || captured < need) return false;
  if (buf[off] !== VXLAN_FLAG_VNI || buf[off + 1] !== 0 || buf[off + 2] !== 0 || buf[off + 3] !== 0 || buf[off + 7] !== 0) return false;
  const at = off + VXLAN_HEADER_LEN + 12;
  const ethertype = (buf[at]! << 8) | buf[at + 1]!;
  return ethertype === ETHERTYPE.IPV4 || ethertype === ETHERTYPE.ARP || ethertype === ETHERTYPE.IPV6 || isVlanTpid(ethertype);
}

export class VxlanView extends HeaderView {
  get flags(): number { return this.buf[this.off]!; }
  get vni(): number { return (this.buf[this.off + 4]! << 16) | (this.buf[this.off + 5]! << 8) | this.buf[this.off + 6]!; }

  check(): string | null {
    return this.tooShort('VXLAN header', VXLAN_HEADER_LEN);
  }

  toRecord(frameOffset: number): VxlanRecord {
    return { type: 'vxlan', flags: this.flags, vni: this.vni, offset: frameOffset };
  }
}
