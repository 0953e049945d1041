import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCores } from '../../src/cli/run.js';
import { capAvailable } from '../../src/runtime/live/cap-binding.js';
import { runCli } from './helpers.js';

/** run --live's options, refused before anything is opened (no interface, root or cap needed). */

const dir = mkdtempSync(join(tmpdir(), 'tmesc-live-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policy = join(dir, 'p.tmes');
writeFileSync(
  policy,
  'policy "p"\ntap t { source interface "eth9" }\ngroup g { tool a { output pcap "a.pcap" } }\nrule all match ip to g\n',
);
const files = join(dir, 'f.tmes');
writeFileSync(
  files,
  'policy "f"\ntap t { source pcap "in.pcap" }\ngroup g { tool a { output pcap "a.pcap" } }\nrule all match ip to g\n',
);

describe('run --live options', () => {
  it.each([
    [['--live', '--poll', 'busy'], /--poll busy spins on its cores: give them with --cores/],
    [['--live', '--poll', 'fast'], /--poll takes software or busy, not 'fast'/],
    [['--live', '--cores', 'x'], /--cores takes a list \(0,2,4-7\) or a hex mask \(0x3\), not 'x'/],
    [['--live', '--cores', '3-1'], /--cores: range 3-1 is reversed/],
    [['--live', '--cores', '0-4095'], /--cores: this machine has cores 0 to \d+, not /],
    [['--live', '--stats-interval', '0'], /--stats-interval takes seconds \(0.1 to 86400\), not '0'/],
    [['--live', '--buffer-size', '0.5'], /--buffer-size takes MiB \(1 to 4096\), not '0.5'/],
    [['--live', '--input', 't=x.pcap'], /--live captures the taps on interfaces; --input replays files: not both/],
    [['--live', '--workers', '2'], /a live run takes --cores, not --workers/],
    [['--poll', 'busy'], /--poll applies to live runs \(--live\)/],
    [['--stats-interval', '1'], /--stats-interval applies to live runs \(--live\)/],
    [['--buffer-size', '8'], /--buffer-size applies to live runs \(--live\)/],
  ])('%j is refused with a usage error', async (args, message) => {
    const r = await runCli(['run', policy, '--no-cache', ...args], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a policy with no tap on an interface has nothing to capture live (or cap says how to enable it)', async () => {
    const r = await runCli(['run', files, '--no-cache', '--live'], dir);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      capAvailable()
        ? /the policy has no tap on an interface: nothing to capture live/
        : /live capture needs the optional 'cap' package, built against libpcap/,
    );
  });

  it('--cores takes a list or a hex mask of cores the machine has', () => {
    expect(parseCores('0x5', 4)).toEqual([0, 2]);
    expect(parseCores('3,0-1,1', 4)).toEqual([0, 1, 3]);
    expect(() => parseCores('0x0', 4)).toThrow(/names no core/);
    expect(() => parseCores('4', 4)).toThrow(/has cores 0 to 3, not 4/);
  });
});
