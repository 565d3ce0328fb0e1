/**
 * persistence-broken: a client moved to another real server where persistence should have kept it.
 */
import type { DoneFlow } from '../done-flow.js';
import type { FindingBook } from '../finding-book.js';
import { ipPort } from '../packet.js';
import type { RsState, ServiceState } from '../state.js';

/** Inferred: other clients stay pinned, this one switched (frame: the switching connection's first, if kept). */
export function clientSwitched(book: FindingBook, s: ServiceState, client: string, frame: number | null): void {
  book.addFrames('persistence-broken', 'warning', `${s.key}|${client}`,
    `client ${client} switched real server while other clients stay pinned: persistence for ${ipPort(s.vip, s.port)} did not hold (template expired, or a quiesced/removed server)`, frame !== null ? [frame] : [],
    { kind: 'switched', client, virtual: ipPort(s.vip, s.port) });
}

/** From the rules: a client moved within the persistence timeout. */
export function movedWithinTimeout(book: FindingBook, virtual: string, prev: DoneFlow, c: DoneFlow, to: RsState, timeout: number): void {
  book.addFrames('persistence-broken', 'warning', `${virtual}|${c.cip}`,
    `client ${c.cip} moved from ${prev.rs?.ip} to ${to.ip} within the persistence timeout (${timeout} s) of ${virtual}`, [c.firstN],
    { kind: 'timeout', client: c.cip, from: prev.rs?.ip ?? '?', to: to.ip ?? '?', timeout, virtual });
}
