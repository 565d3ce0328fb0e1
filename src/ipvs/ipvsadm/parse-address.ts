/** ipvsadm address arguments: `a.b.c.d[:port]`, `[v6][:port]`, `name[:service]`. */

/** The few service names ipvsadm listings without -n commonly show (getservbyname). */
const SERVICE_PORTS: Readonly<Record<string, number>> = {
  ftp: 21, ssh: 22, telnet: 23, smtp: 25, domain: 53, http: 80, pop3: 110, imap: 143,
  https: 443, imaps: 993, pop3s: 995, mysql: 3306, 'http-alt': 8080,
};

export interface HostPort {
  readonly host: string;
  /** null when the text carries no port. */
  readonly port: number | null;
  readonly ipv6: boolean;
}

export function parseHostPort(text: string): HostPort | null {
  if (text.startsWith('[')) {
    const end = text.indexOf(']');
    if (end < 0) return null;
    const host = text.slice(1, end);
    const rest = text.slice(end + 1);
    if (rest === '') return { host, port: null, ipv6: true };
    if (!rest.startsWith(':')) return null;
    const port = parsePort(rest.slice(1));
    return port === null ? null : { host, port, ipv6: true };
  }
  const colons = text.split(':').length - 1;
  if (colons > 1) return { host: text, port: null, ipv6: true }; // bare IPv6 without port
  if (colons === 0) return text === '' ? null : { host: text, port: null, ipv6: false };
  const i = text.lastIndexOf(':');
  const port = parsePort(text.slice(i + 1));
  if (port === null || i === 0) return null;
  return { host: text.slice(0, i), port, ipv6: false };
}

export function parsePort(text: string): number | null {
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    return n <= 65535 ? n : null;
  }
  return SERVICE_PORTS[text] ?? null;
}
