// The mode-6 codec: header fields, padding, the MAC's place, fragmentation.
import { describe, expect, it } from 'vitest';
import * as control from '../../src/ntp/control';
import type { ControlMessage } from '../../src/ntp/control';
import { RequestCheck } from '../../src/ntp/control';
import { bytes, hex } from './fakes';
import { prng } from './ntp-bytes';

function message(fields: Partial<ControlMessage>): ControlMessage {
  const data = fields.data ?? '';
  return {
    leap: 0, version: 2, flags: 0, opcode: 2, sequence: 1, status: 0, associationId: 0, offset: 0,
    count: data.length, data, macOffset: -1, ...fields,
  };
}

describe('mode-6 codec', () => {
  it('decodes the READVAR request ntpq sends, byte by byte', () => {
    // VN=2 mode 6; opcode 2; sequence 0x1234; association 0x0102; count 7; "stratum" and one pad byte.
    const request = bytes('16 02 1234 0000 0102 0000 0007') + 'stratum' + '\0';
    const decoded = control.decode(request, 0)!;
    expect(decoded).toMatchObject({
      leap: 0, version: 2, flags: 0, opcode: 2, sequence: 0x1234, status: 0, associationId: 0x0102, offset: 0,
      count: 7, data: 'stratum', macOffset: -1,
    });
    expect(control.checkRequest(decoded, request.length)).toBe(RequestCheck.Ok);
  });

  it('encodes every header field in place and pads to 4 bytes with zeros', () => {
    const encoded = control.encode(message({
      leap: 3, version: 4, flags: control.RESPONSE_BIT | control.MORE_BIT, opcode: 1, sequence: 0xfedc,
      status: 0x0615, associationId: 0xabcd, offset: 468, data: 'abcde',
    }));
    expect(hex(encoded)).toBe('e6' + 'a1' + 'fedc' + '0615' + 'abcd' + '01d4' + '0005' + hex('abcde') + '000000');
  });

  it('round-trips random messages of every data length up to 500', () => {
    const random = prng(7);
    for (let length = 0; length <= 500; length++) {
      let data = '';
      for (let i = 0; i < length; i++) data += String.fromCharCode(Math.floor(random() * 256));
      const original = message({
        leap: Math.floor(random() * 4), version: 1 + Math.floor(random() * 4), flags: Math.floor(random() * 8) << 5,
        opcode: Math.floor(random() * 32), sequence: Math.floor(random() * 65536), status: Math.floor(random() * 65536),
        associationId: Math.floor(random() * 65536), offset: Math.floor(random() * 65536), data,
      });
      const encoded = control.encode(original);
      expect(encoded.length % 4).toBe(0);
      expect(encoded.length - control.CONTROL_HEADER_LENGTH - length).toBeLessThan(4);
      expect(encoded.substring(control.CONTROL_HEADER_LENGTH + length)).toMatch(/^\0*$/);
      expect(control.decode(encoded, 0)).toEqual(original);
    }
  });

  it('decodes at an offset', () => {
    const encoded = control.encode(message({ sequence: 9, data: 'rv' }));
    expect(control.decode('xyz' + encoded, 3)).toEqual(control.decode(encoded, 0));
  });

  it('finds a MAC only where ntpd looks: 8-aligned after the data, 20 to 68 bytes', () => {
    const body = control.encode(message({ data: 'stratum' })); // 19 bytes of header and data, padded to 20
    const aligned = body + control.padding(body.length, 8); // 24
    for (const macLength of [20, 24, 36, 68]) {
      expect(control.decode(aligned + 'k'.repeat(macLength), 0)!.macOffset).toBe(24);
    }
    for (const macLength of [0, 4, 16, 22, 72]) {
      expect(control.decode(aligned + 'k'.repeat(macLength), 0)!.macOffset).toBe(-1);
    }
  });

  it('drops what ntpd drops and calls malformed what it answers with a format error', () => {
    const good = control.encode(message({ data: 'a' }));
    const decode = (text: string) => control.decode(text, 0)!;
    expect(control.checkRequest(decode(good), good.length)).toBe(RequestCheck.Ok);
    for (const flags of [control.RESPONSE_BIT, control.ERROR_BIT, control.MORE_BIT]) {
      const text = control.encode(message({ flags, data: 'a' }));
      expect(control.checkRequest(decode(text), text.length)).toBe(RequestCheck.Drop);
    }
    for (const version of [0, 5, 7]) {
      const text = control.encode(message({ version, data: 'a' }));
      expect(control.checkRequest(decode(text), text.length)).toBe(RequestCheck.Drop);
    }
    const offset = control.encode(message({ offset: 4, data: 'a' }));
    expect(control.checkRequest(decode(offset), offset.length)).toBe(RequestCheck.Drop);
    // A count past the end, and a length that is not a multiple of 4.
    const long = good.substring(0, 10) + '\0\x40' + good.substring(12);
    expect(control.checkRequest(decode(long), long.length)).toBe(RequestCheck.BadFormat);
    const unpadded = good.substring(0, 13);
    expect(control.checkRequest(decode(unpadded), unpadded.length)).toBe(RequestCheck.BadFormat);
  });

  it('rejects what is not a whole mode-6 header', () => {
    expect(control.decode('', 0)).toBeNull();
    expect(control.decode(bytes('16 02 0001 0000 0000 0000 00'), 0)).toBeNull(); // 11 bytes
    expect(control.decode(bytes('23 02 0001 0000 0000 0000 0000'), 0)).toBeNull(); // mode 3
  });

  it('fragments at 468-byte boundaries with offsets, counts and the more bit', () => {
    const template = message({ flags: control.RESPONSE_BIT, sequence: 5, status: 0x1234, associationId: 7 });
    for (const length of [0, 1, 467, 468, 469, 935, 936, 937, 2000]) {
      let data = '';
      for (let i = 0; i < length; i++) data += String.fromCharCode(i & 255);
      const pieces = control.fragment(template, data, control.MAX_FRAGMENT_DATA);
      expect(pieces.length).toBe(Math.max(1, Math.ceil(length / 468)));
      let joined = '';
      pieces.forEach((piece, i) => {
        const last = i === pieces.length - 1;
        expect(piece.offset).toBe(joined.length);
        expect(piece.data.length).toBe(last ? length - 468 * i : 468);
        expect(piece.flags).toBe(control.RESPONSE_BIT | (last ? 0 : control.MORE_BIT));
        expect([piece.sequence, piece.status, piece.associationId]).toEqual([5, 0x1234, 7]);
        const wire = control.encode(piece);
        expect(wire.length).toBeLessThanOrEqual(12 + 468);
        expect(control.decode(wire, 0)).toEqual(piece);
        joined += piece.data;
      });
      expect(joined).toBe(data);
    }
  });
});
