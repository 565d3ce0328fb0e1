/**
 * A tshark-style display filter, the subset people type most: `ip.addr==X`, `ip.src`, `ip.dst`,
 * `eth.addr`/`eth.src`/`eth.dst`, `tcp.port`/`udp.port` (and src/dst ports), `tcp.flags.syn` and
 * its siblings, `frame.number`, with `== != >= <= > <`, bare protocol names, `and or not && || !`
 * and parentheses. Any other bare word is one of the TUI's own filter words (WEB1, #2, client).
 * A parse error names the column where it failed, so the TUI can say so instead of matching nothing.
 */

export type Op = '==' | '!=' | '>=' | '<=' | '>' | '<';
export type Proto = 'arp' | 'ip' | 'ipv6' | 'tcp' | 'udp' | 'icmp' | 'eth';
export type Field =
  | 'ip.addr' | 'ip.src' | 'ip.dst' | 'eth.addr' | 'eth.src' | 'eth.dst'
  | 'tcp.port' | 'tcp.srcport' | 'tcp.dstport' | 'udp.port' | 'udp.srcport' | 'udp.dstport'
  | 'tcp.flags.syn' | 'tcp.flags.ack' | 'tcp.flags.fin' | 'tcp.flags.reset' | 'tcp.flags.push' | 'tcp.flags.urg'
  | 'frame.number';

export type FilterExpr =
  | { readonly kind: 'and' | 'or'; readonly a: FilterExpr; readonly b: FilterExpr }
  | { readonly kind: 'not'; readonly a: FilterExpr }
  | { readonly kind: 'proto'; readonly proto: Proto }
  | { readonly kind: 'has'; readonly field: Field }
  | { readonly kind: 'cmp'; readonly field: Field; readonly op: Op; readonly value: string }
  | { readonly kind: 'word'; readonly word: string };

export type FilterErrorCode = 'unknown-field' | 'expected-value' | 'expected-operand' | 'expected-close' | 'unexpected' | 'bad-value' | 'bad-op';

export interface FilterError {
  /** 0-based column in the filter text. */
  readonly at: number;
  readonly code: FilterErrorCode;
  readonly token: string;
}

export const FIELDS: ReadonlySet<string> = new Set<Field>([
  'ip.addr', 'ip.src', 'ip.dst', 'eth.addr', 'eth.src', 'eth.dst',
  'tcp.port', 'tcp.srcport', 'tcp.dstport', 'udp.port', 'udp.srcport', 'udp.dstport',
  'tcp.flags.syn', 'tcp.flags.ack', 'tcp.flags.fin', 'tcp.flags.reset', 'tcp.flags.push', 'tcp.flags.urg',
  'frame.number',
]);
const PROTOS: ReadonlySet<string> = new Set<Proto>(['arp', 'ip', 'ipv6', 'tcp', 'udp', 'icmp', 'eth']);
const ADDRESS_FIELDS: ReadonlySet<string> = new Set(['ip.addr', 'ip.src', 'ip.dst', 'eth.addr', 'eth.src', 'eth.dst']);

interface Token { readonly text: string; readonly at: number }

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    const two = s.slice(i, i + 2);
    if (['==', '!=', '>=', '<=', '&&', '||'].includes(two)) { out.push({ text: two, at: i }); i += 2; continue; }
    if ('()!<>'.includes(c)) { out.push({ text: c, at: i }); i++; continue; }
    const start = i;
    while (i < s.length && !' \t()!<>=&|'.includes(s[i]!)) i++;
    if (i === start) { out.push({ text: c, at: i }); i++; continue; }
    out.push({ text: s.slice(start, i), at: start });
  }
  return out;
}

/** True when `text` uses display-filter syntax; plain words keep the TUI's word filter. */
export function looksLikeDisplayFilter(text: string): boolean {
  return tokenize(text).some((t) => /^(==|!=|>=|<=|&&|\|\||[()!<>]|and|or|not)$/i.test(t.text)
    || PROTOS.has(t.text.toLowerCase()) || /^[a-z]+\.[a-z]/i.test(t.text));
}

const OPS: ReadonlySet<string> = new Set(['==', '!=', '>=', '<=', '>', '<', 'eq', 'ne', 'ge', 'le', 'gt', 'lt']);
const WORD_OP: Readonly<Record<string, Op>> = { eq: '==', ne: '!=', ge: '>=', le: '<=', gt: '>', lt: '<' };

export function parseDisplayFilter(text: string): { ok: true; expr: FilterExpr } | { ok: false; error: FilterError } {
  const toks = tokenize(text);
  let p = 0;
  const fail = (code: FilterErrorCode, t: Token | undefined): never => {
    throw { at: t?.at ?? text.length, code, token: t?.text ?? '' } satisfies FilterError;
  };
  const peek = (): string => toks[p]?.text.toLowerCase() ?? '';
  const or = (): FilterExpr => {
    let a = and();
    while (peek() === 'or' || peek() === '||') { p++; a = { kind: 'or', a, b: and() }; }
    return a;
  };
  const and = (): FilterExpr => {
    let a = unary();
    while (peek() === 'and' || peek() === '&&') { p++; a = { kind: 'and', a, b: unary() }; }
    return a;
  };
  const unary = (): FilterExpr => {
    if (peek() === 'not' || peek() === '!') { p++; return { kind: 'not', a: unary() }; }
    return atom();
  };
  const atom = (): FilterExpr => {
    const t = toks[p];
    if (t === undefined) return fail('expected-operand', t);
    if (t.text === '(') {
      p++;
      const e = or();
      if (peek() !== ')') fail('expected-close', toks[p]);
      p++;
      return e;
    }
    if (OPS.has(t.text) || t.text === ')' || ['and', 'or', '&&', '||'].includes(t.text.toLowerCase())) fail('expected-operand', t);
    p++;
    const name = t.text.toLowerCase();
    const opTok = toks[p];
    const isField = FIELDS.has(name);
    if (opTok !== undefined && OPS.has(opTok.text.toLowerCase())) {
      if (!isField) fail(/^[a-z]+\.[a-z]/.test(name) ? 'unknown-field' : 'unexpected', /^[a-z]+\.[a-z]/.test(name) ? t : opTok);
      const op = WORD_OP[opTok.text.toLowerCase()] ?? (opTok.text as Op);
      if (ADDRESS_FIELDS.has(name) && op !== '==' && op !== '!=') fail('bad-op', opTok);
      p++;
      const v = toks[p];
      if (v === undefined || OPS.has(v.text) || ['(', ')', '!', '&&', '||', 'and', 'or', 'not'].includes(v.text.toLowerCase())) return fail('expected-value', v);
      p++;
      if (!ADDRESS_FIELDS.has(name) && !/^(\d+|0x[0-9a-f]+|true|false)$/i.test(v.text)) fail('bad-value', v);
      return { kind: 'cmp', field: name as Field, op, value: v.text.toLowerCase() };
    }
    if (isField) return { kind: 'has', field: name as Field };
    if (PROTOS.has(name)) return { kind: 'proto', proto: name as Proto };
    if (/^[a-z]+\.[a-z]/.test(name) && !/^\d/.test(name)) fail('unknown-field', t);
    return { kind: 'word', word: name };
  };
  try {
    const expr = or();
    if (p < toks.length) fail('unexpected', toks[p]);
    return { ok: true, expr };
  } catch (e) {
    if (typeof e === 'object' && e !== null && 'code' in e) return { ok: false, error: e as FilterError };
    throw e;
  }
}

/** The value as a number (`1`, `0x12`, `true`). */
export function numberValue(v: string): number {
  if (v === 'true') return 1;
  if (v === 'false') return 0;
  return Number(v);
}

export function compare(x: number, op: Op, y: number): boolean {
  switch (op) {
    case '==': return x === y;
    case '!=': return x !== y;
    case '>=': return x >= y;
    case '<=': return x <= y;
    case '>': return x > y;
    case '<': return x < y;
  }
}

/** `192.168.23.0/24` or an exact address (IP or MAC) as a test on address text. */
export function addressTest(value: string): (addr: string) => boolean {
  const cidr = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(value);
  if (cidr !== null) {
    const bits = Number(cidr[5]);
    const mask = bits === 0 ? 0 : (~0 << (32 - bits)) >>> 0;
    const net = ipv4(value.split('/')[0]!);
    return (a) => { const x = ipv4(a); return x !== null && net !== null && ((x & mask) >>> 0) === ((net & mask) >>> 0); };
  }
  return (a) => a === value;
}

function ipv4(s: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (m === null) return null;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}
