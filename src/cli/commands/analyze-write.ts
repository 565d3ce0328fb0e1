/**
 * `analyze -w OUT.pcapng`: the explanation pass written into an explained copy of the capture
 * (present/explained-pcapng) instead of the terminal.
 */
import { basename } from 'node:path';
import { fileSink } from '../../capture/index.js';
import { openRawFrames, type SourcedFrame } from '../../decode/index.js';
import type { Summary } from '../../model/index.js';
import { makeStyle } from '../../present/analyze-style.js';
import { ExplainedPcapngWriter } from '../../present/explained-pcapng.js';
import type { CommandIO } from '../command.js';
import { frameProgress } from '../progress.js';
import { captureError, explained, type AnalyzeArgs } from './analyze.js';
import { clusterSections } from './analyze-text.js';

/** Writes a.write; returns 0, or 2 (after saying why) when it cannot. */
export function writeExplained(a: AnalyzeArgs, summary: Summary, io: CommandIO, paths: readonly string[] = a.files): number {
  const out = a.write!;
  const head = a.lang === 'zh'
    ? `lvscope analyze ${a.files.map((f) => basename(f)).join(' ')}：每帧的注释是 lvscope 的说明`
    : `lvscope analyze ${a.files.map((f) => basename(f)).join(' ')}: each packet comment is lvscope's explanation of the frame`;
  const section = [head, ...clusterSections(summary, makeStyle(false), a.lang)];
  let sink;
  try {
    sink = fileSink(out, { overwrite: a.force });
  } catch (e) {
    io.stderr.write(`lvscope analyze: ${(e as Error).message}\n`);
    return 2;
  }
  const writer = new ExplainedPcapngWriter(sink, section);
  const progress = frameProgress(io, a.quiet, `writing ${out}`, Math.min(summary.report.capture.frames, a.limit));
  let raw;
  try {
    raw = openRawFrames(paths);
    for (const e of explained(a, summary, paths)) {
      const frame = e.frame as SourcedFrame;
      const bytes = raw.bytes(frame.file, frame.fileFrame);
      // The same files read the same way: a frame the first reader gave, the second gives too.
      if (bytes === null) throw new Error(`${a.files[frame.file]}: frame ${frame.fileFrame} could not be read again`);
      writer.write(frame, bytes, raw.interfaces(frame.file), e.explanation.text);
      progress.tick(frame.n);
    }
  } catch (e) {
    const msg = captureError(e) ?? (e as Error).message;
    io.stderr.write(`lvscope analyze: ${msg}\n`);
    return 2;
  } finally {
    progress.done();
    raw?.close();
    writer.close();
  }
  return 0;
}
