import { describe, expect, it } from 'vitest';
import { ABSENT, LINKTYPE } from '../../../src/fields/fields.js';
import { cat, eth, mac, tag, u16, u32, zeros } from './build.js';
import { decode, reason } from './helpers.js';

const llc = (dsap: number, ssap: number, control: number, rest: number[] = []) => [dsap, ssap, control, ...rest];
/** An 802.3 frame: the length field says how many bytes follow. */
const dot3 = (payload: number[]) => eth(payload.length, payload);

describe('802.2 LLC', () => {
  it('reads the SAPs and the control byte of an 802.3 frame, and nothing else', () => {
    const v = decode(dot3(llc(0x42, 0x42, 0x03, zeros(35))));
    expect([v.etherType, v.llcDsap, v.llcSsap, v.llcControl]).toEqual([38, 0x42, 0x42, 3]);
    expect([v.snapOui, v.snapType, v.osiNlpid, v.isisPduType, v.l3Offset]).toEqual([
      ABSENT,
      ABSENT,
      ABSENT,
      ABSENT,
      14,
    ]);
    expect(v.malformed).toBe(0);
  });

  it('reads a SNAP header behind SAPs 0xaa and a UI control byte', () => {
    const v = decode(dot3(llc(0xaa, 0xaa, 0x03, [0x08, 0x00, 0x07, 0x80, 0x9b, 1, 2])));
    expect([v.snapOui, v.snapType]).toEqual([0x080007, 0x809b]);
    const notUi = decode(dot3(llc(0xaa, 0xaa, 0x13, [0x08, 0x00, 0x07, 0x80, 0x9b])));
    expect([notUi.snapOui, notUi.snapType]).toEqual([ABSENT, ABSENT]);
  });

  it('reads the OSI protocol, and the IS-IS PDU type', () => {
    const isis = decode(dot3(llc(0xfe, 0xfe, 0x03, [0x83, 27, 1, 0, 0x10, 1, 0, 0])));
    expect([isis.osiNlpid, isis.isisPduType]).toEqual([0x83, 0x10]);
    const clnp = decode(dot3(llc(0xfe, 0xfe, 0x03, [0x81, 27, 1, 0, 0x1c])));
    expect([clnp.osiNlpid, clnp.isisPduType]).toEqual([0x81, ABSENT]);
  });

  it('takes a raw NetWare frame as SAPs 0xff', () => {
    const v = decode(dot3([0xff, 0xff, 0x00, 0x30, 0x00, 0x11]));
    expect([v.llcDsap, v.llcSsap]).toEqual([0xff, 0xff]);
  });

  it('sets what was captured of a cut header, and does not call it malformed', () => {
    const frame = dot3(llc(0xaa, 0xaa, 0x03, [0, 0, 0, 0x81, 0x37]));
    const cut = decode(frame, LINKTYPE.ETHERNET, 16);
    expect([cut.llcDsap, cut.llcSsap, cut.llcControl, cut.snapOui]).toEqual([0xaa, 0xaa, ABSENT, ABSENT]);
    expect(reason(cut)).toBe('none');
    expect([decode(frame, LINKTYPE.ETHERNET, 15).llcDsap, decode(frame, LINKTYPE.ETHERNET, 15).llcSsap]).toEqual([
      0xaa,
      ABSENT,
    ]);
    expect(decode(frame, LINKTYPE.ETHERNET, 14).llcDsap).toBe(ABSENT);
  });

  it('looks through VLAN tags, as for every network layer', () => {
    const v = decode(eth(0x8100, cat(tag(7, 38), llc(0x42, 0x42, 0x03, zeros(35)))));
    expect([v.vlan0, v.etherType, v.llcDsap]).toEqual([7, 38, 0x42]);
  });

  it('is absent from Ethernet II frames', () => {
    expect(decode(eth(0x6003, [0x42, 0x42, 0x03])).llcDsap).toBe(ABSENT);
  });

  it('follows a Linux cooked 802.2 frame', () => {
    const sll = cat(u16(0), u16(1), u16(6), mac('00:11:22:33:44:55'), [0, 0], u16(4), llc(0x42, 0x42, 3, zeros(35)));
    const v = decode(sll, LINKTYPE.LINUX_SLL);
    expect([v.etherType, v.llcDsap, v.llcControl]).toEqual([4, 0x42, 3]);
  });
});

describe('Linux cooked capture direction and interface', () => {
  it('SLL: the packet type is the first field', () => {
    for (const type of [0, 1, 2, 3, 4]) {
      const sll = cat(u16(type), u16(1), u16(6), zeros(8), u16(0x88cc), zeros(4));
      expect(decode(sll, LINKTYPE.LINUX_SLL).pktType).toBe(type);
    }
  });

  it('SLL2: interface index and packet type', () => {
    const sll2 = cat(u16(0x88cc), u16(0), u32(0x80000003), u16(1), [4, 6], zeros(8), zeros(4));
    const v = decode(sll2, LINKTYPE.LINUX_SLL2);
    expect([v.ifIndex, v.pktType]).toEqual([0x80000003, 4]);
  });

  it('Ethernet frames have neither', () => {
    const v = decode(eth(0x88cc, zeros(4)));
    expect([v.ifIndex, v.pktType]).toEqual([ABSENT, ABSENT]);
  });
});
