import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { conversationFrames, runOneGroup } from './mask-run.js';
import { Conversation, type TimedFrame } from './tcp-traffic.js';

/**
 * mask where a stream's past is lost (leakfix, session 12): a session picked
 * up without its SYN, a segment searched on its own (a late filler of a gap
 * given up), a FIN beyond bytes never seen. Lost context is a gap: what
 * could be the tail of a secret begun in it is carried, masked to its line's
 * end or its digit run's, and counted masked-undecided; no more than that.
 */
const dir = mkdtempSync(join(tmpdir(), 'tmesc-mask-past-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const frames = conversationFrames;
const run = (actions: string, input: TimedFrame[]) => runOneGroup(dir, actions, input);

describe('mask: a session picked up without its SYN', () => {
  it('carries its first line and first digit run (they may end a secret begun before), nothing after', () => {
    const c = new Conversation({ serverPort: 21 });
    // the capture starts inside the client's password and inside a card number the server sends
    const segs = [...c.send(0, 'me2\r\nNOOP\r\n'), ...c.send(1, '1111 1111 ok\r\n200 fine\r\n')];
    const { out, mask } = run('mask card-number, credentials', frames(c, segs));
    // the server's line: its digit run (card-number's carry) and its line (credentials') masked
    expect(out).toEqual(['***\r\nNOOP\r\n', '************\r\n200 fine\r\n']);
    expect(mask['masked-undecided']).toBe(2);
  });

  it('the same bytes after a SYN: nothing carried', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs = [...c.handshake(), ...c.send(0, 'me2\r\nNOOP\r\n'), ...c.send(1, '1111 1111 ok\r\n200 fine\r\n')];
    const { out, mask } = run('mask card-number, credentials', frames(c, segs));
    expect(out).toEqual(['me2\r\nNOOP\r\n', '1111 1111 ok\r\n200 fine\r\n']);
    expect(mask['masked-undecided']).toBe(0);
  });
});

describe('mask: a segment searched on its own', () => {
  it('a late filler of a gap given up at the timeout: the rest of the password in it is masked', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs = [...c.handshake(), ...c.send(0, 'PASS hunter2\r\nNOOP\r\n', [8, 3])];
    // "PASS hun", then "2\r\nNOOP\r\n" (ahead of a gap), then "ter" 2 s later: the gap was given up at the timeout
    const input = frames(c, [...segs.slice(0, 4), segs[5]]);
    input.push({ data: c.frame(segs[4]), ts: input[input.length - 1].ts + 2 });
    const { out, mask, totals } = run('mask credentials', input);
    expect(out).toEqual(['PASS ***', '*\r\nNOOP\r\n', '***']);
    expect(totals['tcp-gaps']).toBe(1);
    expect(totals['tcp-again']).toBe(1);
    expect(mask['masked-undecided']).toBe(2);
  });

  it('a retransmission that differs, after a line break: searched on its own, nothing carried', () => {
    const c = new Conversation({ serverPort: 21 });
    const segs = [...c.handshake(), ...c.send(0, 'NOOP\r\n'), ...c.send(0, 'HELP me\r\n')];
    const again = { ...segs[4], payload: Buffer.from('HELP us\r\n', 'latin1') };
    const { out, mask } = run('mask credentials', frames(c, [...segs, again]));
    expect(out).toEqual(['NOOP\r\n', 'HELP me\r\n', 'HELP us\r\n']);
    expect(mask['masked-undecided']).toBe(0);
  });
});

describe('mask: a session idle past the idle bound (300 s)', () => {
  /** An SMTP AUTH LOGIN whose user name line pauses `pause` seconds (another session's SYN then, which sweeps). */
  function login(pause: number) {
    const c = new Conversation({ serverPort: 25 });
    const o = new Conversation({ serverPort: 80, clientPort: 40001 });
    const before = [
      ...c.handshake(),
      ...c.send(0, 'AUTH LOGIN\r\n'),
      ...c.send(1, '334 VXNlcm5hbWU6\r\n'),
      ...c.send(0, 'dXNl'),
    ];
    const after = [...c.send(0, 'cg==\r\n'), ...c.send(1, '334 UGFzc3dvcmQ6\r\n'), ...c.send(0, 'cGFzcw==\r\n')];
    const input = frames(c, before);
    const t = input[input.length - 1].ts + pause;
    input.push({ data: o.frame(o.handshake()[0]), ts: t });
    after.forEach((s, i) => input.push({ data: c.frame(s), ts: t + 0.001 * (i + 1) }));
    return run('mask credentials', input);
  }

  it('is kept while its context is open (a SASL exchange): the password line after the pause is masked', () => {
    const { out, totals } = login(301);
    expect(out).toEqual([
      'AUTH LOGIN\r\n',
      '334 VXNlcm5hbWU6\r\n',
      '****',
      '****\r\n',
      '334 UGFzc3dvcmQ6\r\n',
      '********\r\n',
    ]);
    expect(totals['tcp-sessions-evicted']).toBe(0);
  });

  it('is forgotten at rest: picked up again without its SYN, its first line carried', () => {
    const c = new Conversation({ serverPort: 21 });
    const o = new Conversation({ serverPort: 80, clientPort: 40001 });
    const input = frames(c, [...c.handshake(), ...c.send(0, 'NOOP\r\n')]);
    const t = input[input.length - 1].ts + 301;
    input.push({ data: o.frame(o.handshake()[0]), ts: t });
    input.push({ data: c.frame(c.send(0, 'HELP\r\nNOOP\r\n')[0]), ts: t + 0.001 });
    const { out, totals } = run('mask credentials', input);
    expect(out).toEqual(['NOOP\r\n', '****\r\nNOOP\r\n']);
    expect(totals['tcp-sessions-evicted']).toBe(1);
  });
});

describe('mask: a FIN beyond bytes never seen', () => {
  it('is a gap at the end of the input: the card number under way before it is masked whole', () => {
    const c = new Conversation({ serverPort: 80 });
    const segs = [...c.handshake(), ...c.send(1, 'id 4111 1111 1111 1111 end\r\n', [15])];
    // the second segment never reaches the tap; its FIN does
    const { out, totals } = run('mask card-number', frames(c, [...segs.slice(0, 4), c.fin(1)]));
    expect(out).toEqual(['id ************']);
    expect(totals['tcp-gaps']).toBe(1);
  });
});
