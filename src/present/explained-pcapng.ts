/**
 * An explained copy of a capture as pcapng: every frame byte for byte on its own interface
 * (link type, snaplen, name and timestamp resolution kept), with lvscope's explanation as the
 * packet's comment after any comment it already had, and the cluster report in the section header.
 */
import { PcapngWriter, type ByteSink, type CaptureInterface, type PcapngInterfaceOptions } from '../capture/index.js';
import type { SourcedFrame } from '../decode/index.js';

export class ExplainedPcapngWriter {
  private readonly writer: PcapngWriter;
  /** Per input file: input interface index → output interface index. */
  private readonly ifaceMap: number[][] = [];

  constructor(sink: ByteSink, sectionComment: readonly string[]) {
    this.writer = new PcapngWriter(sink, { sectionComment });
  }

  /**
   * `interfaces` are the frame's file's interfaces as read so far; all of them that are new are
   * declared before the frame, in their order, so one file's interface numbers stay as they were.
   */
  write(frame: SourcedFrame, bytes: Uint8Array, interfaces: readonly CaptureInterface[], explanation: string): void {
    const map = (this.ifaceMap[frame.file] ??= []);
    if (map[frame.iface] === undefined) {
      for (let i = map.length; i < interfaces.length; i++) map.push(this.writer.addInterface(interfaceOptions(interfaces[i]!)));
    }
    const out = map[frame.iface] ?? this.writer.addInterface({ linkType: frame.linkType, snaplen: 0 });
    map[frame.iface] ??= out;
    const comments = frame.comment === undefined || frame.comment === null ? [explanation] : [frame.comment, explanation];
    this.writer.writePacket(out, bytes, frame.tsSec, frame.tsNsec, { origLen: frame.len, comments });
  }

  close(): void {
    this.writer.close();
  }
}

function interfaceOptions(i: CaptureInterface): PcapngInterfaceOptions {
  return {
    linkType: i.linkType,
    snaplen: i.snaplen,
    tsResolution: i.tsResolution,
    ...(i.name !== null ? { name: i.name } : {}),
    ...(i.description !== null ? { description: i.description } : {}),
  };
}
