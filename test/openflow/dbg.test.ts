import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'vitest';
import { checkPolicyFile } from '../../src/check/check.js';
import { DiagnosticBag } from '../../src/diagnostics/bag.js';
import { SourceFile } from '../../src/diagnostics/source.js';
import { compileToOpenFlow } from '../../src/openflow/backend.js';
import { corpusPackets } from './support/oracle.js';
import { OvsSandbox } from './support/ovs.js';
it('dbg', async () => {
  const F = join(import.meta.dirname, 'fixtures');
  const policy = checkPolicyFile(join(F, 'fabric.tmes')).policy;
  const out = compileToOpenFlow(
    policy,
    new SourceFile('m', readFileSync(join(F, 'fabric.ports'), 'utf8')),
    new DiagnosticBag(),
  )!;
  const pk = corpusPackets(3, 24, 1100).filter(
    (p) => p.file === (process.env.F ?? 'print-flags.pcap') && p.number === Number(process.env.N ?? 1),
  )[0];
  const o = await OvsSandbox.start();
  const ports = [...out.program.taps.values(), ...out.program.toolPorts.values(), out.program.host!.port];
  await o.addBridge('ofb1', ports);
  writeFileSync(join(o.dir, 'g'), out.groups);
  writeFileSync(join(o.dir, 'f'), out.flows);
  await o.load('ofb1', join(o.dir, 'g'), join(o.dir, 'f'));
  const t = await o.unixctl.call('ofproto/trace', [
    'ofb1',
    `in_port=${out.program.taps.get(pk.tap)}`,
    pk.data.toString('hex'),
  ]);
  writeFileSync('/tmp/openflow/trace.txt', t);
  writeFileSync('/tmp/openflow/dbg.flows', out.flows);
  await o.stop();
}, 60000);
