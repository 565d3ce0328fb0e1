/** pcap and pcapng reading and writing: file formats only, no protocol decoding. */
export { CaptureFormatError, systemErrorWords } from './errors.js';
export type { CaptureIssue, CaptureIssueCode, CaptureInterface, CaptureInfo, CapturedPacket, ByteSink } from './types.js';
export { CaptureReader, readAllPackets, detectCaptureFormat, type CaptureReaderOptions } from './reader.js';
export { fileSink, memorySink, OutputClosedError } from './sink.js';
export { prepareInputs, compressionOf, type CaptureInputs } from './input.js';
export { PcapWriter, DEFAULT_SNAPLEN, type PcapWriterOptions } from './pcap-writer.js';
export { PcapngWriter, type PcapngWriterOptions, type PcapngInterfaceOptions } from './pcapng-writer.js';
export { LinkType, LINKTYPE_MASK, linkTypeName, describeLinkType, type LinkTypeName } from './link-types.js';
export { MAX_CAPLEN } from './cursor.js';
export { MAX_ISSUES_PER_CODE } from './issues.js';
