/**
 * The IPVS SCTP state machine (ip_vs_proto_sctp.c, 6.x): the states as seen from the real
 * server, named as /proc/net/ip_vs_conn and `ipvsadm -Lnc` print them, their timeouts, the event
 * each chunk type maps to, and the three transition tables (INPUT, OUTPUT, INPUT_ONLY).
 * Only ESTABLISHED counts as an active connection; entering it assures the persistence template.
 */
import type { TcpTableSet } from './tcp-states.js';

/** enum ip_vs_sctp_states order (include/net/ip_vs.h), with sctp_state_name_table's names. */
export const SCTP_STATES = [
  'NONE', 'INIT1', 'INIT', 'C-SENT', 'C-REPLIED', 'C-WAIT', 'COOKIE', 'C-ECHOED',
  'ESTABLISHED', 'S-SENT', 'S-RECEIVED', 'S-ACK-SENT', 'REJECTED', 'CLOSED',
] as const;
export type SctpState = (typeof SCTP_STATES)[number];

/** IP_VS_SCTP_MAX_RTO = (60 + 1) * HZ. */
const MAX_RTO = 61;

/** sctp_timeouts, seconds. */
export const SCTP_TIMEOUTS: Readonly<Record<SctpState, number>> = {
  NONE: 2,
  INIT1: 4,
  INIT: MAX_RTO,
  'C-SENT': MAX_RTO,
  'C-REPLIED': MAX_RTO,
  'C-WAIT': MAX_RTO,
  COOKIE: MAX_RTO,
  'C-ECHOED': MAX_RTO,
  ESTABLISHED: 15 * 60,
  'S-SENT': MAX_RTO,
  'S-RECEIVED': MAX_RTO,
  'S-ACK-SENT': MAX_RTO,
  REJECTED: 4,
  CLOSED: MAX_RTO,
};

/** SCTP chunk type ids (RFC 9260 §3.2) the state machine distinguishes. */
export const SCTP_CHUNK = {
  DATA: 0, INIT: 1, INIT_ACK: 2, SACK: 3, HEARTBEAT: 4, HEARTBEAT_ACK: 5, ABORT: 6, SHUTDOWN: 7,
  SHUTDOWN_ACK: 8, ERROR: 9, COOKIE_ECHO: 10, COOKIE_ACK: 11, ECNE: 12, CWR: 13, SHUTDOWN_COMPLETE: 14,
} as const;

/** enum ipvs_sctp_event_t: the table row a chunk selects. */
export type SctpEvent = 'data' | 'init' | 'init_ack' | 'cookie_echo' | 'cookie_ack' | 'shutdown'
  | 'shutdown_ack' | 'shutdown_complete' | 'error' | 'abort';

/** sctp_events[]: types past SHUTDOWN_COMPLETE (and unlisted ones) count as DATA. */
const EVENTS: readonly SctpEvent[] = [
  'data', 'init', 'init_ack', 'data', 'data', 'data', 'abort', 'shutdown',
  'shutdown_ack', 'error', 'cookie_echo', 'cookie_ack', 'data', 'data', 'shutdown_complete',
];

export function sctpEvent(chunkType: number): SctpEvent {
  return EVENTS[chunkType] ?? 'data';
}

/**
 * The chunk set_sctp_state acts on: the packet's first chunk, except that a COOKIE ECHO or
 * COOKIE ACK bundled with a following ABORT counts as the ABORT. `next` is the type of the chunk
 * after the first one, if the packet has one.
 */
export function sctpStateChunk(first: number, next?: number): number {
  if ((first === SCTP_CHUNK.COOKIE_ECHO || first === SCTP_CHUNK.COOKIE_ACK) && next === SCTP_CHUNK.ABORT) return next;
  return first;
}

// NONE is never a next state.
const sI1 = 'INIT1', sIN = 'INIT', sCS = 'C-SENT', sCR = 'C-REPLIED', sCW = 'C-WAIT',
  sCO = 'COOKIE', sCE = 'C-ECHOED', sES = 'ESTABLISHED', sSS = 'S-SENT', sSR = 'S-RECEIVED',
  sSA = 'S-ACK-SENT', sRJ = 'REJECTED', sCL = 'CLOSED';

type Row = readonly SctpState[];

/** sctp_states[direction][event][state]: columns in SCTP_STATES order. */
export const SCTP_TRANSITIONS: Readonly<Record<TcpTableSet, Readonly<Record<SctpEvent, Row>>>> = {
  INPUT: {
    //                 sNO  sI1  sIN  sCS  sCR  sCW  sCO  sCE  sES  sSS  sSR  sSA  sRJ  sCL
    data:              [sES, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    init:              [sI1, sIN, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sIN, sIN],
    init_ack:          [sCW, sCW, sCW, sCS, sCR, sCO, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_echo:       [sCR, sIN, sIN, sCR, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_ack:        [sES, sI1, sIN, sCS, sCR, sCW, sCO, sES, sES, sSS, sSR, sSA, sRJ, sCL],
    shutdown:          [sSR, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sSR, sSS, sSR, sSA, sRJ, sCL],
    shutdown_ack:      [sCL, sIN, sIN, sCS, sCR, sCW, sCO, sCE, sES, sCL, sSR, sCL, sRJ, sCL],
    shutdown_complete: [sCL, sCL, sCL, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sCL, sRJ, sCL],
    error:             [sCL, sI1, sIN, sCS, sCR, sCW, sCO, sCL, sES, sSS, sSR, sSA, sRJ, sCL],
    abort:             [sCL, sCL, sCL, sCL, sCL, sRJ, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  },
  OUTPUT: {
    data:              [sES, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    init:              [sCW, sCW, sCW, sCW, sCW, sCW, sCW, sCW, sES, sCW, sCW, sCW, sCW, sCW],
    init_ack:          [sCS, sCS, sCS, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_echo:       [sCE, sCE, sCE, sCE, sCE, sCE, sCE, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_ack:        [sES, sES, sES, sES, sES, sES, sES, sES, sES, sSS, sSR, sSA, sRJ, sCL],
    shutdown:          [sSS, sSS, sSS, sSS, sSS, sSS, sSS, sSS, sSS, sSS, sSR, sSA, sRJ, sCL],
    shutdown_ack:      [sSA, sSA, sSA, sSA, sSA, sCW, sCO, sCE, sES, sSA, sSA, sSA, sRJ, sCL],
    shutdown_complete: [sCL, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    error:             [sCL, sCL, sCL, sCL, sCL, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    abort:             [sCL, sRJ, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  },
  INPUT_ONLY: {
    data:              [sES, sI1, sIN, sCS, sCR, sES, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    init:              [sI1, sIN, sIN, sIN, sIN, sIN, sCO, sCE, sES, sSS, sSR, sSA, sIN, sIN],
    init_ack:          [sCE, sCE, sCE, sCE, sCE, sCE, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_echo:       [sES, sES, sES, sES, sES, sES, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    cookie_ack:        [sES, sI1, sIN, sES, sES, sCW, sES, sES, sES, sSS, sSR, sSA, sRJ, sCL],
    shutdown:          [sSR, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sSR, sSS, sSR, sSA, sRJ, sCL],
    shutdown_ack:      [sCL, sIN, sIN, sCS, sCR, sCW, sCO, sCE, sCL, sCL, sSR, sCL, sRJ, sCL],
    shutdown_complete: [sCL, sCL, sCL, sCL, sCL, sCW, sCO, sCE, sES, sSS, sCL, sCL, sRJ, sCL],
    error:             [sCL, sI1, sIN, sCS, sCR, sCW, sCO, sCE, sES, sSS, sSR, sSA, sRJ, sCL],
    abort:             [sCL, sCL, sCL, sCL, sCL, sRJ, sCL, sCL, sCL, sCL, sCL, sCL, sCL, sCL],
  },
};

export function nextSctpState(current: SctpState, set: TcpTableSet, chunkType: number): SctpState {
  return SCTP_TRANSITIONS[set][sctpEvent(chunkType)][SCTP_STATES.indexOf(current)] as SctpState;
}

export function isSctpState(state: string): state is SctpState {
  return (SCTP_STATES as readonly string[]).includes(state);
}
