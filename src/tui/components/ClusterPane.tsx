import { Box, Text } from 'ink';
import type { ClusterView, FindingView, Lang } from '../data/types.js';
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

/** `ipvsadm -Ln` and `-Lnc` as the director held them after the selected frame, then the findings. */
export function ClusterPane({ n, cluster, findings, finding, lang, width, height, colour }: ClusterPaneProps) {
  const w = WORDS[lang];
  const [pro, expire, state, source, virtual, destination] = w.connHead;
  const findingLines = Math.min(findings.length, Math.max(1, Math.floor(height / 3)));
  const top = height - 2 - (findingLines + 1);
  const head: { text: string; bold: boolean }[] = [{ text: w.listAt(n), bold: true }];
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
