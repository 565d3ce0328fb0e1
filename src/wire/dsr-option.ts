/**
 * The IPv4 option a DSR balancer can carry the service address in (Cilium's `dsr-dispatch=opt`):
 * type 0x9a (copied on fragmentation, class 0, number 26), length 8, then the service port and
 * address. The balancer sends the client's packet to the backend's own address and port with it;
 * the backend reads it and answers the client directly from the service address.
 */
export const DSR_IPV4_OPTION = 0x9a;
const DSR_IPV4_OPTION_LEN = 8;

/** The service address in `options` (an IPv4 header's options as lower-case hex), or null. */
export function dsrServiceOption(options: string): { readonly addr: string; readonly port: number } | null {
  const byte = (i: number): number => Number.parseInt(options.slice(i * 2, i * 2 + 2), 16);
  const n = options.length / 2;
  let i = 0;
  while (i < n) {
    const type = byte(i);
    if (type === 0) return null; // end of options
    if (type === 1) { i++; continue; } // no-operation
    const len = i + 1 < n ? byte(i + 1) : 0;
    if (len < 2 || i + len > n) return null;
    if (type === DSR_IPV4_OPTION && len === DSR_IPV4_OPTION_LEN) {
      return { port: (byte(i + 2) << 8) | byte(i + 3), addr: `${byte(i + 4)}.${byte(i + 5)}.${byte(i + 6)}.${byte(i + 7)}` };
    }
    i += len;
  }
  return null;
}
