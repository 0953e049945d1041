import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { FIELDS } from '../../src/fields/fields.js';
import { compileToOpenFlow } from '../../src/openflow/backend.js';
import { hostOnly, switchField } from '../../src/openflow/switch-fields.js';
import { LOAD_LAYERS } from '../../src/policy/policy.js';

/** pcap-filter's primitives on a switch: what Open vSwitch cannot parse goes to the host, what a switch port never has matches nothing. */
describe('pcap fields on the switch', () => {
  it('every packet field and load layer has a meaning for the switch', () => {
    for (const f of FIELDS) expect(() => switchField(f.name), f.name).not.toThrow();
    for (const l of LOAD_LAYERS) expect(() => switchField(`load:outer:${l}:0:1`), l).not.toThrow();
    expect(hostOnly(switchField('llcDsap'))).toBe('the 802.2 LLC header');
    expect(hostOnly(switchField('isisPduType'))).toBe('the 802.2 LLC header');
    expect(hostOnly(switchField('pktType'))).toBeUndefined();
  });

  it('LLC, protochain and igmp[] groups are the host’s; inbound and ifindex stay on the switch', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tmesc-of-pcap-'));
    const group = (name: string) => `group ${name} { tool ${name}-1 { output pcap "${name}.pcap" } }`;
    const policy = [
      'policy "pcap"',
      'tap span { source pcap "span.pcap" }',
      ...['l2', 'chain', 'load', 'cooked', 'web'].map(group),
      'rule l2 from span match stp or llc ui or isis to l2',
      'rule chain from span match ip6 protochain 44 to chain',
      'rule load from span match igmp[0] == 0x11 to load',
      'rule cooked from span match inbound or ifindex 3 to cooked',
      'rule web from span match tcp port 80 to web',
    ].join('\n');
    writeFileSync(join(dir, 'p.tmes'), policy);
    const ports = [
      'bridge ofb1',
      'tap span port 1',
      ...['l2', 'chain', 'load', 'cooked', 'web'].map((g, i) => `tool ${g}-1 port ${11 + i}`),
      'host broker port 30 vlans 3000-3099',
    ].join('\n');
    const checked = checkPolicyFile(join(dir, 'p.tmes'));
    expect(checked.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const bag = new DiagnosticBag();
    const out = compileToOpenFlow(checked.policy, new SourceFile(join(dir, 'p.ports'), ports), bag);
    expect(bag.items.filter((d) => d.severity === 'error').map((d) => d.message)).toEqual([]);
    const side = Object.fromEntries(out!.report.groups.map((g) => [g.name, g.side]));
    expect(side).toEqual({ l2: 'host', chain: 'host', load: 'host', cooked: 'switch', web: 'switch' });
  });
});
