/**
 * Sessions focused inside a secret, for the evasion rounds
 * (mask-paths-evasion3/4): each an evader edits around its focus segment.
 */
import { LINKTYPE } from '../../../src/fields/fields.js';
import { session, type Session } from './mask-paths-harness.js';
import {
  type Encap,
  PROTOCOLS,
  type Protocol,
  type Rec,
  records,
  type Rng,
  type Seg,
  script,
  streamsOf,
} from './mask-paths.js';

const ETH = LINKTYPE.ETHERNET;

export type FocusKind = 'card' | 'credential' | 'pattern';

/** A session of `proto` whose focus is inside its first secret of `kind`, each turn one segment but at the focus. */
export function sessionOn(i: number, proto: Protocol, r: Rng, kind: FocusKind, enc: Encap = 'eth') {
  const sc = script(proto, r);
  const secrets = streamsOf(sc).secrets;
  const k = secrets.findIndex((x) => x.kind === kind);
  if (k < 0) return undefined;
  // a card cut after its 7th digit: a release may deliver a run of at most six digits (docs/language.md, PCI DSS 3.4)
  const split = kind === 'card' ? afterDigits(secrets[k].text, 7) : undefined;
  return session(i, proto, r, { script: sc, secret: k, whole: true, enc, split });
}

/** The index in `text` just after its `n`th digit. */
export function afterDigits(text: string, n: number): number {
  let seen = 0;
  for (let i = 0; i < text.length; i++) if (/\d/.test(text[i]) && ++seen === n) return i + 1;
  throw new Error(`${text}: fewer than ${n} digits`);
}

/** The stream offset of a segment's first payload byte (the session's SYN and SYN-ACK are its first two segments). */
export function offsetOf(s: Session, g: Seg): number {
  return (g.seq - s.segs[g.dir].seq - 1) >>> 0;
}

/** The index of the session's data segment that starts at its focus. */
export function focusIndex(s: Session): number {
  const k = s.segs.findIndex((g) => g.dir === s.focus.dir && g.payload.length > 0 && offsetOf(s, g) === s.focus.at);
  if (k < 0) throw new Error(`${s.name}: no segment at the focus`);
  return k;
}

/**
 * A session of every protocol (but Telnet, unless `protocols` says) for
 * each kind, focused inside its first secret of that kind (sessionOn),
 * `edit` given each one and its focus segment's index before it is kept;
 * drawn from `r` in that order.
 */
export function focusSessions(
  r: Rng,
  kinds: readonly FocusKind[],
  edit: (s: Session, k: number) => void = () => {},
  { enc, protocols = PROTOCOLS.filter((p) => p !== 'telnet') }: { enc?: Encap; protocols?: readonly Protocol[] } = {},
): Session[] {
  const sessions: Session[] = [];
  for (const p of protocols)
    for (const kind of kinds) {
      const s = sessionOn(sessions.length + 1, p, r, kind, enc);
      if (s === undefined) continue;
      edit(s, focusIndex(s));
      sessions.push(s);
    }
  return sessions;
}

/** Every segment's records, in order, `f` making the records of one segment (index j) instead when it returns some. */
export function recsOf(s: Session, id: number, f?: (g: Seg, j: number) => Rec[] | undefined): Rec[] {
  return s.segs.flatMap((g, j) => f?.(g, j) ?? records(g, s.ep, s.enc, ETH, [id & 0xffff, (id * 7 + 1) & 0xffff]));
}

/** Findings but for decoys masked (masking more than needed: no leak). */
export const secretsOnly = (found: string[]) => found.filter((x) => !x.includes(': decoy '));
