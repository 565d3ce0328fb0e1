/** Link types the decoder understands (https://www.tcpdump.org/linktypes.html). */
export const LINKTYPE = {
  NULL: 0,
  ETHERNET: 1,
  RAW_BSD: 12,
  RAW_BSD14: 14,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  NFLOG: 239,
  LINUX_SLL2: 276,
} as const;

const NAMES: Readonly<Record<number, string>> = {
  0: 'NULL', 1: 'EN10MB', 12: 'RAW', 14: 'RAW', 101: 'RAW', 105: 'IEEE802_11', 108: 'LOOP', 113: 'LINUX_SLL',
  127: 'IEEE802_11_RADIOTAP', 228: 'IPV4', 229: 'IPV6', 239: 'NFLOG', 276: 'LINUX_SLL2',
};

export function linkTypeName(t: number): string {
  return NAMES[t] ?? `LINKTYPE ${t}`;
}

export function isSupportedLinkType(t: number): boolean {
  return t === 0 || t === 108 || t === 239 || t === 1 || t === 12 || t === 14 || t === 101 || t === 113 || t === 228 || t === 229 || t === 276;
}
