import { unknownWord } from '../unknown-word.js';
import { defineAction } from './handler.js';

const IPV6_METHODS = ['skip', 'destination-option', 'hop-by-hop'] as const;

/** `timestamp ip-option [ipv6 skip|destination-option|hop-by-hop]`: a timestamp written into each packet. */
export const timestamp = defineAction({
  kind: 'Timestamp',
  keyword: 'timestamp',
  policyKey: 'timestamp',
  repeat: 'once-conflict',
  apply(a, { bag, actions }) {
    const [first, ...rest] = a.words;
    if (first.word !== 'ip-option') {
      unknownWord(bag, first.span, first.word, 'timestamp method', ['ip-option']);
      return;
    }
    let ipv6: (typeof IPV6_METHODS)[number] = 'skip';
    if (rest.length) {
      const [kw, how, ...extra] = rest;
      if (kw.word !== 'ipv6' || !how || extra.length) {
        const last = rest[rest.length - 1];
        bag.add(
          'TMES0321',
          { file: kw.span.file, start: kw.span.start, end: last.span.end },
          `after timestamp ip-option, write ipv6 ${IPV6_METHODS.join('|')}`,
        );
        return;
      }
      const method = IPV6_METHODS.find((m) => m === how.word);
      if (!method) {
        unknownWord(bag, how.span, how.word, 'IPv6 timestamp method', IPV6_METHODS);
        return;
      }
      ipv6 = method;
    }
    actions.timestamp = { ipv4: 'ip-option', ipv6 };
  },
});
