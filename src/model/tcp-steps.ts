/**
 * The IPVS TCP state machine (src/ipvs/tcp-states.ts) as one precomputed table, for the engine's
 * per-packet transition: indexed by table set, TCP flag bits and current state, each cell holds
 * the next state with its timeout and whether it counts as active. Built from nextTcpState, so it
 * is the same machine; a lookup is an index instead of flag objects and keyed records.
 */
import {
  isActiveTcpState, nextTcpState, TCP_STATES, TCP_TIMEOUTS, type TcpState, type TcpTableSet,
} from '../ipvs/tcp-states.js';
import { ACK, FIN, RST, SYN } from './packet.js';

export interface TcpStep {
  readonly next: TcpState;
  /** `next`'s index in TCP_STATES, for `tcpStepAt`. */
  readonly nextIndex: number;
  readonly active: boolean;
  readonly timeout: number;
}

export const SET_INPUT = 0;
export const SET_OUTPUT = 1;
export const SET_INPUT_ONLY = 2;
const SETS: readonly TcpTableSet[] = ['INPUT', 'OUTPUT', 'INPUT_ONLY'];
const FLAG_MASK = SYN | ACK | FIN | RST;
const N_STATES = TCP_STATES.length;
const STATE_INDEX = new Map<string, number>(TCP_STATES.map((s, i) => [s, i]));

const TABLE: TcpStep[] = [];
for (let set = 0; set < SETS.length; set++) {
  for (let bits = 0; bits <= FLAG_MASK; bits++) {
    const flags = { syn: (bits & SYN) !== 0, ack: (bits & ACK) !== 0, fin: (bits & FIN) !== 0, rst: (bits & RST) !== 0 };
    for (const state of TCP_STATES) {
      const next = nextTcpState(state, SETS[set]!, flags);
      TABLE.push({ next, nextIndex: STATE_INDEX.get(next)!, active: isActiveTcpState(next), timeout: TCP_TIMEOUTS[next] });
    }
  }
}

/**
 * What `set` (SET_INPUT, SET_OUTPUT, SET_INPUT_ONLY) does to a connection in the state with index
 * `stateIndex` in TCP_STATES for a segment with TCP flag bits `flags`. By index: a connection entry
 * keeps it (Flow.stateIndex), so no lookup by name per packet.
 */
export function tcpStepAt(stateIndex: number, set: number, flags: number): TcpStep {
  return TABLE[(set * (FLAG_MASK + 1) + (flags & FLAG_MASK)) * N_STATES + stateIndex]!;
}
