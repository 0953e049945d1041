import { describe, expect, it } from 'vitest';
import { BuildError, buildFrame } from '../../../src/cli/packet/build.js';
import { completePacket } from '../../../src/cli/packet/complete.js';
import { formatPacket } from '../../../src/cli/packet/format.js';
import { parsePacket } from '../../../src/cli/packet/parse.js';
import { SpecError } from '../../../src/cli/packet/spec-error.js';
import { Prng } from '../../../src/gen/prng.js';
import { decodeFrame } from '../../../src/runtime/decode/decode.js';
import { PacketView } from '../../../src/runtime/decode/view.js';
import { randomSpec } from './random-spec.js';

const error = (spec: string): SpecError => {
  try {
    parsePacket(spec);
  } catch (e) {
    if (e instanceof SpecError) return e;
    throw e;
  }
  throw new Error(`no error for ${spec}`);
};

describe('packet descriptions: mistakes', () => {
  it('point at the words at fault', () => {
    expect(error('payload "abc')).toMatchObject({ start: 8, end: 12, reason: expect.stringMatching(/unterminated/) });
    expect(error('tcp payload "\\q"')).toMatchObject({ start: 13, end: 15 });
    expect(error('icmp type constructor')).toMatchObject({ start: 10, end: 21 });
    expect(error('icmp6 type toString')).toMatchObject({ start: 11, end: 19 });
    expect(error('tcp flags syn,constructor')).toMatchObject({
      reason: expect.stringMatching(/unknown TCP flag 'constructor'/),
    });
    expect(error('vxlan ff')).toMatchObject({ start: 6, end: 8 });
    expect(error('vlan 4096')).toMatchObject({ reason: 'vlan 4096 is out of range (0 to 4095)' });
    expect(error('tcp 10.0.0.1 > ')).toMatchObject({ reason: "'>' needs a destination after it" });
    expect(error('udp 10.0.0.1:1 > 10.0.0.2:4789')).toMatchObject({ reason: expect.stringMatching(/is vxlan's/) });
    expect(error('ip6 proto 51')).toMatchObject({ reason: expect.stringMatching(/extension header/) });
    expect(error('ip proto 47')).toMatchObject({ reason: expect.stringMatching(/write gre/) });
    expect(error('ttl 1 ttl 2')).toMatchObject({ reason: 'ttl is given twice (first at column 1)', start: 6 });
  });

  it('show the description with control characters made harmless, the caret in line', () => {
    const e = error('tcp \x1b]0;pwned\x07 > x');
    // eslint-disable-next-line no-control-regex
    expect(e.message).not.toMatch(/[\x00-\x09\x0b-\x1f]/);
    const [, line, caret] = e.message.split('\n');
    expect(line.length).toBeGreaterThanOrEqual(caret.length);
  });

  it('random edits of valid descriptions: a usage error or a packet that builds and decodes, never anything else (3,000, seeded)', () => {
    const rng = new Prng(7);
    const vocabulary = [
      'tcp',
      'udp',
      'gre',
      'vxlan',
      'inner',
      '>',
      '"',
      '\\',
      'payload',
      'type',
      'vlan',
      '0x',
      '::',
      ':',
      '[',
      ']',
      '-1',
      '99999999999999999999',
      'constructor',
      '__proto__',
      'fragment',
      'len',
      'tap',
    ];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const words = randomSpec(rng).split(' ');
      for (let k = 1 + rng.int(3); k > 0; k--) {
        const at = rng.int(words.length + 1);
        const op = rng.int(3);
        if (op === 0) words.splice(at, 1);
        else if (op === 1) words.splice(at, 0, rng.pick(vocabulary));
        else if (words[at]) words[at] = words[at].slice(0, rng.int(words[at].length + 1)) + rng.pick(vocabulary);
      }
      const spec = words.join(' ');
      let desc;
      try {
        desc = parsePacket(spec);
      } catch (e) {
        if (!(e instanceof SpecError)) throw new Error(`${spec}: ${String(e)}`, { cause: e });
        expect(e.start).toBeGreaterThanOrEqual(0);
        expect(e.start).toBeLessThanOrEqual(spec.length);
        continue;
      }
      accepted++;
      try {
        const frame = buildFrame(completePacket(desc));
        const v = new PacketView();
        decodeFrame(v, frame.data, frame.data.length, frame.wireLen, frame.linkType);
        expect(v.malformed, spec).toBe(0);
        parsePacket(formatPacket(completePacket(desc)));
      } catch (e) {
        // a len shorter than the packet is the one mistake only building finds
        if (!(e instanceof BuildError)) throw new Error(`${spec}: ${String(e)}`, { cause: e });
      }
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
