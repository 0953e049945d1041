import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkPolicyFile } from '../src/check/check.js';
import { DiagnosticBag } from '../src/diagnostics/bag.js';
import { SourceFile } from '../src/diagnostics/source.js';
import { compileToOpenFlow } from '../src/openflow/backend.js';
import type { FieldsIn } from '../src/openflow/switch-fields.js';
import { corpusPackets } from '../test/openflow/support/oracle.js';
import { OvsSandbox, until } from '../test/openflow/support/ovs.js';
import { brokerPolicy } from './openflow.js';
/**
 * Datapath cost of matching an address or port in a register
 * (`npm run bench -- openflow-megaflows`, root and Open vSwitch needed): the
 * same rules (100 destination /24s, 100 TCP destination ports, 16 source
 * /16s) as the backend writes them, matched where Open vSwitch parses them
 * (nw_dst, tcp_dst: one flow per value and protocol family) and moved into
 * registers at ingress (one flow per value), sent the same packets through a
 * userspace datapath; `dpctl/dump-flows` counts the megaflows each leaves.
 * A move makes every datapath flow match the whole field.
 */
const BR = 'brmf';
let s = 12345;
const rnd = (n: number) => ((s = (s * 1103515245 + 12345) & 0x7fffffff), Math.floor((s / 0x80000000) * n));
const nets = Array.from({ length: 100 }, () => [10, rnd(256), rnd(256)]);
const srcNets = Array.from({ length: 16 }, (_, i) => [172, 16 + i]);
const ports = Array.from({ length: 100 }, () => 1 + rnd(65000));
function sum(b: Buffer, o: number, n: number) {
  let x = 0;
  for (let i = 0; i < n; i += 2) x += b.readUInt16BE(o + i);
  while (x >> 16) x = (x & 0xffff) + (x >> 16);
  return ~x & 0xffff;
}
function tcp(src: number[], dst: number[], sp: number, dp: number): Buffer {
  const b = Buffer.alloc(54);
  Buffer.from('020000000002020000000001', 'hex').copy(b, 0);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(40, 16);
  b[22] = 64;
  b[23] = 6;
  Buffer.from(src).copy(b, 26);
  Buffer.from(dst).copy(b, 30);
  b.writeUInt16BE(sum(b, 14, 20), 24);
  b.writeUInt16BE(sp, 34);
  b.writeUInt16BE(dp, 36);
  b[46] = 0x50;
  b[47] = 0x10;
  return b;
}
const hex = (n: number) => '0x' + (n >>> 0).toString(16);
function program(reg: boolean): string {
  const f: string[] = [];
  f.push('table=0,priority=10,in_port=1,actions=resubmit(,1),resubmit(,2),resubmit(,3),resubmit(,5),goto_table:4');
  if (reg) {
    f.push(
      'table=1,priority=20,tcp,actions=set_field:0x80000/0x80000->reg7,move:NXM_OF_IP_DST[]->NXM_NX_REG8[],move:NXM_OF_IP_SRC[]->NXM_NX_REG10[],move:NXM_OF_TCP_DST[]->NXM_NX_REG9[0..15]',
    );
    f.push(
      'table=1,priority=10,ip,actions=set_field:0x80000/0x80000->reg7,move:NXM_OF_IP_DST[]->NXM_NX_REG8[],move:NXM_OF_IP_SRC[]->NXM_NX_REG10[]',
    );
    srcNets.forEach((n) =>
      f.push(
        `table=5,priority=100,reg7=0x80000/0x80000,reg10=${hex((n[0] << 24) | (n[1] << 16))}/0xffff0000,actions=set_field:0x1/0x1->reg5`,
      ),
    );
    nets.forEach((n, i) =>
      f.push(
        `table=2,priority=100,reg7=0x80000/0x80000,reg8=${hex((n[0] << 24) | (n[1] << 16) | (n[2] << 8))}/0xffffff00,actions=set_field:${hex(1 << (i % 16))}/${hex(1 << (i % 16))}->reg4`,
      ),
    );
    ports.forEach((p, i) =>
      f.push(
        `table=3,priority=100,reg7=0x80000/0x80000,reg9=${hex(p)}/0xffff,actions=set_field:${hex(1 << (16 + (i % 16)))}/${hex(1 << (16 + (i % 16)))}->reg4`,
      ),
    );
  } else {
    f.push('table=1,priority=10,ip,actions=set_field:0x80000/0x80000->reg7');
    srcNets.forEach((n) =>
      f.push(
        `table=5,priority=100,reg7=0x80000/0x80000,ip,nw_src=${n.join('.')}.0.0/16,actions=set_field:0x1/0x1->reg5`,
      ),
    );
    nets.forEach((n, i) =>
      f.push(
        `table=2,priority=100,reg7=0x80000/0x80000,ip,nw_dst=${n.join('.')}.0/24,actions=set_field:${hex(1 << (i % 16))}/${hex(1 << (i % 16))}->reg4`,
      ),
    );
    ports.forEach((p, i) => {
      for (const fam of ['tcp', 'tcp6'])
        f.push(
          `table=3,priority=100,reg7=0x80000/0x80000,${fam},tcp_dst=${p},actions=set_field:${hex(1 << (16 + (i % 16)))}/${hex(1 << (16 + (i % 16)))}->reg4`,
        );
    });
  }
  for (const t of [1, 2, 3, 5]) f.push(`table=${t},priority=0,actions=drop`);
  for (let b = 0; b < 16; b++) f.push(`table=4,priority=10,reg4=${hex(1 << b)}/${hex(1 << b)},actions=output:2`);
  f.push('table=4,priority=20,reg5=0x1/0x1,actions=output:3');
  for (let b = 16; b < 32; b++) f.push(`table=4,priority=10,reg4=${hex(1 << b)}/${hex(1 << b)},actions=output:3`);
  return f.join('\n') + '\n';
}
// traffic A: 2,000 TCP packets, dst half in the nets, half elsewhere, random sources and ports
// traffic B: 2,000 packets of 400 connections (5 each) from random clients to 20 servers on 5 services
const traffic: Record<string, Buffer[]> = { A: [], B: [] };
for (let i = 0; i < 2000; i++) {
  const d = rnd(2) ? [...nets[rnd(100)], 1 + rnd(254)] : [10, rnd(256), rnd(256), 1 + rnd(254)];
  const src = [rnd(2) ? 172 : 192, 16 + rnd(32), rnd(256), 1 + rnd(254)];
  traffic.A.push(tcp(src, d, 1024 + rnd(60000), rnd(4) ? 1 + rnd(65000) : ports[rnd(100)]));
}
const servers = Array.from({ length: 20 }, (_, i) => (i < 10 ? [...nets[i], 10] : [10, 200, i, 10]));
const services = [ports[0], ports[1], 80, 443, 22];
for (let c = 0; c < 400; c++) {
  const src = [rnd(2) ? 172 : 192, 16 + rnd(32), rnd(256), 1 + rnd(254)];
  const d = servers[rnd(20)],
    dp = services[rnd(5)],
    sp = 1024 + rnd(60000);
  for (let k = 0; k < 5; k++) traffic.B.push(tcp(src, d, sp, dp));
}
/** Sends packets into a bridge through their ports, 100 at a time, each batch received before the next. */
async function send(o: OvsSandbox, bridge: string, pkts: { port: number; data: Buffer }[]): Promise<void> {
  const rx = async () => [...(await o.portStats(bridge)).values()].reduce((a, s) => a + s.rx, 0);
  const base = await rx();
  for (let i = 0; i < pkts.length; i += 100) {
    await o.unixctl.batch(
      pkts.slice(i, i + 100).map((p) => ({
        method: 'netdev-dummy/receive',
        params: [OvsSandbox.portName(bridge, p.port), p.data.toString('hex')],
      })),
      8,
    );
    const n = Math.min(pkts.length, i + 100);
    await until(async () => ((await rx()) >= base + n ? true : undefined));
  }
}

/**
 * The backend's own program for the broker policy of 112 rules over 4 taps (bench/openflow.ts), in both
 * layouts (switch-fields.ts FieldsIn), on a bridge each: flows, groups, and the datapath flows left by (B)
 * 400 client connections to servers and services the policy names and (C) the corpus's Ethernet packets;
 * what each tool port sent must be the same in both layouts.
 */
async function backendLayouts(o: OvsSandbox): Promise<void> {
  const dir = o.dir;
  const { policy: text, ports } = brokerPolicy(100, 4, 8);
  writeFileSync(join(dir, 'broker.tmes'), text);
  const policy = checkPolicyFile(join(dir, 'broker.tmes')).policy;
  const named = (re: RegExp) => [...text.matchAll(re)].map((m) => m[1]);
  const hosts = named(/host (10\.\d+\.\d+\.\d+)/g).map((a) => a.split('.').map(Number));
  const services = named(/tcp dst port (\d+)/g).map(Number);
  const servers = Array.from({ length: 20 }, (_, i) => (i < 10 && hosts[i] ? hosts[i] : [10, 200, i, 10]));
  const svc = [...services.slice(0, 5), 80, 443, 22];
  const b: { port: number; data: Buffer }[] = [];
  for (let c = 0; c < 400; c++) {
    const src = [172, 16 + rnd(32), rnd(256), 1 + rnd(254)];
    const d = servers[rnd(servers.length)];
    const dp = svc[rnd(svc.length)];
    const sp = 1024 + rnd(60000);
    const port = 1 + rnd(4);
    for (let k = 0; k < 5; k++) b.push({ port, data: tcp(src, d, sp, dp) });
  }
  const corpus = corpusPackets(4, Infinity, Infinity).map((p) => ({ port: 1 + p.tap, data: p.data }));
  const sent: Record<string, string> = {};
  for (const fieldsIn of ['headers', 'registers'] as FieldsIn[]) {
    const bag = new DiagnosticBag();
    const out = compileToOpenFlow(policy, new SourceFile('broker.ports', ports), bag, { fieldsIn })!;
    const bridge = `mf${fieldsIn[0]}`;
    const prog = out.program;
    await o.addBridge(bridge, [...prog.taps.values(), ...prog.toolPorts.values(), prog.host!.port]);
    writeFileSync(join(dir, `${bridge}.groups`), out.groups);
    writeFileSync(join(dir, `${bridge}.flows`), out.flows);
    await o.load(bridge, join(dir, `${bridge}.groups`), join(dir, `${bridge}.flows`));
    const row: string[] = [];
    for (const [name, pkts] of [
      ['B', b],
      ['C (corpus)', corpus],
    ] as const) {
      await o.unixctl.batch([{ method: 'dpctl/del-flows', params: [] }]);
      await send(o, bridge, pkts);
      const [dump] = await o.unixctl.batch([{ method: 'dpctl/dump-flows', params: [] }]);
      // the datapath is shared by the bridges, and emptied before each traffic: all its flows are this one's
      const lines = dump.split('\n').filter((l) => l.includes('actions'));
      row.push(`${name}: ${pkts.length} packets, ${lines.length} megaflows`);
    }
    const st = await o.portStats(bridge);
    sent[fieldsIn] = [...prog.toolPorts.values(), prog.host!.port].map((p) => st.get(p)?.tx ?? 0).join(',');
    console.log(
      `broker 112x4, ${fieldsIn}: ${prog.flows.length} flows, ${prog.groups.length} groups; ${row.join('; ')}; tool and host ports sent ${sent[fieldsIn]}`,
    );
  }
  console.log(`tool and host ports sent the same in both layouts: ${sent.headers === sent.registers ? 'yes' : 'NO'}`);
}

export async function benchOpenFlowMegaflows(): Promise<void> {
  const o = await OvsSandbox.start('openflow-megaflow-');
  try {
    await backendLayouts(o);
    await o.addBridge(BR, [1, 2, 3]);
    for (const [name, pkts] of Object.entries(traffic))
      for (const reg of [false, true]) {
        const file = join(o.dir, `flows-${reg}.ofctl`);
        writeFileSync(file, program(reg));
        await o.replaceFlows(BR, file);
        await o.unixctl.batch([{ method: 'dpctl/del-flows', params: [] }]);
        const base = (await o.portStats(BR)).get(1)?.rx ?? 0;
        for (let i = 0; i < pkts.length; i += 100) {
          await o.unixctl.batch(
            pkts.slice(i, i + 100).map((p) => ({
              method: 'netdev-dummy/receive',
              params: [OvsSandbox.portName(BR, 1), p.toString('hex')],
            })),
            8,
          );
          const n = Math.min(pkts.length, i + 100);
          await until(async () => (((await o.portStats(BR)).get(1)?.rx ?? 0) >= base + n ? true : undefined));
        }
        const [dump] = await o.unixctl.batch([{ method: 'dpctl/dump-flows', params: [] }]);
        const lines = dump
          .trim()
          .split('\n')
          .filter((l) => l.includes('actions'));
        const st = await o.portStats(BR);
        console.log(
          `traffic ${name}, ${reg ? 'register' : 'direct'}: ${program(reg).trim().split('\n').length} flows, ${pkts.length} packets (${new Set(pkts.map((p) => p.subarray(26, 38).toString('hex'))).size} address pairs), datapath megaflows ${lines.length}; out ports 2/3 tx (cumulative) ${st.get(2)?.tx}/${st.get(3)?.tx}`,
        );
      }
  } finally {
    await o.stop();
  }
}
