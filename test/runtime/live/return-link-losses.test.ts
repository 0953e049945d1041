import { type ChildProcess, execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { ETHERTYPE } from '../../../src/fields/ethertype.js';
import { IPPROTO } from '../../../src/fields/ip-proto.js';
import { type HostLinkCounts, takeNotSent } from '../../../src/runtime/host-link/host-link.js';
import { type Events, ToolPort } from '../../../src/runtime/live/capture.js';
import type { LiveTool } from '../../../src/runtime/live/protocol.js';
import { tagCode } from '../../../src/runtime/live/tag-code.js';
import { eth, ipv4, payload, udp } from '../actions/frames.js';
import { Lab, liveRequirements } from './netns.js';

/**
 * What the live host end's return link loses after a worker handed a return
 * over (its link down, its send process behind or gone, a send that fails)
 * is counted per code, the return's VLAN id, so that `returned` per code is
 * what went out: takeNotSent moves those off `returned` into `notReturned`.
 */
const FROM = new URL('../../../src/runtime/live/run-live.ts', import.meta.url).href;

/** A return as the host sends it: tagged with its code after the MAC addresses. */
function tagged(code: number, size: number, i: number): Buffer {
  const f = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1000 + i, 53, payload(Math.max(0, size - 42), i))));
  return Buffer.concat([f.subarray(0, 12), Buffer.from([0x81, 0x00, code >> 8, code & 0xff]), f.subarray(12)]);
}

const said: string[] = [];
const events: Events = {
  note: (w) => said.push(w),
  tool: (t, up) => said.push(`${t.name} ${up ? 'up' : 'down'}`),
  tap: () => undefined,
  say: (w) => said.push(w),
};

describe('the return link: what its sender does not send, per code', () => {
  it('reads the code off the outermost 802.1Q tag, none without one', () => {
    expect(tagCode(tagged(3008, 100, 0))).toBe(3008);
    expect(tagCode(tagged(5, 100, 0))).toBe(5);
    const untagged = eth(ETHERTYPE.IPV4, ipv4(IPPROTO.UDP, udp(1, 53, payload(10, 0))));
    expect(tagCode(untagged)).toBe(-1);
    const inBuffer = Buffer.concat([Buffer.alloc(7), tagged(42, 80, 1)]);
    expect(tagCode(inBuffer, 7, inBuffer.length - 7)).toBe(42);
    expect(tagCode(tagged(42, 80, 1), 0, 15)).toBe(-1);
  });

  it('takes what was not sent off returned, per code, into notReturned', () => {
    const c: HostLinkCounts = {
      read: 20,
      echoed: 0,
      perCode: [[3000, 20]],
      unknown: 0,
      noHostGroup: 0,
      returned: [
        [3008, 10],
        [3010, 4],
        [3033, 3],
      ],
      notReturned: 2,
    };
    const after = takeNotSent(c, [
      [3008, 3],
      [3033, 3],
      // a code never returned (not a return): nothing to take
      [77, 5],
    ]);
    expect(after.returned).toEqual([
      [3008, 7],
      [3010, 4],
    ]);
    expect(after.notReturned).toBe(2 + 6);
    expect(after.read).toBe(20);
  });

  it('counts the frames written while the link is down by their code', () => {
    const t: LiveTool = { id: 0, group: -1, tool: -1, name: 'return link', iface: 'none0', countCodes: true };
    const port = new ToolPort(t, FROM, 1 << 20, new Int32Array(1), events);
    for (const [code, n] of [
      [3008, 4],
      [3033, 2],
    ])
      for (let i = 0; i < n; i++) {
        const f = tagged(code, 100, i);
        const at = Buffer.concat([Buffer.alloc(5), f]);
        port.write(at, 5, f.length);
      }
    const c = port.snapshot();
    expect(c.lostDown).toBe(6);
    expect(c.notSentByCode).toEqual([
      [3008, 4],
      [3033, 2],
    ]);
    // a plain interface tool keeps no counts per code
    const plain = new ToolPort({ ...t, countCodes: undefined }, FROM, 1 << 20, new Int32Array(1), events);
    plain.write(tagged(3008, 100, 0), 0, 100);
    expect(plain.snapshot().notSentByCode).toBeUndefined();
  });

  const need = liveRequirements();
  describe.skipIf(need.skip)(`through a real send process${need.note}`, () => {
    const lab = new Lab();
    afterAll(() => lab.cleanup());

    it('counts send errors by code: frames past the MTU fail, the others go out', async () => {
      const ns = lab.ns('rl');
      const { near } = lab.veth('rl', ns);
      // a frame past the interface's MTU is refused by the kernel (EMSGSIZE) at every send
      execFileSync('ip', ['link', 'set', near, 'mtu', '1500']);
      const t: LiveTool = { id: 0, group: -1, tool: -1, name: 'return link', iface: near, countCodes: true };
      const up = new Int32Array(1);
      const port = new ToolPort(t, FROM, 1 << 20, up, events);
      // before its process: down, lost by code
      port.write(tagged(3001, 100, 0), 0, 104);
      await port.start();
      port.checkLink();
      expect(port.up).toBe(true);
      const frames = [
        ...Array.from({ length: 5 }, (_, i) => tagged(3008, 200, i)),
        ...Array.from({ length: 3 }, (_, i) => tagged(3033, 3000, i)),
        ...Array.from({ length: 2 }, (_, i) => tagged(3010, 1400, i)),
      ];
      for (const f of frames) port.write(f, 0, f.length);
      port.flush();
      // while the process runs: its own counts by code (it reports them as its sends change)
      const expected = [
        [3001, 1],
        [3033, 3],
      ];
      for (let m = port.snapshot(); m.sent + m.sendErrors < frames.length; m = port.snapshot()) await sleep(20);
      expect(port.snapshot().notSentByCode).toEqual(expected);
      await port.finish();
      const c = port.snapshot();
      expect({ sent: c.sent, sendErrors: c.sendErrors, lostDown: c.lostDown }).toEqual({
        sent: 7,
        sendErrors: 3,
        lostDown: 1,
      });
      expect(c.notSentByCode).toEqual(expected);
    }, 120_000);

    it('counts by code what a process that died did not confirm', async () => {
      const ns = lab.ns('rk');
      const { near } = lab.veth('rk', ns);
      const t: LiveTool = { id: 0, group: -1, tool: -1, name: 'return link', iface: near, countCodes: true };
      const port = new ToolPort(t, FROM, 1 << 20, new Int32Array(1), events);
      await port.start();
      port.checkLink();
      // stopped, it sends nothing of what it is handed; killed, it confirms nothing
      const child = (port as unknown as { proc: { child: ChildProcess } }).proc.child;
      child.kill('SIGSTOP');
      for (let i = 0; i < 4; i++) port.write(tagged(3020, 300, i), 0, 304);
      port.write(tagged(3021, 300, 9), 0, 304);
      port.flush();
      child.kill('SIGKILL');
      for (let m = port.snapshot(); m.lostDown < 5; m = port.snapshot()) await sleep(20);
      const c = port.snapshot();
      expect({ sent: c.sent, sendErrors: c.sendErrors, lostDown: c.lostDown }).toEqual({
        sent: 0,
        sendErrors: 0,
        lostDown: 5,
      });
      expect(c.notSentByCode).toEqual([
        [3020, 4],
        [3021, 1],
      ]);
    }, 120_000);
  });
});
