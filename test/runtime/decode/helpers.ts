/** Decoding shortcuts and the invariants every decoded view must satisfy, whatever the input. */
import { ABSENT, FIELDS, LINKTYPE } from '../../../src/fields/fields.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { MALFORMED_REASONS, reasonName } from '../../../src/runtime/decode/malformed.js';
import { PacketView } from '../../../src/runtime/decode/view.js';

export function decode(
  frame: Uint8Array,
  linkType: number = LINKTYPE.ETHERNET,
  capLen = frame.length,
  wireLen = frame.length,
): PacketView {
  const v = new PacketView();
  decodeFrame(v, frame, capLen, wireLen, linkType);
  return v;
}

export function reason(v: PacketView): string {
  return v.malformed ? (reasonName(v.malformedReason) ?? `#${v.malformedReason}`) : 'none';
}

/** The FIELDS part of a view, for whole-view comparisons. */
export function fieldsOf(v: PacketView): Record<string, number> {
  const rec = v as unknown as Record<string, number>;
  return Object.fromEntries(FIELDS.map((f) => [f.name, rec[f.name]]));
}

/** Every property of the view and of its inner view, as JSON (the inner view refers to itself). */
export function snapshot(v: PacketView): string {
  const own = (x: PacketView) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'inner'));
  return JSON.stringify({ outer: own(v), inner: own(v.inner) });
}

const HEADER_OFFSETS = ['l2Offset', 'l3Offset', 'l4Offset', 'ipHdrOffset', 'innerOffset'] as const;

/** Returns the broken invariants (empty when all hold) of a view decoded from capLen bytes. */
export function brokenInvariants(view: PacketView, capLen: number): string[] {
  const bad: string[] = [];
  const check = (v: PacketView, who: string) => {
    const rec = v as unknown as Record<string, number>;
    for (const f of FIELDS) {
      const x = rec[f.name];
      if (!(x === ABSENT || (Number.isInteger(x) && x >= 0 && x <= f.max)))
        bad.push(`${who}.${f.name}=${x} outside its domain`);
    }
    for (const k of HEADER_OFFSETS) {
      if (!(v[k] === ABSENT || (Number.isInteger(v[k]) && v[k] >= 0 && v[k] < capLen)))
        bad.push(`${who}.${k}=${v[k]} not in [0, ${capLen})`);
    }
    if (v.payloadOffset !== ABSENT) {
      if (!(v.payloadOffset >= 0 && v.payloadLength >= 0 && v.payloadOffset + v.payloadLength <= capLen)) {
        bad.push(`${who}.payload ${v.payloadOffset}+${v.payloadLength} beyond ${capLen}`);
      }
    } else if (v.payloadLength !== ABSENT) {
      bad.push(`${who}.payloadLength without payloadOffset`);
    }
    if (v.malformed !== 0 && v.malformed !== 1) bad.push(`${who}.malformed=${v.malformed}`);
    if ((v.malformed === 0) !== (v.malformedReason === 0))
      bad.push(`${who}.malformedReason=${v.malformedReason} with malformed=${v.malformed}`);
    if (!(v.malformedReason >= 0 && v.malformedReason < MALFORMED_REASONS.length))
      bad.push(`${who}.malformedReason unknown`);
    if (![0, 4, 6].includes(v.ipVersion)) bad.push(`${who}.ipVersion=${v.ipVersion}`);
    if (![0, 1, 2].includes(v.innerKind)) bad.push(`${who}.innerKind=${v.innerKind}`);
    if ((v.innerKind === 0) !== (v.innerOffset === ABSENT)) bad.push(`${who}.innerKind/innerOffset disagree`);
  };
  check(view, 'outer');
  check(view.inner, 'inner');
  const tunneled = view.tunnel > 0;
  if (!tunneled) {
    const rec = view.inner as unknown as Record<string, number>;
    for (const f of FIELDS) if (rec[f.name] !== ABSENT) bad.push(`inner.${f.name} set without a tunnel`);
  }
  if (view.innerKind !== 0 && !tunneled) bad.push('innerKind set without a tunnel');
  return bad;
}
