import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openCapture } from '../../src/runtime/capture/index.js';
import { runCli } from './helpers.js';

/**
 * run --ports MAP --host-link FILE, the host end of an OpenFlow switch's host
 * link, on hand-made frames whose groups the fabric policy says: the codes
 * of the compiler's report (fabric.ports: VLANs 3000-3099) decide which
 * groups the host delivers, and what it returns is tagged as the switch
 * expects it. The whole loop through Open vSwitch: test/openflow/ovs-host-link.test.ts.
 */
const fixtures = join(import.meta.dirname, '..', 'openflow', 'fixtures');
const fabric = join(fixtures, 'fabric.tmes');
const ports = join(fixtures, 'fabric.ports');

/** Ethernet, IPv4, TCP (no options) to `dport` with this payload. */
function tcpFrame(dport: number, payload: string): Buffer {
  const body = Buffer.from(payload);
  const eth = Buffer.from('0200000000020200000000010800', 'hex');
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(40 + body.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from([192, 0, 2, 1, 192, 0, 2, 2]).copy(ip, 12);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(40000, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp[12] = 0x50;
  tcp[13] = 0x18;
  return Buffer.concat([eth, ip, tcp, body]);
}

const tag = (frame: Buffer, vid: number) =>
  Buffer.concat([frame.subarray(0, 12), Buffer.from([0x81, 0x00, vid >> 8, vid & 0xff]), frame.subarray(12)]);

function writePcap(path: string, frames: Buffer[]): void {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(1, 20);
  const parts: Buffer[] = [head];
  frames.forEach((f, i) => {
    const h = Buffer.alloc(16);
    h.writeUInt32LE(i, 4);
    h.writeUInt32LE(f.length, 8);
    h.writeUInt32LE(f.length, 12);
    parts.push(h, f);
  });
  writeFileSync(path, Buffer.concat(parts));
}

function frames(path: string): string[] {
  const src = openCapture(path);
  const out: string[] = [];
  try {
    for (let r; (r = src.next());) out.push(Buffer.from(r.data.subarray(0, r.capLen)).toString('hex'));
  } finally {
    src.close();
  }
  return out;
}

describe('tmesc run --ports MAP --host-link FILE', () => {
  const base = mkdtempSync(join(tmpdir(), 'tmesc-host-link-'));
  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it("delivers the host's groups, returns switch groups and host tools on switch ports with their codes", async () => {
    // web (switch), rec (switch), deep (host, no port): an HTTP request; dlp (host, tool dlp-1 on port 22): FTP
    const http = tcpFrame(80, 'GET / HTTP/1.1\r\n\r\n');
    const ftp = tcpFrame(21, 'USER anonymous\r\n');
    const link = join(base, 'link.pcap');
    writePcap(link, [
      tag(http, 3000), // span-a, the host's groups: deep only
      tag(http, 3003), // span-a, every group: web and rec back to the switch, deep here
      tag(ftp, 3003), // span-a, every group: rec back, dlp-1 (masked) back with its tool code over span-a's mark
      tag(tcpFrame(5000, 'x'), 3000), // span-a, the host's groups, but only rec (the switch's) takes it: counted
      http, // no code: dropped, said
    ]);
    const ret = join(base, 'return.pcap');
    const out = join(base, 'host');
    const r = await runCli([
      'run',
      fabric,
      '--no-cache',
      '--ports',
      ports,
      '--host-link',
      link,
      '--host-return',
      ret,
      '--out-dir',
      out,
    ]);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/1 packets carry no VLAN code the switch sends the host: dropped/);
    const marked = (f: Buffer) => tag(f, 101).toString('hex'); // span-a: mark vlan 101
    // the host's own tool: as a plain run gives it, marked for its tap
    expect(frames(join(out, 'deep-1.pcap'))).toEqual([marked(http), marked(http)]);
    expect(frames(join(out, 'big-1.pcap'))).toEqual([]);
    // to the switch: switch groups as their strip leaves them under the group's code for span-a (the switch marks);
    // a host tool on a switch port as the tool gets it (marked) under the tool's code
    const back = frames(ret);
    const dlp = back.filter((x) => x.startsWith(tag(tag(ftp, 101), 3034).subarray(0, 20).toString('hex')));
    expect(back.filter((x) => !dlp.includes(x)).sort()).toEqual(
      [
        tag(http, 3008).toString('hex'), // web, span-a
        tag(http, 3016).toString('hex'), // rec, span-a
        tag(ftp, 3016).toString('hex'),
      ].sort(),
    );
    // dlp-1 on switch port 22: as the tool gets it, masked (mask credentials), under its code over span-a's mark; its
    // session has no SYN, so its first line is masked whole (picked up mid-way: it could end a secret begun before)
    expect(dlp).toHaveLength(1);
    expect(Buffer.from(dlp[0], 'hex').subarray(-16).toString()).toBe('**************\r\n');
    expect(r.out).toMatch(/VLAN 3000 from tap span-a \(the host's groups\): 2/);
    expect(r.out).toMatch(/taken by no host group \(copies the switch's pre-filter let through; dropped\): 1/);
    expect(r.out).toMatch(/VLAN 3003 from tap span-a \(the host decides every group\): 2/);
    expect(r.out).toMatch(/no code of the link to the host \(dropped\): 1/);
    expect(r.out).toMatch(/returned to the switch .*return\.pcap: 4 packets/);
    const json = await runCli([
      'run',
      fabric,
      '--no-cache',
      '--ports',
      ports,
      '--host-link',
      link,
      '--host-return',
      ret,
      '--out-dir',
      out,
      '--stats',
      'json',
    ]);
    expect(json.code, json.err).toBe(0);
    const s = JSON.parse(json.out);
    expect(s.hostLink.returned).toEqual([
      { vid: 3008, packets: 1 },
      { vid: 3016, packets: 2 },
      { vid: 3034, packets: 1 },
    ]);
    expect(s.hostLink.noHostGroup).toBe(1);
    expect(s.groups.find((g: { name: string }) => g.name === 'deep').delivered).toBe(2);
    // a switch group's return counts the bytes the switch gets: the frame, not span-a's mark (the switch pushes it)
    const toolOf = (g: string) => s.groups.find((x: { name: string }) => x.name === g).tools[0];
    expect(toolOf('web')).toMatchObject({ name: 'web (to the switch)', packets: 1, bytes: http.length });
    expect(toolOf('rec')).toMatchObject({ packets: 2, bytes: http.length + ftp.length });

    // --report: the report.json written with the switch's program gives the code table (nothing compiled again);
    // with the policy or its compiled artifact, the same return and files
    const prog = join(base, 'prog');
    const c = await runCli(['compile', fabric, '--emit', 'openflow', '--ports', ports, '-o', prog]);
    expect(c.code, c.err).toBe(0);
    const artifact = join(base, 'fabric.tmesa');
    expect((await runCli(['compile', fabric, '-o', artifact])).code).toBe(0);
    for (const [i, from] of [[fabric], ['--artifact', artifact]].entries()) {
      const ret2 = join(base, `return-report-${i}.pcap`);
      const out2 = join(base, `host-report-${i}`);
      const rr = await runCli([
        'run',
        ...from,
        '--no-cache',
        '--report',
        join(prog, 'report.json'),
        '--host-link',
        link,
        '--host-return',
        ret2,
        '--out-dir',
        out2,
      ]);
      expect(rr.code, rr.err).toBe(0);
      expect(frames(ret2), from.join(' ')).toEqual(frames(ret));
      expect(frames(join(out2, 'deep-1.pcap'))).toEqual(frames(join(out, 'deep-1.pcap')));
      expect(rr.out).toMatch(/returned to the switch .*: 4 packets/);
    }
  });

  it('says what is missing or at odds', async () => {
    const link = join(base, 'link.pcap');
    const cases: [string[], RegExp][] = [
      [['--host-link', link], /--host-link and --host-return need the switch's code table: --report report\.json/],
      [['--ports', ports], /give its capture with --host-link FILE/],
      [['--ports', ports, '--live'], /--ports --live runs the host end .*give its interface with --host-link IFACE/],
      [['--ports', ports, '--host-link', 'eth9', '--host-return', link, '--live'], /no --host-return/],
      [['--ports', ports, '--host-link', link, '--input', `span-a=${link}`], /no --input/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['run', fabric, '--no-cache', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    // a report that is not one, or is another policy's
    const bad = join(base, 'bad.json');
    writeFileSync(bad, '{"format": "tmesc-openflow-report"}');
    const other = join(base, 'other.json');
    const prog = join(base, 'prog-other');
    const l4 = join(fixtures, 'l4.tmes');
    expect(
      (await runCli(['compile', l4, '--emit', 'openflow', '--ports', join(fixtures, 'l4.ports'), '-o', prog])).code,
    ).toBe(0);
    writeFileSync(other, readFileSync(join(prog, 'report.json')));
    for (const [args, msg] of [
      [['--report', bad, '--host-link', link], /not an OpenFlow report of tmesc compile:\n.*bad\.json:1:1: \$: /],
      [['--report', other, '--host-link', link], /the report is for policy "l4", this is policy "fabric"/],
      [['--report', other], /--report runs the host end .*--host-link FILE/],
    ] as [string[], RegExp][]) {
      const r = await runCli(['run', fabric, '--no-cache', ...args]);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.err).toMatch(msg);
    }
    const noHost = join(base, 'nohost.ports');
    writeFileSync(noHost, 'tap span-a port 1\ntap span-b port 2\ntap span-c port 3\n');
    const r = await runCli(['run', fabric, '--no-cache', '--ports', noHost, '--host-link', link]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nohost\.ports: the policy cannot be compiled for this switch/);
  });
});
