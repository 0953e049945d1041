/**
 * The decoder as the oracle of the packet path's walk: every field the
 * walk's reads give, and the malformed flag, against the full decoder's view
 * of the same frame.
 */
import { FIELDS } from '../../../src/fields/fields.js';
import { readAllFieldsSource } from '../../../src/codegen/field-reads.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { reasonName } from '../../../src/runtime/decode/malformed.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { Walk } from '../../../src/runtime/walk/walk.js';

const NAMES = [...FIELDS.map((f) => f.name), ...FIELDS.map((f) => `inner.${f.name}`)];
const readAll = new Function('W', 'd', readAllFieldsSource(NAMES)) as (w: Walk, d: Uint8Array) => number[];

/** Reasons marked by tunnel headers: not the frame's own headers. */
const TUNNEL_REASONS = new Set([
  'truncated-gre',
  'bad-gre-version',
  'bad-pptp-gre-header',
  'truncated-erspan',
  'truncated-gtp',
  'bad-gtp-extension',
  'truncated-l2tp',
  'truncated-vxlan',
  'truncated-geneve',
  'truncated-teredo',
]);
/** Reasons a tunnel marks when its payload is empty, and the frame's own layers when they are cut. */
const EITHER_REASONS = new Set(['truncated-ethernet', 'truncated-ip', 'truncated-ppp']);

/**
 * `malformed` as the packet path counts it: the decoder's verdict on the
 * frame's own headers, link layer through transport header, leaving out
 * tunnel headers and the packets inside them. Decoded without tunnels, the
 * first reason is an own layer's unless a tunnel header marked it: own
 * layers are all decoded before the tunnel header, and the first reason wins.
 */
export function ownMalformed(v: PacketView): number {
  if (!v.malformed) return 0;
  const r = reasonName(v.malformedReason) ?? '';
  if (TUNNEL_REASONS.has(r)) return 0;
  if (EITHER_REASONS.has(r) && v.tunnel > 0) return 0;
  return 1;
}

const full = new PacketView();
const flat = new PacketView(false);
const walk = new Walk();

/**
 * Differences between the walk and the decoder for one frame, as
 * `field: walk vs decoder` lines (empty when they agree). The frame is
 * placed at an odd offset inside a larger buffer of junk, so that a read
 * outside the frame, or an offset taken as relative, shows.
 */
export function differences(frame: Uint8Array, capLen: number, wireLen: number, linkType: number): string[] {
  const pad = 37;
  const buf = new Uint8Array(pad + frame.length + 64).fill(0xa5);
  buf.set(frame, pad);
  const cap = Math.min(capLen, frame.length);
  full.tap = 3;
  decodeFrame(full, frame.subarray(0, cap), cap, wireLen, linkType);
  decodeFrame(flat, frame.subarray(0, cap), cap, wireLen, linkType);
  walk.start(buf, pad, cap, wireLen, linkType, 3);
  const got = readAll(walk, buf);
  const out: string[] = [];
  NAMES.forEach((name, i) => {
    const inner = name.startsWith('inner.');
    const v = (inner ? full.inner : full) as unknown as Record<string, number>;
    const want = v[inner ? name.slice(6) : name];
    if (got[i] !== want) out.push(`${name}: walk ${got[i]} vs decoder ${want}`);
  });
  const bad = ownMalformed(flat);
  if (walk.bad !== bad)
    out.push(`malformed: walk ${walk.bad} vs decoder ${bad} (${reasonName(flat.malformedReason) ?? ''})`);
  // the decoder path's count (decoded with its tunnels) is the same verdict
  if (full.headersMalformed !== bad) out.push(`headersMalformed: ${full.headersMalformed} vs own headers ${bad}`);
  if (walk.tunnel() === 0 && full.tunnel !== 0) out.push('a tunnel the walk did not flag');
  return out;
}
