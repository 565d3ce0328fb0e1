/**
 * The few libc functions replay calls, bound through the optional `koffi` FFI package: the packet
 * socket's calls, an allocation-free monotonic clock, and the scheduling calls that keep a paced
 * replay on time. Null when koffi is not installed or this is not Linux; every caller has a
 * fallback (libpcap through `cap`, process.hrtime, the default priority).
 */
import { createRequire } from 'node:module';

export interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  if_nametoindex(name: string): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  /** send(2) of the bytes at a raw address (an arena's address plus an offset): no Buffer per frame. */
  sendAddr(fd: number, addr: number, len: number, flags: number): number;
  sendmmsg(fd: number, msgs: Buffer, vlen: number, flags: number): number;
  close(fd: number): number;
  strerror(errnum: number): string;
  errno(): number;
  address(buf: Buffer): bigint;
  /** clock_gettime(2) into a struct timespec (4 int32: seconds low, high, nanoseconds, padding). */
  clock_gettime(clockId: number, ts: Uint32Array): number;
  /** sched_setscheduler(2) of the calling thread (pid 0); param holds struct sched_param. */
  sched_setscheduler(pid: number, policy: number, param: Int32Array): number;
  sched_getscheduler(pid: number): number;
  /** prctl(2) with integer arguments (PR_SET_TIMERSLACK and the like). */
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: number): number;
}

let cached: Libc | null | undefined;

/** libc through koffi, or null when koffi is not installed or this is not Linux. */
export function loadLibc(): Libc | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(decl: string): (...args: unknown[]) => unknown };
      errno(): number;
      address(v: unknown): bigint;
    };
    const lib = koffi.load('libc.so.6');
    const f = (decl: string) => lib.func(decl);
    const socket = f('int socket(int, int, int)');
    const bind = f('int bind(int, void *, uint32_t)');
    const setsockopt = f('int setsockopt(int, int, int, void *, uint32_t)');
    const ifIndex = f('unsigned int if_nametoindex(const char *)');
    const send = f('long send(int, void *, size_t, int)');
    // The same function with the buffer given as an address: a pointer and a 64-bit integer
    // travel in the same register on x86-64 and arm64.
    const sendAddr = f('long send(int, uint64_t, size_t, int)');
    const sendmmsg = f('int sendmmsg(int, void *, unsigned int, int)');
    const close = f('int close(int)');
    const strerror = f('const char *strerror(int)');
    const clockGettime = f('int clock_gettime(int, void *)');
    const setScheduler = f('int sched_setscheduler(int, int, void *)');
    const getScheduler = f('int sched_getscheduler(int)');
    // prctl is variadic; with integer arguments only, the fixed-argument call is the same on
    // x86-64 and arm64.
    const prctl = f('int prctl(int, unsigned long, unsigned long, unsigned long, unsigned long)');
    cached = {
      socket: (d, t, p) => socket(d, t, p) as number,
      bind: (fd, a, l) => bind(fd, a, l) as number,
      setsockopt: (fd, lv, n, v, l) => setsockopt(fd, lv, n, v, l) as number,
      if_nametoindex: (n) => ifIndex(n) as number,
      send: (fd, b, l, fl) => send(fd, b, l, fl) as number,
      sendAddr: (fd, a, l, fl) => sendAddr(fd, a, l, fl) as number,
      sendmmsg: (fd, m, n, fl) => sendmmsg(fd, m, n, fl) as number,
      close: (fd) => close(fd) as number,
      strerror: (e) => strerror(e) as string,
      errno: () => koffi.errno(),
      address: (b) => koffi.address(b),
      clock_gettime: (id, ts) => clockGettime(id, ts) as number,
      sched_setscheduler: (pid, policy, param) => setScheduler(pid, policy, param) as number,
      sched_getscheduler: (pid) => getScheduler(pid) as number,
      prctl: (o, a, b, c, d) => prctl(o, a, b, c, d) as number,
    };
  } catch {
    cached = null;
  }
  return cached;
}
