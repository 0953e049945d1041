import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { progressLine } from '../../src/cli/progress.js';
import { runCli } from './helpers.js';

describe('progress line', () => {
  it('draws a bar by bytes when the size is known', () => {
    expect(progressLine(1_234_567, 2, { done: 250, total: 1000 }, 8)).toBe(
      '  [##------]  25%  1,234,567 packets  617,284/s  6 s left',
    );
    expect(progressLine(10, 1, { done: 1000, total: 1000 }, 4)).toBe('  [####] 100%  10 packets  10/s');
  });

  it('counts packets when the size is unknown (pipes, live capture)', () => {
    expect(progressLine(5000, 2, undefined)).toBe('  5,000 packets  2,500/s');
  });

  it('tmesc run --progress shows the bar on standard error, not in the statistics', async () => {
    const policy = join(import.meta.dirname, '..', '..', 'rules', 'examples', 'quickstart.tmes');
    const dir = join(import.meta.dirname, '..', '..', 'rules', 'examples', 'out');
    const r = await runCli(['run', policy, '--progress', '--out-dir', dir, '--stats', 'json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/\[[#-]+\]\s+\d+%\s+[\d,]+ packets/);
    expect(() => JSON.parse(r.out)).not.toThrow();
  });
});
