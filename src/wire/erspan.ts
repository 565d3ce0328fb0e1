/**
 * ERSPAN: a switch's mirror of a port, sent in GRE to a remote analyzer (what an operator gets
 * when the capture comes from a SPAN session rather than a host). GRE protocol 0x88BE is type II
 * (an 8-byte header: version 1, VLAN, CoS, session id, index) or, without GRE's sequence number,
 * type I (no header at all); 0x22EB is type III (12 bytes: version 2, VLAN, CoS, session id,
 * timestamp, flags, and 8 more when the O flag says a platform subheader follows). The mirrored
 * Ethernet frame comes next.
 */
import type { ErspanRecord } from './records.js';
import { HeaderView } from './view.js';

export const GRE_PROTO_ERSPAN_II = 0x88be;
export const GRE_PROTO_ERSPAN_III = 0x22eb;

export class ErspanView extends HeaderView {
  /** Type I: GRE protocol 0x88BE without a sequence number, and no ERSPAN header at all. */
  private typeOne = false;

  /** `typeOne`: GRE protocol 0x88BE without a sequence number. */
  resetErspan(buf: Uint8Array, off: number, len: number, typeOne: boolean): this {
    this.typeOne = typeOne;
    return this.reset(buf, off, len);
  }

  /** The header's version field: 1 for type II, 2 for type III (0 for type I, which has none). */
  get version(): number { return this.typeOne ? 0 : this.buf[this.off]! >>> 4; }
  get vlan(): number { return this.typeOne ? 0 : this.u16(0) & 0x0fff; }
  get cos(): number { return this.typeOne ? 0 : this.buf[this.off + 2]! >>> 5; }
  get session(): number { return this.typeOne ? 0 : this.u16(2) & 0x03ff; }
  /** Type III's O flag: an 8-byte platform-specific subheader follows its 12 bytes. */
  private get subheader(): boolean { return this.version === 2 && (this.buf[this.off + 11]! & 0x01) !== 0; }
  get headerLen(): number { return this.typeOne ? 0 : this.version === 2 ? 12 + (this.subheader ? 8 : 0) : 8; }

  check(): readonly ['truncated' | 'bad-version', string] | null {
    if (this.typeOne) return null;
    const short = this.tooShort('ERSPAN header', 8);
    if (short !== null) return ['truncated', short];
    if (this.version !== 1 && this.version !== 2) return ['bad-version', `ERSPAN version ${this.version} (1 is type II, 2 type III)`];
    const whole = this.tooShort(`ERSPAN type ${this.version === 1 ? 'II' : 'III'} header`, this.headerLen);
    return whole === null ? null : ['truncated', whole];
  }

  toRecord(frameOffset: number): ErspanRecord {
    return { type: 'erspan', erspanType: this.typeOne ? 1 : this.version + 1, vlan: this.vlan, cos: this.cos, session: this.session, offset: frameOffset };
  }
}
