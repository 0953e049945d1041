import type { Check } from '../context.js';

/**
 * A rule lost to a syntax error, skipped for its nesting (TMES0040), or among
 * the errors not shown (TMES0041) may be the one that used a tap or group.
 */
const ruleMayBeLost = (code: string) => code === 'TMES0010' || code === 'TMES0040' || code === 'TMES0041';

/** Definitions, taps and groups nobody uses are dead weight or, more often, a typo elsewhere. */
export const unusedDefinition: Check = {
  codes: ['TMES0500'],
  run({ symbols, bag, rootIsLibrary }) {
    if (rootIsLibrary) return;
    for (const d of symbols.defines.values()) {
      if (d.library || symbols.used.has(d.decl)) continue;
      bag.add('TMES0500', d.decl.name.span, `'${d.decl.name.name}' is defined but never used`);
    }
  },
};

export const unusedTap: Check = {
  codes: ['TMES0501'],
  run({ policy, bag, rootIsLibrary }) {
    // a rule lost to a syntax error may be the one that used it
    if (rootIsLibrary || bag.items.some((d) => ruleMayBeLost(d.code))) return;
    const used = new Set<number>();
    let any = false;
    for (const r of policy.rules) {
      if (r.action !== 'to') continue;
      if (r.taps === 'any') any = true;
      else for (const t of r.taps) used.add(t);
    }
    if (any) return;
    for (const t of policy.taps)
      if (!used.has(t.index)) bag.add('TMES0501', t.span, `no rule takes traffic from tap '${t.name}'`);
  },
};

export const unusedGroup: Check = {
  codes: ['TMES0502'],
  run({ policy, bag, rootIsLibrary }) {
    // a rule lost to a syntax error may be the one that used it
    if (rootIsLibrary || bag.items.some((d) => ruleMayBeLost(d.code))) return;
    const used = new Set<number>();
    for (const r of policy.rules) if (r.action === 'to') for (const g of r.groups) used.add(g);
    for (const g of policy.groups)
      if (!used.has(g.index)) bag.add('TMES0502', g.span, `no rule sends traffic to group '${g.name}'`);
  },
};
