import { describe, expect, it } from 'vitest';
import { mask } from '../../../src/check/actions/mask.js';
import { group } from './support.js';

describe('mask', () => {
  it('adds up over lines', () => expect(mask.repeat).toBe('many'));
  it('takes built-in masks, patterns and definitions, each with its fill', () => {
    expect(group('mask card-number, /secret/i with "#"', 'mask SSN').actions.masks).toEqual([
      { kind: 'card-number', fill: '*' },
      { kind: 'regex', source: 'secret', flags: 'i', fill: '#' },
      { kind: 'regex', source: 'ssn=[0-9]{3}', flags: '', fill: '*' },
    ]);
  });
  it('reports a fill that is not one character, and an unknown name', () => {
    expect(group('mask card-number with "##"').codes).toEqual(['TMES0311 6:25']);
    expect(group('mask card-numbr').codes).toEqual(['TMES0200 6:8']);
  });
  it('takes a fill of one byte (ASCII or \\xHH), and reports one that takes more', () => {
    expect(group('mask card-number with "\\x00", credentials with "\\xe9"').actions.masks).toEqual([
      { kind: 'card-number', fill: '\x00' },
      { kind: 'credentials', fill: '\xe9' },
    ]);
    expect(group('mask card-number with "€"').codes).toEqual(['TMES0460 6:25']);
  });
});
