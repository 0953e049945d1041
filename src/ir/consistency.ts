import { ETHER_MAX_LENGTH, ETHERTYPE } from '../fields/ethertype.js';
import { IPPROTO } from '../fields/ip-proto.js';
import { LLCSAP, NLPID } from '../fields/llc.js';
import type { PFilter } from '../policy/policy.js';

/**
 * What the decoder guarantees about fields together: ports exist only on TCP,
 * UDP and SCTP; an IP protocol only under an IP ethertype; and so on. The
 * diagram treats fields as independent, so without these facts `arp and
 * port 80` would look satisfiable. The analyses intersect with them; the
 * runtime graph does not need to (the decoder already honours them).
 */
const present = (field: string, max: number): PFilter => ({ t: 'test', field, ranges: [[0, max]] });
const inSet = (field: string, values: number[]): PFilter => ({
  t: 'or',
  args: values.map((v) => ({ t: 'test', field, ranges: [[v, v]] })),
});
const implies = (a: PFilter, b: PFilter): PFilter => ({ t: 'or', args: [{ t: 'not', arg: a }, b] });

function layer(prefix: string): PFilter[] {
  const f = (n: string) => prefix + n;
  const ip = [ETHERTYPE.IPV4, ETHERTYPE.IPV6];
  return [
    implies(present(f('ipProto'), 255), inSet(f('etherType'), ip)),
    implies(present(f('dstPort'), 65535), inSet(f('ipProto'), [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP])),
    implies(present(f('srcPort'), 65535), inSet(f('ipProto'), [IPPROTO.TCP, IPPROTO.UDP, IPPROTO.SCTP])),
    implies(present(f('tcpFlags'), 255), inSet(f('ipProto'), [IPPROTO.TCP])),
    implies(present(f('icmpType'), 255), inSet(f('ipProto'), [IPPROTO.ICMP, IPPROTO.ICMPV6])),
    implies(present(f('ip4Src'), 0xffffffff), inSet(f('etherType'), [ETHERTYPE.IPV4, ETHERTYPE.ARP, ETHERTYPE.RARP])),
    implies(present(f('ip4Dst'), 0xffffffff), inSet(f('etherType'), [ETHERTYPE.IPV4, ETHERTYPE.ARP, ETHERTYPE.RARP])),
    implies(present(f('ip6Src0'), 0xffffffff), inSet(f('etherType'), [ETHERTYPE.IPV6])),
    implies(present(f('ip6Dst0'), 0xffffffff), inSet(f('etherType'), [ETHERTYPE.IPV6])),
    implies(present(f('ttl'), 255), inSet(f('etherType'), ip)),
    implies(present(f('vlan0'), 4095), { t: 'test', field: f('vlanCount'), ranges: [[1, 15]] }),
    implies(present(f('mpls0'), 0xfffff), { t: 'test', field: f('mplsCount'), ranges: [[1, 15]] }),
    implies(present(f('tunnelId'), 0xffffffff), { t: 'test', field: f('tunnel'), ranges: [[1, 15]] }),
    // an 802.2 header follows a length, not an EtherType; SNAP and OSI are read behind their SAPs
    implies(present(f('llcDsap'), 0xff), { t: 'test', field: f('etherType'), ranges: [[0, ETHER_MAX_LENGTH]] }),
    implies(present(f('llcSsap'), 0xff), present(f('llcDsap'), 0xff)),
    implies(present(f('snapOui'), 0xffffff), inSet(f('llcDsap'), [LLCSAP.SNAP])),
    implies(present(f('osiNlpid'), 0xff), inSet(f('llcDsap'), [LLCSAP.ISONS])),
    implies(present(f('isisPduType'), 0xff), inSet(f('osiNlpid'), [NLPID.ISIS])),
  ];
}

export const FIELD_CONSISTENCY: PFilter = { t: 'and', args: [...layer(''), ...layer('inner.')] };
