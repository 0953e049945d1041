/** One OpenFlow flow, as ovs-ofctl add-flows reads it. */
export interface Flow {
  table: number;
  priority: number;
  /** Match fragments (`reg0=0x5`, `vlan_tci=0x1000/0x1000`), joined with commas; empty matches everything. */
  match: string[];
  /** Actions in order; empty drops. */
  actions: string[];
}

/** One OpenFlow group, as ovs-ofctl add-groups reads it. */
export interface OfGroup {
  id: number;
  type: 'all' | 'select';
  buckets: { weight?: number; actions: string[] }[];
}

export function formatFlow(f: Flow): string {
  const match = f.match.length ? `,${f.match.join(',')}` : '';
  return `table=${f.table},priority=${f.priority}${match},actions=${f.actions.length ? f.actions.join(',') : 'drop'}`;
}

export function formatGroup(g: OfGroup): string {
  const buckets = g.buckets.map(
    (b, i) =>
      `bucket=bucket_id:${i},${b.weight !== undefined ? `weight:${b.weight},` : ''}actions=${b.actions.join(',')}`,
  );
  return `group_id=${g.id},type=${g.type},${buckets.join(',')}`;
}

/** Table numbers of the program; the graph's fields get tables from FIELD_TABLE_BASE on, in test order. */
export const TABLE = Object.freeze({
  /** in_port: which tap (or the host's return path). */
  INGRESS: 0,
  /** VLAN tags: how many, and whether OpenFlow sees past them. */
  VLAN: 1,
  /** The EtherType: MPLS, PPPoE, 802.3 lengths. */
  ETHERTYPE: 2,
  /** The network and transport headers into registers. */
  L3: 3,
  /** Whether the packet may carry a tunnel. */
  TUNNEL: 4,
  /** Walks each segment of the graph, then decides. */
  START: 5,
  FIELD_BASE: 10,
  /** The last table a field may get. */
  FIELD_LAST: 239,
  /** Per leaf reached: packets a group's strip cannot handle on the switch go to the host. */
  CHECK: 240,
  /** Punted packets to the host, the others delivered. */
  DECIDE: 241,
  /** Per leaf: its groups. */
  LEAF: 242,

  /** One copy to the host when a group of the packet's is the host's. */
  HOST: 244,
  /** Per tool: what a group's bucket does (strip, mark, output). */
  TOOL: 245,
  /** Per mark class: the tap's VLAN tags pushed. */
  MARK: 246,
  /** Pops the VLAN tag of a tagged packet (strip vlan). */
  POP: 247,
});
