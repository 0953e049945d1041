import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { generate } from '../../../src/gen/index.js';
import { ethTagged, ipv4, udp, vlan, writePcap } from './frames.js';
import { readPackets, runPolicy } from './support.js';

// strip leaves the bytes past the next step's `truncate frame N` unwritten: the result must still be strip's
// output cut to N bytes, as editcap -s N would cut it, packet by packet
it.for([14, 60, 128])('strip all; truncate frame %i is strip all cut to that many bytes', async (n) => {
  const dir = mkdtempSync(join(tmpdir(), 'tmesc-strip-cut-'));
  const mixed = join(dir, 'mixed.pcap');
  generate({
    output: mixed,
    packets: 2000,
    seed: 5,
    encap: { vlan: 0.2, mpls: 0.05, gre: 0.1, vxlan: 0.1, gtpu: 0.1 },
  });
  // and VLAN-tagged frames of random bytes: what a step leaves unwritten would show (scratch holds the last packet's)
  const random = join(dir, 'random.pcap');
  writePcap(
    random,
    LINKTYPE.ETHERNET,
    Array.from({ length: 200 }, (_, i) =>
      ethTagged([vlan(i % 4000)], ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + i, 53, randomBytes(100 + i * 7)))),
    ),
  );
  const run = (name: string, actions: string) =>
    runPolicy(
      dir,
      `tap a { source file "${mixed}" }
tap b { source file "${random}" }
group g { tool x { output pcap "${join(dir, name)}" } ${actions} }
rule r from a, b match any to g`,
    );
  await run('stripped.pcap', 'strip all');
  await run('cut.pcap', `strip all; truncate frame ${n}`);
  const whole = readPackets(join(dir, 'stripped.pcap'));
  const cut = readPackets(join(dir, 'cut.pcap'));
  expect(cut.length).toBe(whole.length);
  let shortened = 0;
  for (let i = 0; i < cut.length; i++) {
    expect(cut[i].data.equals(whole[i].data.subarray(0, n)), `#${i + 1}`).toBe(true);
    expect(cut[i].wireLen, `#${i + 1}`).toBe(whole[i].wireLen);
    if (whole[i].data.length > n) shortened++;
  }
  expect(shortened).toBeGreaterThan(0);
});
