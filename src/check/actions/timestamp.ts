import type { Span } from '../../diagnostics/diagnostic.js';
import type { GroupActions } from '../../policy/policy.js';
import { unknownWord } from '../unknown-word.js';
import { defineAction } from './handler.js';

const METHODS = ['ip-option', 'trailer'] as const;
const CLAUSES = {
  ipv6: ['trailer', 'destination-option', 'hop-by-hop', 'skip'],
  other: ['trailer', 'skip'],
} as const;

type Spec = NonNullable<GroupActions['timestamp']>;

/**
 * `timestamp trailer` | `timestamp ip-option [ipv6 skip|destination-option|hop-by-hop|trailer] [other skip|trailer]`:
 * IPv4 gets the option, IPv6 and packets without IP what their clause says (a trailer unless told otherwise).
 */
export const timestamp = defineAction({
  kind: 'Timestamp',
  keyword: 'timestamp',
  policyKey: 'timestamp',
  repeat: 'once-conflict',
  apply(a, { bag, actions }) {
    const [first, ...rest] = a.words;
    const through = (from: Span, to: Span): Span => ({ file: from.file, start: from.start, end: to.end });
    if (first.word === 'trailer') {
      if (rest.length) {
        bag.add(
          'TMES0321',
          through(rest[0].span, rest[rest.length - 1].span),
          'timestamp trailer stamps every packet with a trailer; nothing follows it',
        );
        return;
      }
      actions.timestamp = { ipv4: 'trailer', ipv6: 'trailer', other: 'trailer' };
      return;
    }
    if (first.word !== 'ip-option') {
      unknownWord(bag, first.span, first.word, 'timestamp method', METHODS);
      return;
    }
    const spec: Spec = { ipv4: 'ip-option', ipv6: 'trailer', other: 'trailer' };
    const given = new Set<string>();
    for (let i = 0; i < rest.length; i += 2) {
      const kw = rest[i];
      const how = rest[i + 1];
      if ((kw.word !== 'ipv6' && kw.word !== 'other') || !how || given.has(kw.word)) {
        bag.add(
          'TMES0321',
          through(kw.span, rest[rest.length - 1].span),
          `after timestamp ip-option, write ipv6 ${CLAUSES.ipv6.join('|')} and/or other ${CLAUSES.other.join('|')}, each once`,
        );
        return;
      }
      given.add(kw.word);
      const ok: readonly string[] = CLAUSES[kw.word];
      if (!ok.includes(how.word)) {
        unknownWord(
          bag,
          how.span,
          how.word,
          kw.word === 'ipv6' ? 'IPv6 timestamp method' : 'timestamp method for packets without IP',
          ok,
        );
        return;
      }
      if (kw.word === 'ipv6') spec.ipv6 = how.word as Spec['ipv6'];
      else spec.other = how.word as Spec['other'];
    }
    actions.timestamp = spec;
  },
});
