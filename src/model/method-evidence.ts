/**
 * How each forwarding method shows in a capture: the counts the engine keeps per service decide
 * the method (`methodOf`); the same counts, put in words (src/ipvs/methods.ts), are the report's evidence.
 */
import { methodEvidenceText } from '../ipvs/methods.js';
import type { ForwardingMethod } from '../ipvs/report.js';
import { tunEvidence, type ServiceState } from './state.js';

export function methodOf(s: ServiceState): ForwardingMethod {
  const nat = s.nat + s.natReply + s.natInside;
  const dr = s.dr + s.dsrOpt + s.drSplit + s.drAtRs;
  const tun = tunEvidence(s);
  const best = Math.max(dr, nat, tun, s.fullnat);
  if (best === 0) return 'unknown';
  if (s.fullnat === best) return 'fullnat';
  if (tun === best) return 'tun';
  if (dr === best) return 'dr';
  return 'nat';
}

/** The report's evidence for the method: the method table's sentences, in English. */
export function methodEvidence(s: ServiceState, method: ForwardingMethod): string[] {
  return methodEvidenceText(s, method, 'en');
}
