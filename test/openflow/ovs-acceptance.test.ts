import { expect } from 'vitest';
import { describeOnOvs, type Fixture } from './support/differential.js';
import { madePackets } from './support/made-frames.js';

/**
 * Issue 18's acceptance on a real Open vSwitch with policies written apart
 * from the backend's own fixtures (campus, overlay, privacy, edge6: four and
 * five taps with VLAN marks and priorities, balance groups of two to five
 * tools, strips of VLAN, MPLS, VXLAN and GRE, tcpdump-style filters over
 * ports, nets, protocols, IPv6 and `inner(...)`, groups that must stay on
 * the host). The same comparison as ovs-generated.test.ts
 * (support/differential.ts) over the made frames dealt to each policy's own
 * taps. Needs Open vSwitch and root only.
 */
const GENERATED = 600;

/** Every switch group got packets from the made frames, so the comparison exercised it. */
function everySwitchGroup(fx: Fixture): void {
  const delivered = new Set(fx.groups.flat());
  const idle = fx.out.program.plans
    .filter((p) => p.side === 'switch' && !delivered.has(p.group))
    .map((p) => fx.policy.groups[p.group].name);
  expect(idle, 'switch groups no made packet reaches').toEqual([]);
}

describeOnOvs({
  what: 'acceptance policies',
  corpus: false,
  packets: (taps) => madePackets(taps, GENERATED),
  minPackets: GENERATED + 100,
  maxMalformed: 0,
  everyTool: true,
  check: everySwitchGroup,
  cases: [
    { name: 'campus', split: 'parts', fieldsIn: 'headers' },
    { name: 'campus', split: 'parts', fieldsIn: 'registers' },
    { name: 'overlay', split: 'parts', fieldsIn: 'headers' },
    { name: 'privacy', split: 'parts', fieldsIn: 'registers' },
    { name: 'edge6', split: 'parts', fieldsIn: 'headers' },
    { name: 'edge6', split: 'whole', fieldsIn: 'registers' },
    { name: 'odd', split: 'parts', fieldsIn: 'headers' },
    { name: 'odd', split: 'parts', fieldsIn: 'registers' },
    { name: 'odd', split: 'whole', fieldsIn: 'headers' },
    { name: 'spans', split: 'parts', fieldsIn: 'headers' },
    { name: 'spans', split: 'whole', fieldsIn: 'registers' },
  ],
});
