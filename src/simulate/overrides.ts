/** Command-line overrides of a scenario's IPVS rules (--scheduler, --weights, --persistence, --tun-*). */
import type { DestSpec, ServiceSpec } from '../ipvs/ipvsadm/model.js';
import { isSchedulerName } from '../ipvs/schedulers/index.js';

export interface RuleOverrides {
  readonly scheduler?: string;
  /** Weights in the order the dests were added (the order `ipvsadm -S` lists them). */
  readonly weights?: readonly number[];
  readonly persistence?: number;
  /** Tunnel of every TUN real server (ipvsadm --tun-type, --tun-port, --tun-csum). */
  readonly tunType?: 'ipip' | 'gue' | 'gre';
  readonly tunPort?: number;
  readonly tunCsum?: boolean;
}

/** A GUE port when none is given: IPVS has no default; 6080 is the one the fou examples use. */
export const DEFAULT_GUE_PORT = 6080;

export function adjustRules(o: RuleOverrides): ((specs: ServiceSpec[]) => ServiceSpec[]) | undefined {
  if (o.scheduler === undefined && o.weights === undefined && o.persistence === undefined && o.tunType === undefined && o.tunPort === undefined && o.tunCsum === undefined) return undefined;
  if (o.scheduler !== undefined && !isSchedulerName(o.scheduler)) throw new Error(`unknown scheduler ${JSON.stringify(o.scheduler)}`);
  return (specs) => specs.map((s) => ({
    ...s,
    scheduler: o.scheduler ?? s.scheduler,
    persistence: o.persistence !== undefined ? (o.persistence > 0 ? o.persistence : null) : s.persistence,
    dests: s.dests.map((d, i): DestSpec => ({ ...(d.forward === 'tun' ? tunnel(d, o) : d), weight: o.weights?.[i] ?? d.weight })),
  }));
}

function tunnel(d: DestSpec, o: RuleOverrides): DestSpec {
  const type = o.tunType ?? d.tunType ?? 'ipip';
  const port = type === 'gue' ? o.tunPort ?? d.tunPort ?? DEFAULT_GUE_PORT : undefined;
  const csum = type !== 'ipip' && (o.tunCsum ?? d.tunCsum) === true;
  const { tunPort: _p, tunCsum: _c, ...rest } = d;
  return { ...rest, tunType: type, ...(port !== undefined ? { tunPort: port } : {}), ...(csum ? { tunCsum: true } : {}) };
}
