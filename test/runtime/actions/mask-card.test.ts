import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CardScanner, cardNumberTarget, luhnValid } from '../../../src/runtime/actions/mask-card.js';
import { chunks, maskOnce, maskStream } from './mask-scan.js';

const card = cardNumberTarget(0x2a);
const digits = (s: string) => [...s].map(Number);

describe('card-number', () => {
  it('checks Luhn as payment cards do', () => {
    for (const n of ['4111111111111111', '5555555555554444', '378282246310005', '6011111111111117', '4222222222222'])
      expect(luhnValid(digits(n), 0, n.length), n).toBe(true);
    for (const n of ['4111111111111112', '1234567890123', '5555555555554445'])
      expect(luhnValid(digits(n), 0, n.length), n).toBe(false);
  });

  const cases: [string, string][] = [
    ['pay 4111111111111111 now', 'pay **************** now'],
    ['4111 1111 1111 1111', '*******************'],
    ['4111-1111-1111-1111.', '*******************.'],
    ['amex 3782 822463 10005;', 'amex *****************;'],
    ['13: 4222222222222|', '13: *************|'],
    ['19: 6011 0000 0000 0000 001', '19: ***********************'],
    // next to other numbers: the card's window is found
    ['card 4111 1111 1111 1111 12/25 cvv 123', 'card ******************* 12/25 cvv 123'],
    ['qty 12 4111 1111 1111 1111', 'qty 12 *******************'],
    ['id_4111111111111111x', 'id_****************x'],
    // order ids (too long), phone numbers (too short), Luhn failures survive
    ['order 41111111111111112222 shipped', 'order 41111111111111112222 shipped'],
    ['ref 4111111111111111111111111', 'ref 4111111111111111111111111'],
    ['call +1 555 123 4567 or 0800 123 4567', 'call +1 555 123 4567 or 0800 123 4567'],
    ['pan 4111 1111 1111 1112', 'pan 4111 1111 1111 1112'],
    // mixed separators, doubled separators and groups too short are not how a card is written
    ['4111 1111-1111 1111', '4111 1111-1111 1111'],
    ['4111  1111  1111  1111', '4111  1111  1111  1111'],
    ['41 11 11 11 11 11 11 11', '41 11 11 11 11 11 11 11'],
  ];

  it.each(cases)('%j', (input, want) => {
    expect(maskOnce(card, input)).toBe(want);
    for (const n of [1, 2, 3, 5, 7]) expect(maskStream(card, chunks(input, n)), `pieces of ${n}`).toBe(want);
  });

  it('finds every card however the stream is cut, and reports nothing before the undecided offset it gave', () => {
    const cards = ['4111111111111111', '4111 1111 1111 1111', '3782-822463-10005', '5555555555554444', '4222222222222'];
    const decoys = ['41111111111111112222', '555 123 4567', '4111 1111 1111 1112', '12345678901234', 'order 77'];
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.constantFrom(...cards, ...decoys), fc.string({ maxLength: 6 })), { maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }),
        (parts, cuts) => {
          const text = parts.join(' ; ');
          const whole = maskOnce(card, text);
          // every card written is masked, every decoy left as it is
          const pieces: string[] = [];
          let at = 0;
          for (let i = 0; at < text.length; i++) {
            const n = cuts[i % cuts.length];
            pieces.push(text.slice(at, at + n));
            at += n;
          }
          const s = new CardScanner(0);
          let undecided = 0;
          const spans: [number, number][] = [];
          for (const p of pieces) {
            const b = Buffer.from(p, 'latin1');
            s.write(b, 0, b.length, (x, y) => {
              expect(x).toBeGreaterThanOrEqual(undecided);
              spans.push([x, y]);
            });
            undecided = s.undecidedFrom();
          }
          s.end((x, y) => {
            expect(x).toBeGreaterThanOrEqual(undecided);
            spans.push([x, y]);
          });
          const b = Buffer.from(text, 'latin1');
          for (const [x, y] of spans) b.fill('*', x, y);
          expect(b.toString('latin1')).toBe(whole);
          let off = 0;
          for (const p of parts) {
            const got = whole.slice(off, off + p.length);
            if (cards.includes(p)) expect(got).toBe('*'.repeat(p.length));
            if (decoys.includes(p)) expect(got).toBe(p);
            off += p.length + 3;
          }
        },
      ),
      { numRuns: 400, seed: 12 },
    );
  });

  it('holds back no more than one card number: the undecided bytes are a run of at most 19 digits and 5 separators', () => {
    const s = new CardScanner(0);
    const text = Buffer.from('1234 5678 9012 3456 7890 1234 5678 9012 3456');
    for (let i = 0; i < text.length; i++) {
      s.write(text, i, i + 1, () => {});
      expect(i + 1 - s.undecidedFrom()).toBeLessThanOrEqual(24);
    }
  });
});
