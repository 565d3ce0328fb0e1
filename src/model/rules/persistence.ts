/**
 * persistence-broken: a client moved to another real server where persistence should have kept it.
 */
import type { DoneFlow } from '../done-flow.js';
import type { FindingBook } from '../finding-book.js';
import { ipPort } from '../packet.js';
import type { RsState, ServiceState } from '../state.js';

/** Inferred: other clients stay pinned, this one switched (frame: the switching connection's first, if kept). */
export function clientSwitched(book: FindingBook, s: ServiceState, client: string, frame: number | null): void {
  book.addFrames('persistence-broken', `${s.key}|${client}`, frame !== null ? [frame] : [], { kind: 'switched', client, virtual: ipPort(s.vip, s.port) });
}

/** From the rules: a client moved within the persistence timeout. */
export function movedWithinTimeout(book: FindingBook, virtual: string, prev: DoneFlow, c: DoneFlow, to: RsState, timeout: number): void {
  book.addFrames('persistence-broken', `${virtual}|${c.cip}`, [c.firstN], { kind: 'timeout', client: c.cip, from: prev.rs?.ip ?? '?', to: to.ip ?? '?', timeout, virtual });
}
