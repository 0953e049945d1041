import { expect, it } from 'vitest';
import { normalizeRanges } from '../../src/policy/ranges.js';

it('sorts inclusive intervals and merges overlapping and touching ones', () => {
  expect(
    normalizeRanges([
      [10, 20],
      [0, 3],
      [4, 5],
      [15, 30],
      [40, 40],
    ]),
  ).toEqual([
    [0, 5],
    [10, 30],
    [40, 40],
  ]);
  expect(normalizeRanges([])).toEqual([]);
});

it('leaves its input alone', () => {
  const input: [number, number][] = [
    [5, 6],
    [1, 2],
  ];
  normalizeRanges(input);
  expect(input).toEqual([
    [5, 6],
    [1, 2],
  ]);
});
