import { Box, Text } from 'ink';
import type { ClusterView, FindingView } from '../data/types.js';
import { tint } from '../palette.js';

export interface ClusterPaneProps {
  readonly n: number;
  readonly cluster: ClusterView;
  readonly findings: readonly FindingView[];
  readonly finding: number;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

const SEVERITY = { error: 'red', warning: 'yellow', info: 'cyan' } as const;

export function connLine(c: ClusterView['conns'][number]): string {
  return `${c.protocol.padEnd(3)} ${c.expire.padEnd(6)} ${c.state.padEnd(11)} ${c.client.padEnd(18)} ${c.virtual.padEnd(18)} ${c.realServer}`;
}

/** `ipvsadm -Ln` and `-Lnc` as the director held them after the selected frame, then the findings. */
export function ClusterPane({ n, cluster, findings, finding, width, height, colour }: ClusterPaneProps) {
  const findingLines = Math.min(findings.length, Math.max(1, Math.floor(height / 3)));
  const top = height - 2 - (findingLines + 1);
  const head: { text: string; bold: boolean }[] = [{ text: `ipvsadm -Ln, as of frame ${n}`, bold: true }];
  if (cluster.ipvsadm.length === 0) head.push({ text: '  (no virtual service inferred yet)', bold: false });
  for (const l of cluster.ipvsadm.slice(1)) head.push({ text: l, bold: false });
  head.push({ text: `ipvsadm -Lnc: ${cluster.conns.length} entr${cluster.conns.length === 1 ? 'y' : 'ies'}`, bold: true });
  head.push({ text: `${'pro'.padEnd(3)} ${'expire'.padEnd(6)} ${'state'.padEnd(11)} ${'source'.padEnd(18)} ${'virtual'.padEnd(18)} destination`, bold: false });
  for (const c of cluster.conns) head.push({ text: connLine(c), bold: false });
  const shown = head.slice(0, Math.max(0, top));
  if (head.length > shown.length && shown.length > 0) shown[shown.length - 1] = { text: `  … ${head.length - shown.length + 1} more`, bold: false };
  const start = Math.max(0, Math.min(findings.length - findingLines, finding - Math.floor(findingLines / 2)));
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((l, i) => <Text key={`c${i}`} bold={l.bold} wrap="truncate">{l.text}</Text>)}
      <Text bold wrap="truncate">{findings.length === 0 ? 'Findings: none' : `Findings: ${findings.length} (↑↓ choose, Enter jumps to the frame)`}</Text>
      {findings.slice(start, start + findingLines).map((f, i) => {
        const on = start + i === finding;
        return (
          <Text key={`f${start + i}`} wrap="truncate" inverse={on && colour}>
            <Text {...tint(colour, SEVERITY[f.severity])}>{`${on ? '>' : ' '} ${f.severity.padEnd(7)} ${f.code}`}</Text>
            <Text>{` frames ${f.frames.slice(0, 6).join(',')}${f.frames.length > 6 ? '…' : ''}: ${f.message}`}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
