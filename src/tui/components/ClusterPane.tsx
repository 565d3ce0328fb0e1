import { Box, Text } from 'ink';
import type { ClusterView, FindingView, Lang, MasterAt } from '../data/types.js';
import { tint } from '../palette.js';
import { padEndCols, WORDS } from '../words.js';

export interface ClusterPaneProps {
  readonly n: number;
  readonly cluster: ClusterView;
  readonly findings: readonly FindingView[];
  readonly finding: number;
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

const SEVERITY = { error: 'red', warning: 'yellow', info: 'cyan' } as const;

export function connLine(c: ClusterView['conns'][number]): string {
  return `${c.protocol.padEnd(3)} ${c.expire.padEnd(6)} ${c.state.padEnd(11)} ${c.client.padEnd(18)} ${c.virtual.padEnd(18)} ${c.realServer}`;
}

/** Who was master of a VRID at the selected frame, or that nobody was. */
export function masterLine(m: MasterAt, lang: Lang): string {
  if (m.name === null) {
    return lang === 'zh' ? `VRID ${m.vrid}：没有 Master（${m.previous ?? '?'} 在帧 ${m.since} 之后停止通告）` : `VRID ${m.vrid}: no master (${m.previous ?? '?'} fell silent after frame ${m.since})`;
  }
  const was = m.previous !== null ? (lang === 'zh' ? `，接替 ${m.previous}` : `, after ${m.previous}`) : '';
  return lang === 'zh' ? `VRID ${m.vrid} 的 Master：${m.name}（自帧 ${m.since}${was}）` : `VRID ${m.vrid} master: ${m.name} (since frame ${m.since}${was})`;
}

/** `ipvsadm -Ln` and `-Lnc` as the director held them after the selected frame, then the findings. */
export function ClusterPane({ n, cluster, findings, finding, lang, width, height, colour }: ClusterPaneProps) {
  const w = WORDS[lang];
  const [pro, expire, state, source, virtual, destination] = w.connHead;
  const findingLines = Math.min(findings.length, Math.max(1, Math.floor(height / 3)));
  const top = height - 2 - (findingLines + 1);
  const head: { text: string; bold: boolean }[] = [];
  for (const m of cluster.masters ?? []) head.push({ text: masterLine(m, lang), bold: true });
  head.push({ text: w.listAt(n), bold: true });
  if (cluster.ipvsadm.length === 0) head.push({ text: w.noService, bold: false });
  for (const l of cluster.ipvsadm.slice(1)) head.push({ text: l, bold: false });
  head.push({ text: w.entries(cluster.conns.length), bold: true });
  head.push({ text: `${pro.padEnd(3)} ${expire.padEnd(6)} ${state.padEnd(11)} ${source.padEnd(18)} ${virtual.padEnd(18)} ${destination}`, bold: false });
  for (const c of cluster.conns) head.push({ text: connLine(c), bold: false });
  const shown = head.slice(0, Math.max(0, top));
  if (head.length > shown.length && shown.length > 0) shown[shown.length - 1] = { text: w.more(head.length - shown.length + 1), bold: false };
  const start = Math.max(0, Math.min(findings.length - findingLines, finding - Math.floor(findingLines / 2)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l, i) => <Text key={`c${i}`} bold={l.bold} wrap="truncate">{l.text}</Text>)}
      <Text bold wrap="truncate">{findings.length === 0 ? w.noFindings : w.findingsHead(findings.length)}</Text>
      {findings.slice(start, start + findingLines).map((f, i) => {
        const on = start + i === finding;
        return (
          <Text key={`f${start + i}`} wrap="truncate" inverse={on && colour}>
            <Text {...tint(colour, SEVERITY[f.severity])}>{`${on ? '>' : ' '} ${padEndCols(w.severity[f.severity], 7)} ${f.code}`}</Text>
            <Text>{` ${w.frames} ${f.frames.slice(0, 6).join(',')}${f.frames.length > 6 ? '…' : ''}${lang === 'zh' ? '：' : ': '}${f.message}`}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
