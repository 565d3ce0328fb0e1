/**
 * The two small programs the lab runs inside its namespaces with `node -e`: a real server's web
 * server (answers with its name and address, like the tutorials' test pages) and a client that
 * fetches one page per line of stdin, each over a new TCP connection (Connection: close).
 */

/** argv: port, name, ip. Prints "ready" once listening. */
export const SERVER_JS = String.raw`
const http = require('node:http');
const [port, name, ip] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  const body = name + ' ' + ip + ':' + port + '\n';
  // A held connection (Connection: keep-alive) stays open until the client closes it.
  const keep = String(req.headers.connection).toLowerCase() === 'keep-alive';
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), 'Connection': keep ? 'keep-alive' : 'close', 'X-Real-Server': ip + ':' + port });
  res.end(body);
});
server.keepAliveTimeout = 0;
server.listen(Number(port), '0.0.0.0', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Reads lines "host port timeoutMs localPort [hold]" from stdin; with hold the connection stays
 * open after its answer, until a line "release" closes every held one (answer {"ok":true,"released":N});
 * a line "poke TIMEOUT_MS" sends one more GET on every held connection.
 * For each request, for each, one GET / and one JSON line on stdout:
 * {"ok":true,"localPort":N,"status":200,"body":"WEB1 192.168.23.80:80\n"} or {"ok":false,...}.
 */
export const CLIENT_JS = String.raw`
const http = require('node:http');
const net = require('node:net');
const readline = require('node:readline');
const rl = readline.createInterface({ input: process.stdin });
const queue = [];
const held = [];
let busy = false;
function release() {
  const n = held.length;
  let open = n;
  const done = () => { process.stdout.write(JSON.stringify({ ok: true, localPort: null, released: n }) + '\n'); busy = false; next(); };
  if (n === 0) return done();
  for (const s of held.splice(0)) {
    s.on('close', () => { if (--open === 0) done(); });
    s.end();
  }
}
function holdOpen(host, port, timeoutMs, localPort, finish) {
  const s = net.connect({ host, port: Number(port), localPort });
  let buf = '';
  const timer = setTimeout(() => { s.destroy(); finish({ ok: false, error: 'timeout after ' + timeoutMs + ' ms' }); }, Number(timeoutMs));
  s.setEncoding('utf8');
  s.on('connect', () => s.write('GET / HTTP/1.1\r\nHost: ' + host + '\r\nUser-Agent: lvscope-lab\r\nConnection: keep-alive\r\n\r\n'));
  s.on('data', (d) => {
    buf += d;
    const head = buf.indexOf('\r\n\r\n');
    if (head < 0) return;
    const len = Number((/content-length:\s*(\d+)/i.exec(buf.slice(0, head)) || [])[1] || 0);
    if (buf.length - head - 4 < len) return;
    clearTimeout(timer);
    held.push(s);
    finish({ ok: true, status: Number(buf.split(' ')[1]), body: buf.slice(head + 4, head + 4 + len) });
  });
  s.on('error', (e) => { clearTimeout(timer); finish({ ok: false, error: String(e && e.message) }); });
}
// One more GET on every held connection (after a failover: does it still reach its real
// server?). Answers {"ok":true,"poked":[{localPort,ok,status,body}|{localPort,ok:false,error}]};
// a connection that fails is closed and no longer held.
function poke(timeoutMs) {
  const list = held.slice();
  const out = [];
  let open = list.length;
  const done = () => { process.stdout.write(JSON.stringify({ ok: true, localPort: null, poked: out }) + '\n'); busy = false; next(); };
  if (open === 0) return done();
  for (const s of list) {
    const r = { localPort: s.localPort, ok: false };
    out.push(r);
    let buf = '';
    let settled = false;
    const settle = (fields) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      Object.assign(r, fields);
      if (!fields.ok) { const i = held.indexOf(s); if (i >= 0) held.splice(i, 1); s.destroy(); }
      if (--open === 0) done();
    };
    const timer = setTimeout(() => settle({ ok: false, error: 'timeout after ' + timeoutMs + ' ms' }), Number(timeoutMs));
    s.removeAllListeners('data');
    s.on('data', (d) => {
      buf += d;
      const head = buf.indexOf('\r\n\r\n');
      if (head < 0) return;
      const len = Number((/content-length:\s*(\d+)/i.exec(buf.slice(0, head)) || [])[1] || 0);
      if (buf.length - head - 4 < len) return;
      settle({ ok: true, status: Number(buf.split(' ')[1]), body: buf.slice(head + 4, head + 4 + len) });
    });
    s.on('error', (e) => settle({ ok: false, error: String(e && e.message) }));
    s.on('close', () => settle({ ok: false, error: 'connection closed' }));
    s.write('GET / HTTP/1.1\r\nHost: lvscope-lab\r\nUser-Agent: lvscope-lab\r\nConnection: keep-alive\r\n\r\n');
  }
}
function next() {
  if (busy || queue.length === 0) return;
  busy = true;
  const line = queue.shift();
  if (line === 'release') return release();
  if (line.startsWith('poke ')) return poke(line.split(' ')[1]);
  const [host, port, timeoutMs, lport, mode] = line.split(' ');
  const localPort = Number(lport);
  let done = false;
  const finish = (r) => { if (done) return; done = true; r.localPort = localPort; process.stdout.write(JSON.stringify(r) + '\n'); busy = false; next(); };
  if (mode === 'hold') return holdOpen(host, port, timeoutMs, localPort, finish);
  const req = http.request({ host, port: Number(port), path: '/', method: 'GET', agent: false,
    localPort, headers: { 'Connection': 'close', 'User-Agent': 'lvscope-lab' } }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { body += d; });
    res.on('end', () => finish({ ok: true, status: res.statusCode, body }));
    res.on('error', (e) => finish({ ok: false, error: String(e && e.message) }));
  });
  // req.setTimeout only arms once the socket connects; a SYN that is never answered (a
  // misconfigured cluster) would wait for the kernel's ~2 minute connect timeout. A plain timer
  // bounds the whole request.
  const timer = setTimeout(() => { req.destroy(new Error('timeout after ' + timeoutMs + ' ms')); }, Number(timeoutMs));
  req.on('close', () => clearTimeout(timer));
  req.on('error', (e) => finish({ ok: false, error: String(e && e.message) }));
  req.end();
}
rl.on('line', (l) => { if (l.trim() !== '') { queue.push(l.trim()); next(); } });
rl.on('close', () => { const wait = () => (busy || queue.length) ? setTimeout(wait, 10) : (held.forEach((s) => s.destroy()), process.exit(0)); wait(); });
`;

export interface ClientAnswer {
  readonly ok: boolean;
  readonly localPort: number | null;
  /** The answer to `poke`: one more GET on each held connection. */
  readonly poked?: readonly { readonly localPort: number; readonly ok: boolean; readonly body?: string; readonly error?: string }[];
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

/** "WEB1 192.168.23.80:80" → { name, ip, port }, or null for any other body. */
export function parseAnswer(body: string): { name: string; ip: string; port: number } | null {
  const m = /^(\S+) (\d+\.\d+\.\d+\.\d+):(\d+)\s*$/.exec(body);
  if (!m) return null;
  return { name: m[1] as string, ip: m[2] as string, port: Number(m[3]) };
}
