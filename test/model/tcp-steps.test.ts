import { describe, expect, it } from 'vitest';
import { isActiveTcpState, nextTcpState, TCP_STATES, TCP_TIMEOUTS, type TcpTableSet } from '../../src/ipvs/tcp-states.js';
import { ACK, FIN, RST, SYN } from '../../src/model/packet.js';
import { SET_INPUT, SET_INPUT_ONLY, SET_OUTPUT, tcpStepAt } from '../../src/model/tcp-steps.js';

describe('tcpStepAt', () => {
  it('is the kernel state machine, cell by cell, with the next state\'s index kept beside it', () => {
    const sets: [number, TcpTableSet][] = [[SET_INPUT, 'INPUT'], [SET_OUTPUT, 'OUTPUT'], [SET_INPUT_ONLY, 'INPUT_ONLY']];
    for (const [set, name] of sets) {
      for (let bits = 0; bits < 0x20; bits++) {
        const flags = { syn: (bits & SYN) !== 0, ack: (bits & ACK) !== 0, fin: (bits & FIN) !== 0, rst: (bits & RST) !== 0 };
        TCP_STATES.forEach((state, i) => {
          const step = tcpStepAt(i, set, bits);
          const next = nextTcpState(state, name, flags);
          expect(step.next).toBe(next);
          expect(TCP_STATES[step.nextIndex]).toBe(next);
          expect(step.timeout).toBe(TCP_TIMEOUTS[next]);
          expect(step.active).toBe(isActiveTcpState(next));
        });
      }
    }
  });
});
