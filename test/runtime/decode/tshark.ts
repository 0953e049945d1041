/** Runs tshark over a corpus file and returns, per frame, the fields the decoder is compared with. */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CORPUS_DIR } from '../../support/corpus.js';

const run = promisify(execFile);

const TSHARK_FIELDS = [
  'frame.number',
  'frame.protocols',
  'eth.src',
  'eth.dst',
  'eth.type',
  'sll.etype',
  'sll.pkttype',
  'sll.ifindex',
  'llc.dsap',
  'llc.ssap',
  'llc.oui',
  'vlan.id',
  'ieee8021ad.id',
  'mpls.label',
  'pppoe.session_id',
  'arp.src.proto_ipv4',
  'arp.dst.proto_ipv4',
  'ip.src',
  'ip.dst',
  'ip.proto',
  'ip.ttl',
  'ip.dsfield.dscp',
  'ip.flags.mf',
  'ip.frag_offset',
  'ipv6.src',
  'ipv6.dst',
  'ipv6.hlim',
  'ipv6.tclass.dscp',
  'ipv6.fraghdr.offset',
  'ipv6.fraghdr.more',
  'tcp.srcport',
  'tcp.dstport',
  'tcp.flags',
  'tcp.len',
  'udp.srcport',
  'udp.dstport',
  'sctp.srcport',
  'sctp.dstport',
  'icmp.type',
  'icmp.code',
  'icmpv6.type',
  'icmpv6.code',
  'gre.key',
  'gre.key.call_id',
  'erspan.spanid',
  'gtp.teid',
  'vxlan.vni',
  'geneve.vni',
  'l2tp.session',
  'l2tp.sid',
] as const;
export type TsharkField = (typeof TSHARK_FIELDS)[number];

/** Every occurrence of each field in the frame, outermost first. */
export type TsharkFrame = Record<TsharkField, string[]>;

/**
 * Defragmentation is off so each frame shows its own headers, as the
 * decoder sees them (with it on, tshark moves the reassembled datagram's
 * fields onto the last fragment).
 */
export async function tsharkFrames(file: string): Promise<TsharkFrame[]> {
  const args = ['-r', join(CORPUS_DIR, file), '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE'];
  args.push('-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,');
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  const { stdout } = await run('tshark', args, { maxBuffer: 1 << 28 });
  return stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const cols = line.split('\t');
      const frame = {} as TsharkFrame;
      TSHARK_FIELDS.forEach((f, i) => {
        frame[f] = cols[i] ? cols[i].split(',') : [];
      });
      return frame;
    });
}
