import type { Reporter } from '../../diagnostics/bag.js';
import { LINKTYPE } from '../../fields/fields.js';
import { linkTypeName } from '../../fields/link-type-names.js';
import type { Policy } from '../../policy/policy.js';
import type { Symbols } from '../../check/symbols.js';

/** Link types whose frames are IP packets only: a trailer for packets without IP never applies to them. */
const IP_ONLY = new Set<number>([LINKTYPE.RAW, LINKTYPE.RAW_DLT12, LINKTYPE.RAW_DLT14, LINKTYPE.IPV4, LINKTYPE.IPV6]);

/**
 * TMES0443: what run would do without telling validate: a tap's VLAN mark
 * or a group's timestamp trailer on packets that have no Ethernet header
 * (mark.ts, timestamp-trailer.ts count them not-ethernet). Only file taps
 * have a link type known before the run (`kinds`, from their headers); a
 * group that strips puts every packet on Ethernet first.
 */
export function linkTypeActions(
  policy: Policy,
  bag: Reporter<'TMES0443'>,
  symbols: Symbols,
  kinds: readonly (number[] | 'live')[],
  tapsReaching: (g: number) => number[],
): void {
  const notEthernet = (t: number, ipOnlyFine = false): number[] => {
    const k = kinds[t];
    return k === 'live' ? [] : k.filter((lt) => lt !== LINKTYPE.ETHERNET && !(ipOnlyFine && IP_ONLY.has(lt)));
  };
  const described = (types: number[]) => types.map(linkTypeName).join(', ');
  const reached = policy.groups.map((g) => tapsReaching(g.index));
  for (const tap of policy.taps) {
    if (!tap.marks.some((m) => m.kind === 'vlan')) continue;
    const types = notEthernet(tap.index);
    if (types.length === 0) continue;
    const plain = policy.groups.filter((g) => g.actions.strip.length === 0 && reached[g.index].includes(tap.index));
    if (plain.length === 0) continue;
    const item = symbols.taps.get(tap.name)?.items.find((i) => i.kind === 'Mark' && i.what.word === 'vlan');
    bag.add(
      'TMES0443',
      item?.span ?? tap.span,
      `tap '${tap.name}' captures ${described(types)} (its files' headers say): its packets to ${plain.length > 1 ? 'groups' : 'group'} ${plain.map((g) => g.name).join(', ')} would go out without their tap VLAN mark: no Ethernet header to put it in (strip puts packets on Ethernet)`,
    );
  }
  for (const g of policy.groups) {
    const ts = g.actions.timestamp;
    if (!ts || g.actions.strip.length > 0) continue;
    if (ts.ipv4 !== 'trailer' && ts.ipv6 !== 'trailer' && ts.other !== 'trailer') continue;
    const onlyOther = ts.ipv4 !== 'trailer' && ts.ipv6 !== 'trailer';
    const from = reached[g.index]
      .map((t) => [policy.taps[t].name, notEthernet(t, onlyOther)] as const)
      .filter(([, types]) => types.length > 0);
    if (from.length === 0) continue;
    const item = symbols.groups.get(g.name)?.actions.find((a) => a.kind === 'Timestamp');
    bag.add(
      'TMES0443',
      item?.span ?? g.span,
      `group '${g.name}' receives ${from.map(([name, types]) => `${described(types)} from tap ${name}`).join(', ')}: those packets would be delivered unstamped: a trailer needs an Ethernet frame (strip puts packets on Ethernet)`,
    );
  }
}
