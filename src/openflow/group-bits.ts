import { hex, regName } from './registers.js';

/**
 * Where a policy split into parts (src/openflow/parts.ts) keeps what each
 * part's walk found: per group, a "to" bit (some rule sends the packet
 * there) and a "drop" bit (some rule drops it from there), side by side in
 * the registers the program leaves free. A later table delivers each group
 * whose "to" bit is set and "drop" bit is not: a conjunctive match over the
 * parts' results, as switch pipelines combine tables through metadata.
 */
const FREE_REGS = [4, 5, 8, 14, 15];

/** Groups the registers have bits for. */
export const MAX_COMBINED_GROUPS = (FREE_REGS.length * 32) / 2;

function place(group: number, drop: boolean): { reg: number; bit: number } {
  const i = 2 * group + (drop ? 1 : 0);
  return { reg: FREE_REGS[i >> 5], bit: i & 31 };
}

/** Actions setting the bits of a leaf's groups (one set_field per register touched). */
export function setGroupBits(to: readonly number[], drop: readonly number[]): string[] {
  const byReg = new Map<number, number>();
  const add = (g: number, d: boolean) => {
    const { reg, bit } = place(g, d);
    byReg.set(reg, ((byReg.get(reg) ?? 0) | (1 << bit)) >>> 0);
  };
  for (const g of to) add(g, false);
  for (const g of drop) add(g, true);
  return [...byReg]
    .sort((a, b) => a[0] - b[0])
    .map(([reg, bits]) => `set_field:${hex(BigInt(bits))}/${hex(BigInt(bits))}->${regName(reg)}`);
}

/** The match of a group that some part sends the packet to and none drops it from. */
export function deliveredMatch(group: number): string {
  const to = place(group, false);
  const drop = place(group, true);
  // 2g and 2g+1 lie in one register
  const toBit = 1n << BigInt(to.bit);
  const both = toBit | (1n << BigInt(drop.bit));
  return `${regName(to.reg)}=${hex(toBit)}/${hex(both)}`;
}
