import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, expect } from 'vitest';
import { describeOnOvs } from './support/differential.js';
import { largePolicy, RULES, TAPS } from './support/large-policy.js';
import { type CorpusPacket, corpusPackets } from './support/oracle.js';

/**
 * A policy of a thousand rules over eight taps on a real Open vSwitch: the
 * scale where the backend compiles the policy in parts, merges them (more
 * than 32 into at most eight) and moves ports and addresses into registers.
 * Its rules are written from the values of the corpus's own packets
 * (addresses, ports, VLANs, IPv6 prefixes, SYNs), from scattered tap
 * subsets or any, with drops, so that the corpus's packets reach many of
 * them; then every packet is compared as in the other Open vSwitch tests
 * (support/differential.ts). Skips without the corpus.
 */
let packets: CorpusPacket[] | undefined;
const corpus = () => (packets ??= corpusPackets(TAPS, Infinity, Infinity));
let files: { policy: string; ports: string } | undefined;

afterAll(() => {
  if (files) rmSync(dirname(files.policy), { recursive: true, force: true });
});

describeOnOvs({
  what: `corpus, ${RULES} rules from its packets' values`,
  corpus: true,
  packets: () => corpus(),
  files: () => (files ??= largePolicy(corpus())),
  minPackets: 4000,
  maxMalformed: Infinity,
  // the layout --match-fields auto takes at this size (the smaller policies' tests run both)
  cases: [{ name: 'large', split: 'parts', fieldsIn: 'registers' }],
  check: (fx) => {
    const c = fx.out.report.counts;
    console.log(
      `openflow large: ${c.rules} rules x ${c.taps} taps, ${c.flows} flows (${(100 * c.flowsPerRuleTap).toFixed(1)}%), ${c.parts} parts; ` +
        `${fx.groups.filter((g) => g.length).length} of ${fx.packets.length} packets reach a group`,
    );
    // the policy is large enough to be compiled in parts, and its rules reach the corpus's packets
    expect(c.parts).toBeGreaterThan(8);
    expect(fx.groups.filter((g) => g.length).length).toBeGreaterThan(1000);
  },
});
