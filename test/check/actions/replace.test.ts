import { describe, expect, it } from 'vitest';
import { replace } from '../../../src/check/actions/replace.js';
import { group } from './support.js';

describe('replace', () => {
  it('adds up over lines', () => expect(replace.repeat).toBe('many'));
  it('takes a pattern or a pattern definition and the text', () => {
    expect(
      group('replace /Server: [^\\r\\n]*/ with "Server: x"', 'replace SSN with "ssn=000"').actions.replaces,
    ).toEqual([
      { source: 'Server: [^\\r\\n]*', flags: '', text: 'Server: x' },
      { source: 'ssn=[0-9]{3}', flags: '', text: 'ssn=000' },
    ]);
  });
  it('reports a pattern that does not compile', () => {
    // at the end of the source, where the missing ')' belongs
    expect(group('replace /a(/ with "b"').codes).toEqual(['TMES0600 6:14']);
  });
});
