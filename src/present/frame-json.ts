/**
 * The ndjson form of a decoded frame (`lvscope decode --format ndjson`): the record's own field
 * names, `ts` as a nine-digit decimal string so no precision is lost in JSON numbers.
 */
import type { DecodedFrame } from '../wire/records.js';
import { formatEpochNs } from './time.js';

export function frameToJson(frame: DecodedFrame & { readonly file?: number }): string {
  const head = `{"n":${frame.n},"ts":"${formatEpochNs(frame.tsSec, frame.tsNsec)}","caplen":${frame.caplen},"len":${frame.len},"iface":${frame.iface},"linkType":${frame.linkType}`;
  const comment = frame.comment === undefined ? '' : `,"comment":${JSON.stringify(frame.comment)}`;
  return `${head},"layers":${JSON.stringify(frame.layers)},"issues":${JSON.stringify(frame.issues)}${comment}}`;
}
