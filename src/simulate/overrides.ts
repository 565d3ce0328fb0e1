/** Command-line overrides of a scenario's IPVS rules (--scheduler, --weights, --persistence). */
import type { DestSpec, ServiceSpec } from '../ipvs/ipvsadm/model.js';
import { isSchedulerName } from '../ipvs/schedulers/index.js';

export interface RuleOverrides {
  readonly scheduler?: string;
  /** Weights in the order the dests were added (the order `ipvsadm -S` lists them). */
  readonly weights?: readonly number[];
  readonly persistence?: number;
}

export function adjustRules(o: RuleOverrides): ((specs: ServiceSpec[]) => ServiceSpec[]) | undefined {
  if (o.scheduler === undefined && o.weights === undefined && o.persistence === undefined) return undefined;
  if (o.scheduler !== undefined && !isSchedulerName(o.scheduler)) throw new Error(`unknown scheduler ${JSON.stringify(o.scheduler)}`);
  return (specs) => specs.map((s) => ({
    ...s,
    scheduler: o.scheduler ?? s.scheduler,
    persistence: o.persistence !== undefined ? (o.persistence > 0 ? o.persistence : null) : s.persistence,
    dests: s.dests.map((d, i): DestSpec => ({ ...d, weight: o.weights?.[i] ?? d.weight })),
  }));
}
