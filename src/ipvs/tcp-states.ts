/**
 * The IPVS TCP state machine (ip_vs_proto_tcp.c, 6.x): state names as /proc/net/ip_vs_conn and
 * `ipvsadm -Lnc` print them, default timeouts, the active/inactive split, and the three
 * transition tables (INPUT, OUTPUT, INPUT_ONLY) of the default (non secure_tcp) set.
 */

export const TCP_STATES = [
  'NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT',
  'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK',
] as const;
export type TcpState = (typeof TCP_STATES)[number];

/** tcp_timeouts, seconds. */
export const TCP_TIMEOUTS: Readonly<Record<TcpState, number>> = {
  NONE: 2,
  ESTABLISHED: 15 * 60,
  SYN_SENT: 2 * 60,
  SYN_RECV: 60,
  FIN_WAIT: 2 * 60,
  TIME_WAIT: 2 * 60,
  CLOSE: 10,
  CLOSE_WAIT: 60,
  LAST_ACK: 30,
  LISTEN: 2 * 60,
  SYNACK: 120,
};

/** udp_timeouts: the single UDP state "UDP" (IP_VS_UDP_S_NORMAL). */
export const UDP_STATE = 'UDP';
export const UDP_TIMEOUT = 5 * 60;

/** ip_vs_conn_new sets 3 s before the first transition replaces it. */
export const NEW_CONN_TIMEOUT = 3;

/**
 * tcp_state_active_table (since 4.8, commit be2cef49904b): pre-established states count as
 * active. Before 4.8 only ESTABLISHED did; pass `legacy = true` for that.
 */
export function isActiveTcpState(state: TcpState, legacy = false): boolean {
  if (legacy) return state === 'ESTABLISHED';
  return state === 'ESTABLISHED' || state === 'SYN_SENT' || state === 'SYN_RECV' || state === 'SYNACK';
}

export type TcpTableSet = 'INPUT' | 'OUTPUT' | 'INPUT_ONLY';

/** Which row a segment uses (tcp_state_idx): RST first, then SYN, FIN, ACK; none of them -> -1. */
export type TcpFlagRow = 'syn' | 'fin' | 'ack' | 'rst';

export interface TcpFlags {
  readonly syn?: boolean;
  readonly ack?: boolean;
  readonly fin?: boolean;
  readonly rst?: boolean;
}

export function tcpFlagRow(flags: TcpFlags): TcpFlagRow | null {
  if (flags.rst) return 'rst';
  if (flags.syn) return 'syn';
  if (flags.fin) return 'fin';
  if (flags.ack) return 'ack';
  return null;
}

// Short names as in the kernel table (NONE and SYNACK never appear as a next state here).
const sES = 'ESTABLISHED', sSS = 'SYN_SENT', sSR = 'SYN_RECV', sFW = 'FIN_WAIT',
  sTW = 'TIME_WAIT', sCL = 'CLOSE', sCW = 'CLOSE_WAIT', sLA = 'LAST_ACK', sLI = 'LISTEN';

type Row = readonly [TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState, TcpState];

/** tcp_states[]: columns are the current state in TCP_STATES order, cells the next state. */
export const TCP_TRANSITIONS: Readonly<Record<TcpTableSet, Readonly<Record<TcpFlagRow, Row>>>> = {
  INPUT: {
    //     sNO  sES  sSS  sSR  sFW  sTW  sCL  sCW  sLA  sLI  sSA
    syn: [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
    fin: [sCL, sCW, sSS, sTW, sTW, sTW, sCL, sCW, sLA, sLI, sTW],
    ack: [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
    rst: [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sSR],
  },
  OUTPUT: {
    syn: [sSS, sES, sSS, sSR, sSS, sSS, sSS, sSS, sSS, sLI, sSR],
    fin: [sTW, sFW, sSS, sTW, sFW, sTW, sCL, sTW, sLA, sLI, sTW],
    ack: [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sLA, sES, sES],
    rst: [sCL, sCL, sSS, sCL, sCL, sTW, sCL, sCL, sCL, sCL, sCL],
  },
  INPUT_ONLY: {
    syn: [sSR, sES, sES, sSR, sSR, sSR, sSR, sSR, sSR, sSR, sSR],
    fin: [sCL, sFW, sSS, sTW, sFW, sTW, sCL, sCW, sLA, sLI, sTW],
    ack: [sES, sES, sSS, sES, sFW, sTW, sCL, sCW, sCL, sLI, sES],
    rst: [sCL, sCL, sCL, sSR, sCL, sCL, sCL, sCL, sLA, sLI, sCL],
  },
};

/** Next state for a segment; a segment with none of RST/SYN/FIN/ACK goes to CLOSE (set_tcp_state). */
export function nextTcpState(current: TcpState, set: TcpTableSet, flags: TcpFlags): TcpState {
  const row = tcpFlagRow(flags);
  if (row === null) return 'CLOSE';
  return TCP_TRANSITIONS[set][row][TCP_STATES.indexOf(current)] as TcpState;
}

/** `ipvsadm -L --timeout`: `Timeout (tcp tcpfin udp): 900 120 300`. */
export function formatTimeouts(t: { tcp: number; tcpfin: number; udp: number } = {
  tcp: TCP_TIMEOUTS.ESTABLISHED, tcpfin: TCP_TIMEOUTS.FIN_WAIT, udp: UDP_TIMEOUT,
}): string {
  return `Timeout (tcp tcpfin udp): ${t.tcp} ${t.tcpfin} ${t.udp}\n`;
}
