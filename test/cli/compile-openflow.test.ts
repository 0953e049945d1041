import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it } from 'vitest';
import { OPENFLOW_REPORT_SCHEMA } from '../../src/openflow/report-schema.js';
import { runCli } from './helpers.js';

const fixtures = join(import.meta.dirname, '..', 'openflow', 'fixtures');
const fabric = join(fixtures, 'fabric.tmes');
const ports = join(fixtures, 'fabric.ports');

describe('tmesc compile --emit openflow', () => {
  const base = mkdtempSync(join(tmpdir(), 'tmesc-openflow-cli-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('writes flows, groups and report.json into -o DIR and prints the report', async () => {
    const dir = join(base, 'switch');
    const r = await runCli(['compile', fabric, '--emit', 'openflow', '--ports', ports, '-o', dir]);
    expect(r.code, r.err).toBe(0);
    const flows = readFileSync(join(dir, 'flows.ofctl'), 'utf8');
    const groups = readFileSync(join(dir, 'groups.ofctl'), 'utf8');
    const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
    // what ovs-ofctl add-flows and add-groups read: comments, then one flow or group a line
    expect(
      flows
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .every((l) => /^table=\d+,priority=\d+,/.test(l)),
    ).toBe(true);
    expect(
      groups
        .split('\n')
        .filter((l) => l && !l.startsWith('#'))
        .every((l) => /^group_id=\d+,type=(all|select),bucket=/.test(l)),
    ).toBe(true);
    const validate = new Ajv({ strict: true, allErrors: true }).compile(OPENFLOW_REPORT_SCHEMA);
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    expect(report.counts.flows).toBe(flows.split('\n').filter((l) => l.startsWith('table=')).length);
    expect(report.counts.openflowGroups).toBe(groups.split('\n').filter((l) => l.startsWith('group_id=')).length);
    // the printed report says what the switch does and what the host does, and why
    expect(r.out).toContain('On the switch:');
    expect(r.out).toMatch(
      /\n {2}syn -> syn-1 \(returned to port 21\)\n {4}because: rule syn \(.*fabric\.tmes:43\) tests arithmetic/,
    );
    expect(r.out).toContain('because: mask credentials');
    expect(r.out).toMatch(/ovs-ofctl -O OpenFlow13 add-groups ofb1 .*groups\.ofctl/);
    expect(report.groups.find((g: { name: string }) => g.name === 'deep').side).toBe('host');
    expect(report.groups.find((g: { name: string }) => g.name === 'web').balance.expectedAgreement).toBeCloseTo(0.375);
    expect(report.host.toHost.length).toBeGreaterThan(0);
  });

  it('says the marks with their priority, and what a host group replaces', async () => {
    const dir = join(base, 'privacy');
    const r = await runCli([
      'compile',
      join(fixtures, 'privacy.tmes'),
      '--emit',
      'openflow',
      '--ports',
      join(fixtures, 'privacy.ports'),
      '-o',
      dir,
    ]);
    expect(r.code, r.err).toBe(0);
    // the switch pushes the priority too (set_field:7->vlan_pcp): the report says so
    expect(r.out).toContain('\n  core: port 2, marked VLAN 12 priority 7\n');
    expect(r.out).toContain('\n  edge: port 1, marked VLAN 11\n');
    expect(r.out).toContain('\n    because: replace /Server: [^\\r\\n]*/ with "Server: x"\n');
  });

  it('says in a sentence which packets a switch without a host drops (TMES0848)', async () => {
    const r = await runCli([
      'compile',
      join(fixtures, 'broker.tmes'),
      '--emit',
      'openflow',
      '--ports',
      join(fixtures, 'TMES0848-no-host-for-punts.ports'),
      '-o',
      join(base, 'no-host'),
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('TMES0848');
    expect(r.err).toContain('packets whose EtherType or IP protocol the switch cannot see (behind MPLS labels; ');
    expect(r.err).not.toMatch(/whose the /);
  });

  it('--match-fields: ports and IPv4 addresses where parsed, or moved into registers (one flow per value)', async () => {
    const flowsOf = async (where: string) => {
      const dir = join(base, `fields-${where}`);
      const r = await runCli([
        'compile',
        fabric,
        '--emit',
        'openflow',
        '--ports',
        ports,
        '-o',
        dir,
        '--match-fields',
        where,
      ]);
      expect(r.code, r.err).toBe(0);
      const report = JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));
      return { flows: readFileSync(join(dir, 'flows.ofctl'), 'utf8'), report, out: r.out };
    };
    const headers = await flowsOf('headers');
    const registers = await flowsOf('registers');
    expect(headers.report.fieldsIn).toBe('headers');
    expect(registers.report.fieldsIn).toBe('registers');
    expect(headers.flows).toMatch(/,tcp6?,tcp_dst=/);
    expect(registers.flows).not.toMatch(/tcp_dst=|nw_dst=/);
    expect(registers.flows).toContain('move:NXM_OF_TCP_DST[]->NXM_NX_REG13[16..31]');
    expect(registers.report.counts.flows).toBeLessThan(headers.report.counts.flows);
    expect(registers.out).toContain('ports and IPv4 addresses moved into registers at ingress');
    // auto: fabric's saving is far below the 500 flows that pay for a datapath flow per connection
    expect((await flowsOf('auto')).report.fieldsIn).toBe('headers');
    const bad = await runCli([
      'compile',
      fabric,
      '--emit',
      'openflow',
      '--ports',
      ports,
      '-o',
      base,
      '--match-fields',
      'tcam',
    ]);
    expect(bad.code).toBe(2);
    expect((await runCli(['compile', fabric, '--match-fields', 'registers'])).err).toMatch(
      /--match-fields is for --emit openflow/,
    );
  });

  it('needs --ports and -o, and reports a bad ports map at its line and column (exit 1)', async () => {
    const dir = mkdtempSync(join(base, 'bad-'));
    expect((await runCli(['compile', fabric, '--emit', 'openflow', '-o', dir])).err).toMatch(/needs --ports MAP/);
    const noOut = await runCli(['compile', fabric, '--emit', 'openflow', '--ports', ports]);
    expect(noOut.code).toBe(2);
    expect(noOut.err).toMatch(/give the directory with -o DIR/);
    expect((await runCli(['compile', fabric, '--ports', ports])).err).toMatch(/--ports is for --emit openflow/);
    expect((await runCli(['compile', '-O0', fabric, '--emit', 'openflow', '--ports', ports, '-o', dir])).code).toBe(2);
    const missing = await runCli([
      'compile',
      fabric,
      '--emit',
      'openflow',
      '--ports',
      join(dir, 'none.ports'),
      '-o',
      dir,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read the ports map/);
    const bad = join(dir, 'bad.ports');
    writeFileSync(bad, 'tap span-a port 1\ntool web1 port 11\n');
    const r = await runCli(['compile', fabric, '--emit', 'openflow', '--ports', bad, '-o', dir], dir);
    expect(r.code).toBe(1);
    expect(r.err).toContain("bad.ports:2:6: error TMES0841: the policy has no tool 'web1'; did you mean 'web-1'?");
  });
});
