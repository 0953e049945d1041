import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { LINKTYPE } from '../../../src/fields/fields.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { l4ChecksumOk } from '../../../src/runtime/actions/checksum.js';
import { pseudowireAt } from '../../../src/runtime/actions/mask-pseudowire.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { eth, hex, ipv4, mpls, tcp } from './frames.js';
import { runFrames } from './mask-run.js';
import { timed } from './tcp-traffic.js';

/**
 * mask in an Ethernet pseudowire over MPLS (EoMPLS, VPLS): the control word,
 * then the customer's frame, which the decoder leaves as MPLS and mask reads
 * on into; MPLS payloads it cannot read are counted `not-ip-mpls` (a warning).
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-pw-'));
const policy = `tap a { source pcap "${dir}/none.pcap" }
group g { tool t { output pcap "${dir}/t.pcap" } mask credentials }
rule r from a match any to g`;

const CONTROL_WORD = hex('0000 0000');
const login = Buffer.from('USER bob\r\nPASS hunter2\r\n', 'latin1');
const customer = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.TCP, tcp(40000, 110, login)));
const inPseudowire = (body: Buffer) => eth(ETHERTYPE.MPLS, mpls([300], body));

const view = new PacketView();
function at(frame: Buffer): number {
  decodeFrame(view, frame, frame.length, frame.length, LINKTYPE.ETHERNET);
  return pseudowireAt(view, frame, frame.length);
}

describe('mask: Ethernet pseudowires over MPLS', () => {
  it('finds the frame after the control word, only when a frame carrying IP follows it', () => {
    expect(at(inPseudowire(Buffer.concat([CONTROL_WORD, customer])))).toBe(14 + 4 + 4);
    // IP right after the labels: the decoder reads it, no pseudowire
    expect(at(inPseudowire(ipv4(IPPROTO.TCP, tcp(40000, 110, login))))).toBe(-1);
    // no control word (the frame's first nibble is not 0 here), another EtherType, a frame cut short
    expect(at(inPseudowire(Buffer.concat([hex('5a'), customer.subarray(1)])))).toBe(-1);
    expect(at(inPseudowire(Buffer.concat([CONTROL_WORD, eth(0x88cc, Buffer.alloc(40))])))).toBe(-1);
    expect(at(inPseudowire(Buffer.concat([CONTROL_WORD, customer.subarray(0, 13)])))).toBe(-1);
    // without labels there is no pseudowire
    expect(at(customer)).toBe(-1);
  });

  it("masks the login in the pseudowire's frame, its TCP checksum made right; an unknown MPLS payload is counted", () => {
    const pw = inPseudowire(Buffer.concat([CONTROL_WORD, customer]));
    const other = inPseudowire(Buffer.concat([hex('1000 0000'), Buffer.alloc(40, 0x41)]));
    const r = runFrames(dir, policy, timed([pw, other]));
    const out = r.out.get('t')!;
    const d = Buffer.from(out[0].data);
    const inner = d.subarray(22);
    const ip = 14;
    const text = inner.subarray(ip + 40).toString('latin1');
    // the session has no SYN: its first line is masked whole (picked up mid-way, it could end a secret begun before)
    expect(text).toBe('********\r\nPASS *******\r\n');
    expect(l4ChecksumOk(inner, ip, IPPROTO.TCP, ip + 20, 20 + login.length)).toBe(true);
    expect(out[1].data.equals(other)).toBe(true);
    const g = r.groups[0];
    expect(g.actions.mask['masked-undecided']).toBe(1);
    expect(g.actions.mask['not-ip-mpls']).toBe(1);
    expect(g.actions.mask['not-ip']).toBe(0);
  });
});
