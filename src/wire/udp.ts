/** UDP (RFC 768): named with its basic fields so the model can mention it. */
import type { UdpRecord } from './records.js';
import { HeaderView } from './view.js';

export const UDP_HEADER_LEN = 8;

export class UdpView extends HeaderView {
  check(): string | null {
    return this.tooShort('UDP header', UDP_HEADER_LEN);
  }

  get srcPort(): number { return this.u16(0); }
  get dstPort(): number { return this.u16(2); }
  get length(): number { return this.u16(4); }
  get checksum(): number { return this.u16(6); }

  toRecord(frameOffset: number, payloadLength: number, checksumOk: boolean | null): UdpRecord {
    return {
      type: 'udp', srcPort: this.srcPort, dstPort: this.dstPort, length: this.length, checksum: this.checksum,
      checksumOk, payloadLength, offset: frameOffset,
    };
  }
}
