/**
 * Comparisons evaluated at run time (byte loads in arithmetic): a load the
 * packet does not have (a layer it lacks, an offset past its end) makes the
 * comparison false, whatever the arithmetic around it does with the value,
 * on both packet paths. A shift by more than 31 bits leaves nothing of its
 * operand, and still needs the operand to be there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { createClassifier } from '../../../src/runtime/classify/classifier.js';
import { createPacketPath } from '../../../src/runtime/classify/packet-path.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { artifactFor } from '../support/artifact.js';

const dir = mkdtempSync(join(tmpdir(), 'tmesc-relations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const MACS = [0, 1, 2, 3, 4, 5, 0, 10, 11, 12, 13, 14];
/** An ARP request on Ethernet: no IP layer for ip[...] to load from. */
const ARP = Uint8Array.from([
  ...MACS,
  0x08,
  0x06,
  0,
  1,
  8,
  0,
  6,
  4,
  0,
  1,
  ...MACS.slice(6),
  10,
  0,
  0,
  1,
  ...Array(6).fill(0),
  10,
  0,
  0,
  2,
]);
/** IPv4 (20-byte header, protocol 253, no payload) on Ethernet. */
const IP4 = Uint8Array.from([...MACS, 0x08, 0x00, 0x45, 0, 0, 20, 0, 1, 0, 0, 64, 253, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);

/** The groups each frame reaches under one rule per filter (rule i sends to group gi), by the view classifier and by the packet path. */
function reached(filters: string[], frame: Uint8Array): { view: string[]; path: string[] } {
  const body = [
    'tap t { source pcap "x.pcap" }',
    ...filters.map((_, i) => `group g${i} { tool w${i} { output pcap "g${i}.pcap" } }`),
    ...filters.map((f, i) => `rule r${i} from t match ${f} to g${i}`),
  ].join('\n');
  const art = artifactFor(dir, body);
  const names = (groups: readonly number[]) => groups.map((g) => art.groups[g].name).sort();
  const viewC = createClassifier(art.graph);
  const view = new PacketView();
  view.tap = 0;
  decodeFrame(view, frame, frame.length, frame.length, LINKTYPE.ETHERNET);
  const pp = createPacketPath(art.graph);
  const buf = new Uint8Array(frame.length + 16);
  buf.set(frame, 16);
  return {
    view: names(viewC.results[viewC.classify(view, frame)].groups),
    path: names(pp.results[pp.classify(buf, 16, frame.length, frame.length, LINKTYPE.ETHERNET, 0)].groups),
  };
}

describe('comparisons over loads the packet lacks', () => {
  const FILTERS = [
    'ip[0:4] >> 32 == 0',
    'ip[0:4] >> 40 == 0',
    'ip[0] << 32 == 0',
    'ip[0:4] >> 31 == 0',
    'ip[0:4] * 0 == 0',
    'tcp[0] >> 33 == 0',
    'ether[100] << 40 == 0',
  ];

  it('are false for a packet without the layer, however far the value is shifted', () => {
    const r = reached(FILTERS, ARP);
    expect(r.view).toEqual([]);
    expect(r.path).toEqual([]);
  });

  it('are true where the layer is there and the shift leaves zero', () => {
    const r = reached(FILTERS, IP4);
    // tcp[...] on a packet that is not TCP and ether[100] past the frame's end stay false
    expect(r.view).toEqual(['g0', 'g1', 'g2', 'g3', 'g4']);
    expect(r.path).toEqual(r.view);
  });
});
