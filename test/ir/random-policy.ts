import fc from 'fast-check';
import type { SourceFile } from '../../src/diagnostics/source.js';
import type { PFilter, Policy, Ranges } from '../../src/policy/policy.js';

/**
 * Random policies and packets over small domains, so that rules overlap and
 * packets hit boundaries often. Values run from -1 (ABSENT) to DOMAIN.
 */
const DOMAIN = 12;
const TEST_FIELDS = [
  'tap',
  'etherType',
  'ipProto',
  'dstPort',
  'srcPort',
  'vlan0',
  'ip4Src',
  'tcpFlags',
  'inner.dstPort',
  'inner.ipProto',
];
const fakeSpan = { file: { path: 'random.tmes', text: '' } as unknown as SourceFile, start: 0, end: 0 };

const ranges: fc.Arbitrary<Ranges> = fc
  .array(fc.tuple(fc.integer({ min: 0, max: DOMAIN }), fc.integer({ min: 0, max: 4 })), { minLength: 1, maxLength: 3 })
  .map((xs) => {
    const r = xs.map(([lo, w]) => [lo, Math.min(DOMAIN, lo + w)] as [number, number]).sort((a, b) => a[0] - b[0]);
    const out: Ranges = [];
    for (const [a, b] of r) {
      const last = out[out.length - 1];
      if (last && a <= last[1] + 1) last[1] = Math.max(last[1], b);
      else out.push([a, b]);
    }
    return out;
  });

const leafFilter: fc.Arbitrary<PFilter> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      t: fc.constant('test' as const),
      field: fc.constantFrom(...TEST_FIELDS.filter((f) => f !== 'tap')),
      ranges,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      t: fc.constant('pred' as const),
      pred: fc.record({
        kind: fc.constant('contains' as const),
        scope: fc.constant('outer' as const),
        bytes: fc.array(fc.integer({ min: 65, max: 67 }), { minLength: 1, maxLength: 2 }),
      }),
    }),
  },
  { weight: 1, arbitrary: fc.boolean().map((value): PFilter => ({ t: 'const', value })) },
);

const filterArb: fc.Arbitrary<PFilter> = fc.letrec<{ f: PFilter }>((tie) => ({
  f: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafFilter,
    fc.record({ t: fc.constant('and' as const), args: fc.array(tie('f'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ t: fc.constant('or' as const), args: fc.array(tie('f'), { minLength: 2, maxLength: 3 }) }),
    fc.record({ t: fc.constant('not' as const), arg: tie('f') }),
  ),
})).f;

export const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    taps: fc.integer({ min: 1, max: 3 }),
    groups: fc.integer({ min: 1, max: 4 }),
    rules: fc.array(
      fc.record({
        filter: filterArb,
        taps: fc.option(fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 })),
        drop: fc.integer({ min: 0, max: 4 }),
        groups: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 2 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
  })
  .map(({ taps, groups, rules }) => ({
    name: 'random',
    files: [],
    sourceHash: '0'.repeat(64),
    taps: Array.from({ length: taps }, (_, i) => ({
      name: `t${i}`,
      index: i,
      source: { kind: 'interface' as const, name: `if${i}` },
      marks: [],
      span: fakeSpan,
    })),
    groups: Array.from({ length: groups }, (_, i) => ({
      name: `g${i}`,
      index: i,
      tools: [],
      balance: { symmetric: true, inner: false },
      actions: { strip: [], masks: [], replaces: [] },
      span: fakeSpan,
    })),
    rules: rules.map((r, i) => ({
      name: `r${i}`,
      index: i,
      taps: r.taps === null ? ('any' as const) : [...new Set(r.taps.map((t) => t % taps))],
      filter: r.filter,
      action: r.drop === 0 ? ('drop' as const) : ('to' as const),
      groups: [...new Set(r.groups.map((g) => g % groups))],
      span: fakeSpan,
      filterSpan: fakeSpan,
    })),
  }));

export interface RandomPacket {
  values: Record<string, number>;
  payload: number[];
}

export const packetArb: fc.Arbitrary<RandomPacket> = fc.record({
  values: fc.record(
    Object.fromEntries(TEST_FIELDS.map((f) => [f, fc.integer({ min: -1, max: DOMAIN + 1 })])),
  ) as fc.Arbitrary<Record<string, number>>,
  payload: fc.array(fc.integer({ min: 65, max: 67 }), { maxLength: 6 }),
});
