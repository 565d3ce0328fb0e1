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
  // A POST's body is read to its end before the answer (an upload: --post).
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': Buffer.byteLength(body), 'Connection': keep ? 'keep-alive' : 'close', 'X-Real-Server': ip + ':' + port });
    res.end(body);
  });
});
server.keepAliveTimeout = 0;
server.listen(Number(port), '0.0.0.0', () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * argv: port, name, ip, bind. A DNS server for the UDP lab: every A query is answered with the real
 * server's own address (TTL 0), so the answer names the server that got it. Prints "ready".
 * A DR/TUN real server binds the VIP: a UDP socket on 0.0.0.0 answers from the address the route
 * picks (the RIP), which the client does not expect.
 */
export const DNS_SERVER_JS = String.raw`
const dgram = require('node:dgram');
const [port, name, ip, bind] = process.argv.slice(1);
const sock = dgram.createSocket('udp4');
sock.on('message', (q, from) => {
  if (q.length < 12) return;
  let end = 12;
  while (end < q.length && q[end] !== 0) end += q[end] + 1;
  const question = q.subarray(12, end + 5);
  const head = Buffer.from([q[0], q[1], 0x84, 0x00, 0, 1, 0, 1, 0, 0, 0, 0]);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, ...ip.split('.').map(Number)]);
  sock.send(Buffer.concat([head, question, answer]), from.port, from.address);
});
sock.bind(Number(port), bind, () => process.stdout.write('ready\n'));
process.on('SIGTERM', () => process.exit(0));
`;

/**
 * Reads lines "host port timeoutMs localPort [hold|udp|idle:MS|post:BYTES]" from stdin; with hold the connection stays
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
// GET / on a connection that stays open for more.
function keepAliveGet(host) {
  return 'GET / HTTP/1.1\r\nHost: ' + host + '\r\nUser-Agent: lvscope-lab\r\nConnection: keep-alive\r\n\r\n';
}
// The first whole HTTP answer in buf (its length from Content-Length) and what follows it, or
// null while it is still arriving.
function httpAnswer(buf) {
  const head = buf.indexOf('\r\n\r\n');
  if (head < 0) return null;
  const len = Number((/content-length:\s*(\d+)/i.exec(buf.slice(0, head)) || [])[1] || 0);
  if (buf.length - head - 4 < len) return null;
  return { status: Number(buf.split(' ')[1]), body: buf.slice(head + 4, head + 4 + len), rest: buf.slice(head + 4 + len) };
}
function holdOpen(host, port, timeoutMs, localPort, finish) {
  const s = net.connect({ host, port: Number(port), localPort });
  let buf = '';
  const timer = setTimeout(() => { s.destroy(); finish({ ok: false, error: 'timeout after ' + timeoutMs + ' ms' }); }, Number(timeoutMs));
  s.setEncoding('utf8');
  s.on('connect', () => s.write(keepAliveGet(host)));
  s.on('data', (d) => {
    buf += d;
    const a = httpAnswer(buf);
    if (a === null) return;
    clearTimeout(timer);
    held.push(s);
    finish({ ok: true, status: a.status, body: a.body });
  });
  s.on('error', (e) => { clearTimeout(timer); finish({ ok: false, error: String(e && e.message) }); });
}
let queryId = 0x4c56;
// One DNS query (A lvs.lab) from localPort, repeated each second until answered; the answer's
// address names the real server.
function udpQuery(host, port, timeoutMs, localPort, finish) {
  const sock = require('node:dgram').createSocket({ type: 'udp4', reuseAddr: true });
  const id = queryId++ & 0xffff;
  const q = Buffer.from([id >> 8, id & 255, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 108, 118, 115, 3, 108, 97, 98, 0, 0, 1, 0, 1]);
  // Like a resolver (resolv.conf "options timeout:1"): the same query again every second.
  let again = null;
  const end = (r) => { clearTimeout(timer); clearInterval(again); try { sock.close(); } catch {} finish(r); };
  const timer = setTimeout(() => end({ ok: false, error: 'timeout after ' + timeoutMs + ' ms' }), Number(timeoutMs));
  sock.on('message', (a) => {
    if (a.length < q.length + 16 || a[0] !== q[0] || a[1] !== q[1]) return;
    const ip = [...a.subarray(a.length - 4)].join('.');
    end({ ok: true, status: 0, body: 'DNS ' + ip + ':' + port + '\n' });
  });
  sock.on('error', (e) => end({ ok: false, error: String(e && e.message) }));
  sock.bind(localPort, () => {
    sock.send(q, Number(port), host);
    again = setInterval(() => sock.send(q, Number(port), host), 1000);
  });
}
// One request, idleMs of silence on the open connection, then a second request on it: the second
// answer (or the reset that meets it) is the result.
function idleTwice(host, port, timeoutMs, localPort, idleMs, finish) {
  const s = net.connect({ host, port: Number(port), localPort });
  let buf = '';
  let answers = 0;
  let timer = setTimeout(() => { s.destroy(); finish({ ok: false, error: 'timeout after ' + timeoutMs + ' ms' }); }, Number(timeoutMs));
  const get = () => s.write(keepAliveGet(host));
  s.setEncoding('utf8');
  s.on('connect', get);
  s.on('data', (d) => {
    buf += d;
    const a = httpAnswer(buf);
    if (a === null) return;
    buf = a.rest;
    clearTimeout(timer);
    if (++answers === 2) { s.end(); return finish({ ok: true, status: 200, body: a.body }); }
    setTimeout(() => { timer = setTimeout(() => { s.destroy(); finish({ ok: false, error: 'no answer after the idle time' }); }, Number(timeoutMs)); get(); }, idleMs);
  });
  s.on('error', (e) => { clearTimeout(timer); finish({ ok: false, error: (answers === 1 ? 'after ' + idleMs + ' ms idle: ' : '') + String(e && e.message) }); });
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
      const a = httpAnswer(buf);
      if (a !== null) settle({ ok: true, status: a.status, body: a.body });
    });
    s.on('error', (e) => settle({ ok: false, error: String(e && e.message) }));
    s.on('close', () => settle({ ok: false, error: 'connection closed' }));
    s.write(keepAliveGet('lvscope-lab'));
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
  if (mode === 'udp') return udpQuery(host, port, timeoutMs, localPort, finish);
  if (mode && mode.startsWith('idle:')) return idleTwice(host, port, timeoutMs, localPort, Number(mode.slice(5)), finish);
  // post:N: an upload of N bytes (full-size segments, DF set as Linux TCP sets it).
  const upload = mode && mode.startsWith('post:') ? Buffer.alloc(Number(mode.slice(5)), 120) : null;
  const headers = { 'Connection': 'close', 'User-Agent': 'lvscope-lab' };
  if (upload) { headers['Content-Type'] = 'application/octet-stream'; headers['Content-Length'] = upload.length; }
  const req = http.request({ host, port: Number(port), path: '/', method: upload ? 'POST' : 'GET', agent: false,
    localPort, headers }, (res) => {
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
  req.end(upload ?? undefined);
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
