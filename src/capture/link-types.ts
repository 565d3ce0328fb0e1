/**
 * LINKTYPE_* numbers as written in pcap file headers and pcapng IDBs (tcpdump.org/linktypes.html).
 * The capture layer only names them (for messages); `decode` decides which it understands.
 */
export const LinkType = {
  NULL: 0,
  ETHERNET: 1,
  IEEE802_5: 6,
  PPP: 9,
  FDDI: 10,
  RAW: 101,
  PPP_HDLC: 50,
  PPP_ETHER: 51,
  C_HDLC: 104,
  IEEE802_11: 105,
  FRELAY: 107,
  LOOP: 108,
  LINUX_SLL: 113,
  LTALK: 114,
  PFLOG: 117,
  IEEE802_11_PRISM: 119,
  IP_OVER_FC: 122,
  SUNATM: 123,
  IEEE802_11_RADIOTAP: 127,
  ARCNET_LINUX: 129,
  APPLE_IP_OVER_IEEE1394: 138,
  MTP2_WITH_PHDR: 139,
  USER0: 147,
  IEEE802_11_AVS: 163,
  BACNET_MS_TP: 165,
  PPP_PPPD: 166,
  GPRS_LLC: 169,
  LINUX_LAPD: 177,
  BLUETOOTH_HCI_H4: 187,
  USB_LINUX: 189,
  PPI: 192,
  IEEE802_15_4: 195,
  ERF: 197,
  BLUETOOTH_HCI_H4_WITH_PHDR: 201,
  IEEE802_15_4_NOFCS: 230,
  IPV4: 228,
  IPV6: 229,
  DBUS: 231,
  NETLINK: 253,
  USB_LINUX_MMAPPED: 220,
  NFLOG: 239,
  NETANALYZER: 240,
  IPNET: 226,
  CAN_SOCKETCAN: 227,
  MPEG_2_TS: 243,
  NG40: 244,
  INFINIBAND: 247,
  SCTP: 248,
  USBPCAP: 249,
  RTAC_SERIAL: 250,
  BLUETOOTH_LE_LL: 251,
  WIRESHARK_UPPER_PDU: 252,
  LINUX_SLL2: 276,
  DSA_TAG_DSA: 284,
  ETW: 290,
} as const;

export type LinkTypeName = keyof typeof LinkType;

const NAMES = new Map<number, LinkTypeName>(
  (Object.entries(LinkType) as Array<[LinkTypeName, number]>).map(([name, value]) => [value, name]),
);

/** Upper bits of the pcap header's link-type word carry the FCS length (pcap-savefile(5)). */
export const LINKTYPE_MASK = 0x0fffffff;

/** "ETHERNET", or null for a number this table does not know. */
export function linkTypeName(linkType: number): LinkTypeName | null {
  return NAMES.get(linkType) ?? null;
}

/** "LINKTYPE_ETHERNET (1)" or "link type 12345", for messages. */
export function describeLinkType(linkType: number): string {
  const name = NAMES.get(linkType);
  return name === undefined ? `link type ${linkType}` : `LINKTYPE_${name} (${linkType})`;
}
