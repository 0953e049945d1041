import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { DEFAULT_HOST_VLANS, parsePortsMap } from '../../src/openflow/ports-map.js';

const policy = checkPolicyFile(join(import.meta.dirname, 'fixtures', 'broker.tmes')).policy;

describe('ports map', () => {
  it('reads taps, tools, the host and the bridge; comments, blank lines, CRLF and hex numbers', () => {
    const text =
      '# leaf-1\r\nbridge br-mon\r\n\r\ntap span-a port 1 # SPAN of core-a\r\ntap span-b port 0x2\r\n' +
      'tool ids-1 port 11\r\ntool ids-2 port 12\r\ntool rec-1 port 4294967040\r\nhost broker port 48\r\n';
    const bag = new DiagnosticBag();
    const map = parsePortsMap(new SourceFile('leaf-1.ports', text), policy, bag);
    expect(bag.items).toEqual([]);
    expect(map.bridge).toBe('br-mon');
    expect([...map.taps].map(([n, e]) => [n, e.port])).toEqual([
      ['span-a', 1],
      ['span-b', 2],
    ]);
    expect(map.tools.get('rec-1')!.port).toBe(0xffffff00);
    expect(map.host).toMatchObject({ name: 'broker', port: 48, vlans: DEFAULT_HOST_VLANS });
    // positions are the map's own, line and column
    const span = map.tools.get('ids-2')!.portSpan;
    expect(span.file.position(span.start)).toEqual({ line: 7, column: 17 });
  });

  it('takes a host with its VLAN range', () => {
    const bag = new DiagnosticBag();
    const map = parsePortsMap(new SourceFile('m', 'host h port 9 vlans 100-199\n'), policy, bag);
    expect(bag.items).toEqual([]);
    expect(map.host!.vlans).toMatchObject({ first: 100, last: 199 });
  });

  it('reports every line that is wrong, not just the first', () => {
    const bag = new DiagnosticBag();
    parsePortsMap(
      new SourceFile('m', 'tap\ntool ids-1\ntool ids-2 port\nhost h port 1 vlans\nhost h2 port 2\n'),
      policy,
      bag,
    );
    expect(bag.items.map((d) => `${d.code} ${d.span.file.position(d.span.start).line}: ${d.message}`)).toEqual([
      "TMES0840 1: expected the tap's name at the end of the line",
      "TMES0840 2: expected 'port' at the end of the line",
      'TMES0840 3: expected a port number at the end of the line',
      'TMES0840 4: expected a VLAN range (3000-3999) at the end of the line',
    ]);
  });
});
