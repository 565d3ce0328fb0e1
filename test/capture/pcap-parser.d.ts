// pcap-parser (devDependency, CommonJS) ships no types: the part the cross-check uses.
declare module 'pcap-parser' {
  import type { EventEmitter } from 'node:events';
  interface PcapParserPacket {
    header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
    data: Buffer;
  }
  const pcapParser: { parse(input: string | NodeJS.ReadableStream): EventEmitter };
  export default pcapParser;
  export type { PcapParserPacket };
}
