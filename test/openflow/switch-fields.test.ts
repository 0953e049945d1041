import { describe, expect, it } from 'vitest';
import { switchField } from '../../src/openflow/switch-fields.js';

describe('IPv6 address words as ovs-ofctl reads them', () => {
  it('writes leading zero groups as :: (ovs-ofctl 3.1 refuses the mask 0:0:ffff:0:0:0:0:0)', () => {
    const m = switchField('ip6Dst1').match!;
    expect(m(0x0ad40000n, 0xffff0000n)).toBe('ipv6,ipv6_dst=::ad4:0:0:0:0:0/::ffff:0:0:0:0:0');
    expect(switchField('ip6Src0').match!(0x20010db8n, 0xffffffffn)).toBe(
      'ipv6,ipv6_src=2001:db8:0:0:0:0:0:0/ffff:ffff:0:0:0:0:0:0',
    );
    expect(switchField('ip6Src3').match!(0n, 0n)).toBe('ipv6,ipv6_src=::/::');
  });
});
