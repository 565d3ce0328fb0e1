/**
 * Word tables written once: each entry holds its English and its Chinese side by side, so a phrase
 * cannot be added, changed or dropped in one language and forgotten in the other. `byLang` turns
 * such a table into the one-language tables the renderers index with `W[lang]`.
 */
import type { Lang } from './labels.js';

/** One phrase in both languages. */
export interface Both {
  readonly en: string;
  readonly zh: string;
}

export type Words<T> = { readonly [K in keyof T]: T[K] extends Both ? string : Words<T[K]> };

function isBoth(v: unknown): v is Both {
  return typeof (v as Both).en === 'string' && typeof (v as Both).zh === 'string';
}

function pick<T extends object>(table: T, lang: Lang): Words<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(table)) out[k] = isBoth(v) ? v[lang] : pick(v as object, lang);
  return out as Words<T>;
}

export function byLang<T extends object>(table: T): Readonly<Record<Lang, Words<T>>> {
  return { en: pick(table, 'en'), zh: pick(table, 'zh') };
}
