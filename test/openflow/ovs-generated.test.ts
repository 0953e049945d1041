import { expect } from 'vitest';
import { describeOnOvs, type Fixture, puntReasons } from './support/differential.js';
import { madePackets } from './support/made-frames.js';

/**
 * The OpenFlow program on a real Open vSwitch over frames the test makes
 * (support/made-frames.ts: the traffic generator's sessions in both
 * directions, and hand-built frames for fragments, SCTP, PPPoE, tag stacks,
 * MPLS, LLC, tunnels), so that a clone without the capture corpus still runs
 * Open vSwitch: the fixture policies in both layouts, whole and in parts;
 * ofproto/trace groups = the runtime's for every packet, the datapath's bytes
 * = tmesc's strip/balance/truncate/mark, each session on one tool
 * (support/differential.ts). Needs Open vSwitch and root only.
 */
const GENERATED = 1200;

/** What the frames were made for: each group of the policy gets some, and the host is handed what the switch cannot see. */
function coverage(fx: Fixture): void {
  const delivered = new Set(fx.groups.flat());
  const idle = fx.policy.groups.filter((_, g) => !delivered.has(g)).map((x) => x.name);
  expect(idle, 'groups no made packet reaches').toEqual([]);
  const host = fx.out.program.host!;
  const reasons = new Set<string>();
  fx.packets.forEach((p, i) => {
    if (fx.traces[i].outputs.some((x) => x.port === host.port && x.vid === host.codes.allGroups.get(p.tap)))
      for (const r of puntReasons(p)) reasons.add(r);
  });
  expect([...reasons].sort()).toEqual(expect.arrayContaining(['mpls', 'pppoe', 'vlan-stack']));
  // every frame made by hand is there on every tap, and the generated sessions go both ways
  expect(fx.packets.filter((p) => p.file === 'generated').length).toBe(GENERATED);
  console.log(`openflow made packets: handed to the host whole for ${[...reasons].sort().join(', ')}`);
}

describeOnOvs({
  what: 'made packets',
  corpus: false,
  packets: () => madePackets(3, GENERATED),
  minPackets: GENERATED + 100,
  maxMalformed: 0,
  everyTool: true,
  check: coverage,
  cases: [
    { name: 'fabric', split: 'whole', fieldsIn: 'headers' },
    { name: 'fabric', split: 'parts', fieldsIn: 'headers' },
    { name: 'fabric', split: 'parts', fieldsIn: 'registers' },
    { name: 'review', split: 'parts', fieldsIn: 'headers' },
    { name: 'review', split: 'parts', fieldsIn: 'registers' },
    { name: 'l4', split: 'parts', fieldsIn: 'headers' },
    { name: 'l4', split: 'parts', fieldsIn: 'registers' },
  ],
});
