/**
 * The generated walk (codegen/spine.ts, inlined in the chunk loop) against
 * Walk.start, its oracle (itself held to the decoder by walk.test.ts): every
 * property of the walk's state, the malformed flag and the tunnel flag, over
 * generated frames on every link type with a walk, whole, cut at every
 * length through the headers, with short and long wire lengths, fuzzed and
 * random frames, and every corpus frame; on Ethernet, the chunk loop's fast
 * walk too, for the frames it takes. Frames lie at an odd offset in
 * junk (0xa5 and the bytes after the cut kept), so a read outside the frame
 * shows. Also the field demand: what it stores for generated code.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LINKTYPE } from '../../../src/fields/fields.js';
import {
  SESSION_READS,
  WALKED_LINK_TYPES,
  WALK_STATE,
  fastWalkOnly,
  spineWalkOnly,
  walkDemand,
} from '../../../src/codegen/spine.js';
import { SESSION_STATE } from '../../../src/runtime/walk/session.js';
import { Walk } from '../../../src/runtime/walk/walk.js';
import { CORPUS_NOTE, HAVE_CORPUS, corpusManifest } from '../../support/corpus.js';
import { loadCapture } from '../decode/corpus.js';
import { generatedFrames, otherLinkFrames, type TestFrame } from './frames.js';

type WalkFn = (d: Uint8Array, o: number, n: number, wire: number) => void;
const PROPS = [...WALK_STATE, 'bad', 'cand'] as const;

const oracle = new Walk();
const state: Record<string, number> = {};
const walks = new Map<number, WalkFn>(
  WALKED_LINK_TYPES.map((t) => [t, new Function('state', spineWalkOnly(t))(state) as WalkFn]),
);
/** The chunk loop's fast walk of Ethernet frames (spineWalk's for the frames it takes, which are not malformed). */
const fastState: Record<string, number> = {};
const fast = new Function('state', fastWalkOnly())(fastState) as (
  d: Uint8Array,
  o: number,
  n: number,
  w: number,
) => number;
/** Frames the fast walk took and frames it left, over every check of an Ethernet frame. */
const fastCount = { took: 0, left: 0 };

/** `prop: spine vs walk` for each property that differs (empty when they agree). */
function differences(frame: Uint8Array, capLen: number, wireLen: number, linkType: number): string[] {
  const pad = 37;
  const buf = new Uint8Array(pad + frame.length + 64).fill(0xa5);
  buf.set(frame, pad);
  const n = Math.min(capLen, frame.length);
  const walk = walks.get(linkType);
  if (walk === undefined) throw new Error(`no spine for ${linkType}`);
  oracle.start(buf, pad, n, wireLen, linkType, 0);
  // the spine stores only what it found: start from values no walk leaves
  for (const p of PROPS) state[p] = 1e9;
  walk(buf, pad, n, wireLen);
  const out: string[] = [];
  const o = oracle as unknown as Record<string, number>;
  for (const p of PROPS) if (state[p] !== o[p]) out.push(`${p}: ${state[p]} vs ${o[p]}`);
  if (linkType === LINKTYPE.ETHERNET) {
    for (const p of WALK_STATE) fastState[p] = 1e9;
    fastState.cand = 1e9;
    if (fast(buf, pad, n, wireLen) === 1) {
      fastCount.took++;
      if (o.bad !== 0) out.push('fast walk took a malformed frame');
      // the tunnel candidate flag too (worked out where the chunk loop's edited outputs read it)
      for (const p of [...WALK_STATE, 'cand'])
        if (fastState[p] !== o[p]) out.push(`fast ${p}: ${fastState[p]} vs ${o[p]}`);
    } else fastCount.left++;
  }
  return out;
}

const CUT_SPAN = 120;

function check(frames: readonly TestFrame[], cuts: boolean): string[] {
  const bad: string[] = [];
  const note = (what: string, d: string[]) => {
    if (d.length && bad.length < 20) bad.push(`${what}: ${d.join('; ')}`);
  };
  for (const f of frames) {
    if (!walks.has(f.linkType)) continue;
    note(f.what, differences(f.data, f.data.length, f.wireLen, f.linkType));
    note(`${f.what} wire 20`, differences(f.data, f.data.length, 20, f.linkType));
    note(`${f.what} wire +1000`, differences(f.data, f.data.length, f.data.length + 1000, f.linkType));
    if (!cuts) continue;
    const span = Math.min(f.data.length, CUT_SPAN);
    for (let cut = 0; cut < span; cut++)
      note(`${f.what} cut at ${cut}`, differences(f.data, cut, f.wireLen, f.linkType));
  }
  return bad;
}

const generated = generatedFrames(1500);

describe('the generated walk leaves what Walk.start leaves', () => {
  it('generated Ethernet traffic, whole and cut at every length', () => {
    expect(check(generated, true)).toEqual([]);
  });

  it('the same packets on every other link type', () => {
    const other = otherLinkFrames(generated.slice(0, 400));
    expect(new Set(other.map((f) => f.linkType)).size).toBeGreaterThan(8);
    expect(check(other, true)).toEqual([]);
  });

  it('fuzzed frames on every link type with a walk', () => {
    const sources = [...generated.slice(0, 300), ...otherLinkFrames(generated.slice(0, 60))];
    fc.assert(
      fc.property(
        fc.nat(sources.length - 1),
        fc.array(fc.tuple(fc.nat(96), fc.nat(255)), { minLength: 1, maxLength: 6 }),
        fc.constantFrom(...WALKED_LINK_TYPES),
        fc.boolean(),
        fc.nat(200),
        (i, edits, otherLink, keepLink, cut) => {
          const f = sources[i];
          const data = f.data.slice();
          for (const [at, b] of edits) if (at < data.length) data[at] = b;
          const lt = keepLink && walks.has(f.linkType) ? f.linkType : otherLink;
          const cap = Math.min(data.length, cut === 0 ? data.length : cut);
          expect(differences(data, cap, f.wireLen, lt)).toEqual([]);
        },
      ),
      { numRuns: 4000, seed: 20240602 },
    );
  });

  it('random bytes on every link type with a walk', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 0, maxLength: 90 }),
        fc.constantFrom(...WALKED_LINK_TYPES),
        fc.nat(200),
        (data, lt, wire) => {
          expect(differences(data, data.length, wire, lt)).toEqual([]);
        },
      ),
      { numRuns: 3000, seed: 8 },
    );
  });
});

/** Ethernet frames with `tags` VLAN tags or `labels` MPLS labels before an IPv4/TCP header: around the 15-deep limits. */
function deepStacks(): TestFrame[] {
  const ip = [0x45, 0, 0, 40, 0, 1, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
  const tcp = [0x30, 0x39, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
  const mac = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];
  const frames: TestFrame[] = [];
  for (let depth = 1; depth <= 17; depth++) {
    const tags: number[] = [];
    for (let i = 0; i < depth; i++) tags.push(i % 2 ? 0x88 : 0x81, i % 2 ? 0xa8 : 0x00, (i << 5) | 1, i + 2);
    // TPID and TCI per tag (the first TPID is the frame's EtherType), then IPv4's EtherType
    const vlan = [...mac, ...tags, 0x08, 0x00, ...ip, ...tcp];
    const labels: number[] = [];
    for (let i = 0; i < depth; i++)
      labels.push(0, (i + 16) >> 4, (((i + 16) & 15) << 4) | (i === depth - 1 ? 1 : 0), 64);
    const mpls = [...mac, 0x88, 0x47, ...labels, ...ip, ...tcp];
    for (const [what, bytes] of [
      [`${depth} VLAN tags`, vlan],
      [`${depth} MPLS labels`, mpls],
    ] as const)
      frames.push({ data: Uint8Array.from(bytes), linkType: LINKTYPE.ETHERNET, wireLen: bytes.length, what });
  }
  return frames;
}

describe('the fast walk (chunk-loop.ts tries it first on Ethernet)', () => {
  it('takes most of generated Ethernet traffic, and leaves what it does not take', () => {
    fastCount.took = 0;
    fastCount.left = 0;
    expect(check(generated, false)).toEqual([]);
    // every check above compared what it took with Walk.start's state; here, that it takes the common frames
    expect(fastCount.took).toBeGreaterThan(0.8 * 3 * generated.length);
    expect(fastCount.left).toBeGreaterThan(0);
  });

  it('IPv4 fragment flags and offsets, header lengths and total lengths it reads', () => {
    // untagged IPv4 frames: the flags and offset at 20, the header length at 14, the total length at 16
    const v4 = generated.filter((f) => f.data.length > 40 && f.data[12] === 0x08 && f.data[13] === 0).slice(0, 40);
    expect(v4.length).toBeGreaterThan(10);
    const frames: TestFrame[] = [];
    for (const f of v4) {
      const edit = (at: number, bytes: number[], what: string) => {
        const data = f.data.slice();
        data.set(bytes, at);
        frames.push({ ...f, data, what: `${f.what} ${what}` });
      };
      for (const ff of [0x2000, 0x4000, 0x0001, 0x2001, 0x6000, 0x1fff])
        edit(20, [ff >> 8, ff & 0xff], `flags/offset ${ff}`);
      for (const ihl of [0x44, 0x46, 0x4f]) edit(14, [ihl], `ihl ${ihl}`);
      for (const tl of [0, 19, 21, f.data.length - 14, f.data.length - 13, 1500])
        edit(16, [tl >> 8, tl & 0xff], `total ${tl}`);
    }
    fastCount.took = 0;
    expect(check(frames, false)).toEqual([]);
    expect(fastCount.took).toBeGreaterThan(0);
  });
});

describe('stacks around the depth limits', () => {
  it('VLAN tags and MPLS labels 1 to 17 deep, whole and cut', () => {
    const frames = deepStacks();
    const oracle = new Walk();
    const deep = frames.filter((f) => {
      oracle.start(f.data, 0, f.data.length, f.wireLen, f.linkType, 0);
      return oracle.bad === 1;
    });
    // beyond 15 the stack is malformed, and nothing shorter is
    expect(deep.map((f) => f.what)).toEqual(['16 VLAN tags', '16 MPLS labels', '17 VLAN tags', '17 MPLS labels']);
    expect(check(frames, true)).toEqual([]);
  });
});

describe('field demand', () => {
  it('stores what the code reads, W.load and the tunnel fields with what they read', () => {
    expect([...(walkDemand('W.pt >= 0 ? d[W.pt + 2] : -1; W.view().x; W.frame()') ?? [])]).toEqual(['pt']);
    expect(walkDemand('W.load(1, 2, 2)')).toEqual(new Set(['l2', 'ipv', 'ip', 'et', 'l3', 'proto', 'frag', 'l4']));
    expect(walkDemand('W.tunnel()')).toEqual(new Set(['cand']));
    expect(walkDemand('W.capLen')).toBeUndefined();
    expect(walkDemand('')).toEqual(new Set());
  });

  it("the session hash's reads are what walkSessionHash reads", () => {
    expect([...SESSION_READS].sort()).toEqual([...SESSION_STATE].sort());
  });
});

describe.skipIf(!HAVE_CORPUS)(`the generated walk on every corpus frame${CORPUS_NOTE}`, () => {
  const entries = corpusManifest();
  it.each(entries.map((e) => [e.file]))('%s', async (file) => {
    const capture = await loadCapture(file);
    if (typeof capture === 'string' || !walks.has(capture.linkType)) return;
    const frames = capture.frames.map((f, i): TestFrame => ({
      data: f.data.subarray(0, f.capLen),
      linkType: capture.linkType,
      wireLen: f.wireLen,
      what: `#${i + 1}`,
    }));
    expect([...check(frames, false), ...check(frames.slice(0, 40), true)]).toEqual([]);
  });
});
