/**
 * A lab truth file as `lab --truth` writes it (analyze's published JSON, schema/analyze-report,
 * plus the `lab` block), read back into the model's working form the tests compare with:
 * endpoints as "ip:port", the scheduler as {name, confidence, candidates with scores}.
 */
import { readFileSync } from 'node:fs';
import type { LabTruthFile } from '../../src/lab/truth.js';

interface Ep { readonly ip: string; readonly port: number | null }
interface PubScheduler { readonly name: string | null; readonly status: string; readonly confidence?: number; readonly scores?: readonly unknown[] }

const text = (e: Ep): string => (e.ip === '?' ? '?:?' : e.ip.includes(':') ? `[${e.ip}]:${e.port}` : `${e.ip}:${e.port}`);

export function readLabTruth(path: string): LabTruthFile {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown> & {
    services: (Record<string, unknown> & { scheduler: PubScheduler })[];
    connections: (Record<string, unknown> & { client: Ep; virtual: Ep; realServer: Ep | null })[];
  };
  return {
    ...doc,
    services: doc.services.map((s) => ({
      ...s,
      scheduler: { name: s.scheduler.status === 'inferred' ? s.scheduler.name : s.scheduler.status, confidence: s.scheduler.confidence ?? 0, candidates: s.scheduler.scores ?? [] },
    })),
    connections: doc.connections.map((c) => ({ ...c, client: text(c.client), virtual: text(c.virtual), realServer: c.realServer === null ? null : text(c.realServer) })),
  } as unknown as LabTruthFile;
}
