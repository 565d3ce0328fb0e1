/**
 * The applications that drive the simulated TCP (tcp.ts) through its callbacks: an HTTP client
 * and server, an SSH banner exchange, a bulk upload, a bare port-443 check and a server that
 * accepts and says nothing.
 */
import { MS } from './net.js';
import type { Sock, TcpApp } from './tcp.js';

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface HttpClientOptions {
  readonly host: string;
  readonly requests: number;
  readonly thinkNs: number;
  readonly requestBytes: number;
  readonly close: 'client' | 'server';
  readonly userAgent: string;
  readonly onDone: () => void;
}

/** curl-like: GET (or POST) each request, read the response by Content-Length, then close. */
export function httpClient(o: HttpClientOptions): TcpApp {
  let left = o.requests;
  let buf = '';
  let want = -1;
  const request = (s: Sock): void => {
    left--;
    const body = o.requestBytes > 0 ? 'x'.repeat(o.requestBytes) : '';
    const head = `${body.length > 0 ? 'POST /upload' : 'GET /'} HTTP/1.1\r\nHost: ${o.host}\r\nUser-Agent: ${o.userAgent}\r\nAccept: */*\r\n`
      + (body.length > 0 ? `Content-Length: ${body.length}\r\nContent-Type: application/octet-stream\r\n` : '') + '\r\n';
    buf = '';
    want = -1;
    s.send(enc.encode(head + body), `${s.host.name} sends the HTTP request${body.length > 0 ? ` with a ${body.length}-byte body` : ''}`);
  };
  return {
    // The application writes its request a few hundred microseconds after connect() returns.
    onEstablished(s) {
      const w = s.host.world;
      w.at(w.now + Math.round(s.host.rng.jitter(300_000, 0.3)), () => { if (s.state === 'ESTABLISHED') request(s); });
    },
    onData(s, data) {
      buf += dec.decode(data);
      if (want < 0) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const m = /Content-Length: (\d+)/i.exec(buf.slice(0, end));
        want = end + 4 + Number(m?.[1] ?? 0);
      }
      s.sendAck(`${s.host.name} acknowledges the response data`);
      if (buf.length < want) return;
      const w = s.host.world;
      if (left > 0) {
        w.at(w.now + o.thinkNs, () => { if (s.state === 'ESTABLISHED') request(s); });
      } else if (o.close === 'client') {
        w.at(w.now + 200_000, () => s.close(`${s.host.name} is done and closes (FIN)`));
      } else {
        o.onDone();
      }
    },
    onPeerClose(s) {
      s.close(`${s.host.name} closes its side too (FIN)`);
      o.onDone();
    },
    onReset() {
      o.onDone();
    },
  };
}

export interface HttpServerOptions {
  readonly page: string;
  readonly serviceNs: number;
  readonly close: 'client' | 'server';
  readonly keepAliveNs: number;
  readonly serverName: string;
}

/** Apache-like: quick ACK of the request, the page after the service time, keep-alive timeout. */
export function httpServer(o: HttpServerOptions): TcpApp {
  let buf = '';
  let idleTimer = 0;
  return {
    onEstablished() {},
    onData(s, data) {
      buf += dec.decode(data);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const m = /Content-Length: (\d+)/i.exec(buf.slice(0, end));
      if (buf.length < end + 4 + Number(m?.[1] ?? 0)) { s.sendAck(`${s.host.name} acknowledges part of the request`); return; }
      buf = '';
      s.sendAck(`${s.host.name} acknowledges the request`);
      const w = s.host.world;
      w.at(w.now + o.serviceNs, () => {
        if (s.state !== 'ESTABLISHED' && s.state !== 'CLOSE_WAIT') return;
        const body = o.page;
        const head = `HTTP/1.1 200 OK\r\nServer: ${o.serverName}\r\nContent-Length: ${enc.encode(body).length}\r\nContent-Type: text/html; charset=UTF-8\r\n`
          + (o.close === 'server' ? 'Keep-Alive: timeout=5, max=100\r\nConnection: Keep-Alive\r\n' : '') + '\r\n';
        s.send(enc.encode(head + body), `${s.host.name} sends the test page (HTTP 200)`);
        if (o.close === 'server') {
          const mine = ++idleTimer;
          w.at(w.now + o.keepAliveNs, () => {
            if (mine === idleTimer && s.state === 'ESTABLISHED') s.close(`${s.host.name}: keep-alive timeout, the server closes (FIN)`);
          });
        }
      });
    },
    onPeerClose(s) {
      s.close(`${s.host.name} closes its side too (FIN)`);
    },
  };
}

/** An SSH banner exchange: the server speaks first, the client answers and leaves. */
export function sshServer(): TcpApp {
  return {
    onEstablished(s) {
      const w = s.host.world;
      w.at(w.now + 2 * MS, () => s.send(enc.encode('SSH-2.0-OpenSSH_7.4\r\n'), `${s.host.name} sends its SSH banner`));
    },
    onData(s) { s.sendAck(`${s.host.name} acknowledges`); },
    onPeerClose(s) { s.close(`${s.host.name} closes its side too (FIN)`); },
  };
}

export function sshClient(onDone: () => void): TcpApp {
  return {
    onEstablished() {},
    onData(s) {
      s.send(enc.encode('SSH-2.0-OpenSSH_8.9\r\n'), `${s.host.name} answers with its SSH banner`);
      const w = s.host.world;
      w.at(w.now + 5 * MS, () => s.close(`${s.host.name} disconnects (FIN)`));
    },
    onPeerClose(s) { s.close(`${s.host.name} closes its side too (FIN)`); onDone(); },
    onReset() { onDone(); },
  };
}

/** A bulk upload (a backup job): requestBytes of raw data, then FIN. */
export function uploadClient(bytes: number, onDone: () => void): TcpApp {
  return {
    onEstablished(s) {
      const w = s.host.world;
      w.at(w.now + Math.round(s.host.rng.jitter(300_000, 0.3)), () => {
        const data = new Uint8Array(bytes);
        for (let i = 0; i < bytes; i++) data[i] = 0x61 + (i % 26);
        s.send(data, `${s.host.name} uploads ${bytes} bytes`);
        w.at(w.now + 200 * MS, () => s.close(`${s.host.name} has sent everything and closes (FIN)`));
      });
    },
    onData(s) { s.sendAck(`${s.host.name} acknowledges`); },
    onPeerClose(s) { s.close(`${s.host.name} closes its side too (FIN)`); onDone(); },
    onReset() { onDone(); },
  };
}

/** A TLS port check: connect, then close without a handshake (no TLS payload is modelled). */
export function probeClient(onDone: () => void): TcpApp {
  return {
    onEstablished(s) {
      const w = s.host.world;
      w.at(w.now + MS, () => s.close(`${s.host.name} closes the port-443 check (FIN)`));
    },
    onData(s) { s.sendAck(`${s.host.name} acknowledges`); },
    onPeerClose(s) { s.close(`${s.host.name} closes its side too (FIN)`); onDone(); },
    onReset() { onDone(); },
  };
}

export function quietServer(): TcpApp {
  return {
    onEstablished() {},
    onData(s) { s.sendAck(`${s.host.name} acknowledges`); },
    onPeerClose(s) { s.close(`${s.host.name} closes its side too (FIN)`); },
  };
}

